"""Old import paths that plugins used, kept working for at least one release with a warning.

A module that moved leaves a small module at its old place:

    from ganbench.moved import warn_moved, names_moved

    __getattr__ = warn_moved(__name__)
    __dir__ = names_moved(__name__)

It warns once, when it is first imported, and hands every attribute over to the new module
(imported lazily, on the first attribute asked for, so the old place adds no import edge to the
package's layering). ``__dir__`` lists the new module's names, for code that walks a module
(pluggy's ``add_hookspecs`` does). Attributes read through the old path are the new module's own
objects, so ``ganbench.architecture.Architecture is ganbench.api.Architecture``; an attribute
*set* on the old module stays there and does not reach the new one.
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
    # moved in 0.2: the contracts a plugin subclasses in one package
    "ganbench.architecture": "ganbench.contracts.architecture",
    "ganbench.loss": "ganbench.contracts.loss",
    "ganbench.stabilizer": "ganbench.contracts.stabilizer",
    "ganbench.evaluator": "ganbench.contracts.evaluator",
    "ganbench.dataset": "ganbench.contracts.dataset",
    "ganbench.logger": "ganbench.contracts.logger",
    "ganbench.component": "ganbench.contracts.component",
    # moved in 0.2: the plugin machinery in one package (plugins' own tests used these two)
    "ganbench.plugins": "ganbench.plugin_host.plugins",
    "ganbench.hookspecs": "ganbench.plugin_host.hookspecs",
}

# Old modules whose every public name ganbench.api exports: the advice is to import from there. For the
# others (the Component base, the plugin manager, the hook specifications) it is the new module.
COVERED_BY_THE_API = {"ganbench.evaluate.evaluator", "ganbench.data.dataset", "ganbench.architecture",
                      "ganbench.loss", "ganbench.stabilizer", "ganbench.evaluator", "ganbench.dataset",
                      "ganbench.logger"}


def deprecation_message(old: str) -> str:
    """The one sentence the old path warns with: what to import from, and where the code lives now."""
    new = MOVED_MODULES[old]
    advice = "ganbench.api" if old in COVERED_BY_THE_API else new
    return (f"{old} is deprecated and will be removed in a later release; import from {advice} instead "
            f"(the code now lives in {new}).")


def warn_moved(old: str) -> Callable[[str], object]:
    """Warn that ``old`` moved, and return the module ``__getattr__`` that forwards to its new place."""
    new = MOVED_MODULES[old]
    warnings.warn(deprecation_message(old), DeprecationWarning, stacklevel=3)

    def forward(name: str) -> object:
        module: ModuleType = importlib.import_module(new)
        try:
            return getattr(module, name)
        except AttributeError:
            raise AttributeError(f"module {old!r} (now {new!r}) has no attribute {name!r}") from None

    return forward


def names_moved(old: str) -> Callable[[], list[str]]:
    """The module ``__dir__`` of the old module: the names of the new one."""
    return lambda: dir(importlib.import_module(MOVED_MODULES[old]))
