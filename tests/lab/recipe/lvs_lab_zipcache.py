# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab nodes only: keep the bytecode of modules imported from zip files, as CPython keeps it in
__pycache__ for modules imported from directories.

Each Ansible module call sends its code and module_utils as a zip that Python imports with
zipimport, which compiles every file from source each time and writes no bytecode. In the qemu
lab (TCG) that compilation is about half of the CPU a module call costs (an ansible.builtin.stat
call on a lab node: 5.2-6.7 s of user CPU without this, 2.4-3.8 s with it). A .pth file in the
node image (tests/lab/recipe/node-setup.sh) loads this module in every Python started there. It
stores each compiled file under a hash of its source and the interpreter's version and loads it
from there when the same source comes again: the same source runs, only its compilation is
skipped. Any error falls back to the plain compile. Nothing of lvs.cluster itself depends on it.
"""

import zipimport

CACHE_DIR = '/var/cache/lvs-lab-zipcache'

_compile_source = getattr(zipimport, '_compile_source', None)


def _cached_compile_source(pathname, source):
    # imported here: the .pth loads this module in every Python on the node, most of which
    # never import from a zip
    import hashlib
    import marshal
    import os
    import sys
    path = None
    try:
        key = hashlib.sha256(sys.version.encode() + b'\0' + source).hexdigest()
        path = os.path.join(CACHE_DIR, key)
        with open(path, 'rb') as handle:
            return marshal.load(handle)
    except Exception:
        pass
    code = _compile_source(pathname, source)
    if path is not None:
        try:
            os.makedirs(CACHE_DIR, exist_ok=True)
            tmp = '%s.%d.tmp' % (path, os.getpid())
            with open(tmp, 'wb') as handle:
                marshal.dump(code, handle)
            os.rename(tmp, path)
        except Exception:
            pass
    return code


if callable(_compile_source):
    zipimport._compile_source = _cached_compile_source
