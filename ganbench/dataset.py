"""Deprecated: the Dataset contract moved to ganbench.contracts.dataset; import it from ganbench.api.

Kept for one release so that code written for ganbench 0.1
(``from ganbench.dataset import Dataset, DataRequest``) keeps working, with one DeprecationWarning
(see ganbench/moved.py)."""

from ganbench.moved import names_moved, warn_moved

__getattr__ = warn_moved(__name__)
__dir__ = names_moved(__name__)
