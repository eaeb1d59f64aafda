# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    """The attributes every lvs.cluster module documents: what each one means, and the platform.
    A module states its own C(support) level for check and diff mode, with C(details)."""

    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return the changed status it predicts without modifying the target.
  diff_mode:
    description: Returns details on what has changed (or would change in check mode) when run in diff mode.
  platform:
    description: The targets the module runs on.
    support: full
    platforms: posix
    details: Linux with systemd. Tested on Debian 12 (bookworm) with its stock kernel.
'''
