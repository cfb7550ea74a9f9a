"""Deprecated: the Evaluator contract moved to ganbench.contracts.evaluator; import it from ganbench.api.

Kept so that plugins written for ganbench 0.1 (``from ganbench.evaluate.evaluator import
EvalContext, Evaluator, quantize``) keep loading, with one DeprecationWarning."""

from ganbench.moved import names_moved, warn_moved

__getattr__ = warn_moved(__name__)
__dir__ = names_moved(__name__)
