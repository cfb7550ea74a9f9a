"""Deprecated: the Dataset contract moved to ganbench.contracts.dataset; import it from ganbench.api.

Kept so that plugins written for ganbench 0.1 (``from ganbench.data.dataset import Dataset``)
keep loading, with one DeprecationWarning."""

from ganbench.moved import names_moved, warn_moved

__getattr__ = warn_moved(__name__)
__dir__ = names_moved(__name__)
