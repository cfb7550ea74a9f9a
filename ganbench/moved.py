"""Old import paths that plugins used, kept working for at least one release with a warning.

A module that moved leaves a small module at its old place; that module calls :func:`warn_moved`
once, when it is first imported, and hands every attribute over to the new module (imported
lazily, so the old place adds no import edge to the package's layering).
"""

from __future__ import annotations

import importlib
import warnings
from types import ModuleType
from typing import Callable

# old module -> the module that holds its code now. Each old module forwards straight to the newest
# place, so a path that moved twice (ganbench.evaluate.evaluator -> ganbench.evaluator -> here) warns once.
MOVED_MODULES = {
    # moved in 0.1, before the public API existed
    "ganbench.evaluate.evaluator": "ganbench.contracts.evaluator",
    "ganbench.data.dataset": "ganbench.contracts.dataset",
    # moved in 0.2: the contracts a plugin subclasses, and their option types, in one package
    "ganbench.architecture": "ganbench.contracts.architecture",
    "ganbench.loss": "ganbench.contracts.loss",
    "ganbench.stabilizer": "ganbench.contracts.stabilizer",
    "ganbench.evaluator": "ganbench.contracts.evaluator",
    "ganbench.dataset": "ganbench.contracts.dataset",
    "ganbench.logger": "ganbench.contracts.logger",
    "ganbench.component": "ganbench.contracts.component",
    "ganbench.options": "ganbench.options",
}


def warn_moved(old: str) -> Callable[[str], object]:
    """Warn that ``old`` moved, and return the module ``__getattr__`` that forwards to its new place."""
    new = MOVED_MODULES[old]
    warnings.warn(f"{old} is deprecated and will be removed in a later release; import from ganbench.api "
                  f"instead (the code now lives in {new}).", DeprecationWarning, stacklevel=3)

    def forward(name: str) -> object:
        module: ModuleType = importlib.import_module(new)
        try:
            return getattr(module, name)
        except AttributeError:
            raise AttributeError(f"module {old!r} (now {new!r}) has no attribute {name!r}") from None

    return forward
