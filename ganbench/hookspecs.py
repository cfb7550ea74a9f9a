"""Deprecated: the hook specifications moved to ganbench.plugin_host.hookspecs.

Kept for one release so that a plugin's tests written for ganbench 0.1
(``manager.add_hookspecs(ganbench.hookspecs)``) keep working, with one DeprecationWarning
(see ganbench/moved.py). Unlike the other old paths, this one holds the specifications themselves
(the same function objects): pluggy finds them with ``inspect.getattr_static``, which a forwarding
``__getattr__`` cannot serve."""

from ganbench.moved import names_moved, warn_moved

__getattr__ = warn_moved(__name__)
__dir__ = names_moved(__name__)

from ganbench.plugin_host.hookspecs import (hookspec, register_architectures, register_commands,  # noqa: E402
                                            register_datasets, register_evaluators, register_loggers,
                                            register_losses, register_stabilizers)

__all__ = ["hookspec", "register_architectures", "register_losses", "register_stabilizers", "register_evaluators",
           "register_datasets", "register_loggers", "register_commands"]
