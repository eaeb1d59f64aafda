# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for ansible-test's get-pip bootstrap script.

ansible-test bootstraps pip in its sanity virtual environments with a get-pip.py it downloads
from ci-files.testing.ansible.com, which this project's machines cannot reach (only PyPI and
Debian's archive). tests/bin/sanity copies this file into ansible-test's cache under the name it
looks for. It bootstraps pip with the standard library's ensurepip, then installs the pinned
packages ansible-test asks for (pip==X, ...) from PyPI, which is what get-pip.py does.
"""
import subprocess
import sys

ARGS = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install'] + ARGS))
