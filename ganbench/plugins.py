"""Deprecated: the plugin manager moved to ganbench.plugin_host.plugins.

Kept for one release so that code written for ganbench 0.1 (``from ganbench import plugins``, then
``plugins.registry()`` or ``plugins.register_module(...)``) keeps working, with one DeprecationWarning
(see ganbench/moved.py). Settings assigned to this old module do not reach the new one."""

from ganbench.moved import names_moved, warn_moved

__getattr__ = warn_moved(__name__)
__dir__ = names_moved(__name__)
