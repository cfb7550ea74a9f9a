"""Deprecated: the Component base class moved to ganbench.contracts.component; import it from ganbench.contracts.component.

Kept for one release so that code written for ganbench 0.1
(``from ganbench.component import Component``) keeps working, with one DeprecationWarning
(see ganbench/moved.py)."""

from ganbench.moved import names_moved, warn_moved

__getattr__ = warn_moved(__name__)
__dir__ = names_moved(__name__)
