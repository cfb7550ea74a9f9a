"""The component API reference (docs/api.md), generated from the contract classes' docstrings, as
docs/hooks.md is from the hookspecs: one source of truth.

    python -m ganbench.reference.api > docs/api.md

For each of the six kinds it lists the base class a plugin subclasses, every class attribute it
may set and every method it may implement, with the signature and the docstring that says when
the engine calls it and with what; then the data classes those methods receive.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from typing import Any

# (kind, the base class, the classes its methods receive or return), in the order of a plugin tutorial.
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("architecture", "ganbench.contracts.architecture:Architecture",
     ("ganbench.contracts.architecture:Generator", "ganbench.contracts.architecture:Discriminator",
      "ganbench.contracts.architecture:Neck", "ganbench.contracts.architecture:BuildRequest",
      "ganbench.contracts.architecture:DOutput")),
    ("loss", "ganbench.contracts.loss:Loss",
     ("ganbench.contracts.loss:Targets", "ganbench.contracts.penalty:Penalty", "ganbench.contracts.loss:PenaltyInputs",
      "ganbench.contracts.loss:OptimizerSettings")),
    ("stabilizer", "ganbench.contracts.stabilizer:Stabilizer",
     ("ganbench.contracts.stabilizer:StepInfo", "ganbench.contracts.loss:GPenaltyInputs")),
    ("evaluator", "ganbench.contracts.evaluator:Evaluator",
     ("ganbench.contracts.evaluator:EvalContext", "ganbench.contracts.feature_space:FeatureSpace")),
    ("dataset", "ganbench.contracts.dataset:Dataset",
     ("ganbench.contracts.dataset:DataRequest", "ganbench.data.spec:DataSpec", "ganbench.data.source:DataSource")),
    ("logger", "ganbench.contracts.logger:Logger", ("ganbench.contracts.logger:RunStart",)),
)
COMPONENT_ATTRIBUTES = ("name", "description", "Options")  # every kind's, documented once
SKIPPED = {"kind_label", "with_options"}  # the Component base's machinery, not for plugins


def load(path: str) -> type:
    import importlib
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def markdown(text: str | None) -> str:
    return " ".join((text or "").replace("``", "`").split())


def own_methods(cls: type) -> list[tuple[str, Any]]:
    """The public methods a plugin may implement: defined on ``cls`` itself, in source order."""
    found = [(name, value) for name, value in vars(cls).items()
             if not name.startswith("_") and name not in SKIPPED
             and (inspect.isfunction(value) or isinstance(value, (classmethod, staticmethod, property)))]
    return sorted(found, key=lambda item: _line(item[1]))


def _line(value: Any) -> int:
    function = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
    return function.__code__.co_firstlineno


def method_docstring(value: Any) -> str | None:
    function = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
    return inspect.getdoc(function)


def signature(name: str, value: Any) -> str:
    if isinstance(value, property):
        return f"{name}  (property)"
    function = getattr(value, "__func__", value)
    text = str(inspect.signature(function)).replace("'", "")
    return f"{name}{text}"


def class_attributes(cls: type) -> list[tuple[str, str, Any]]:
    """(name, type, default) of the attributes a subclass may set, declared with a type on ``cls``."""
    hints = typing.get_type_hints(cls) if not dataclasses.is_dataclass(cls) else {}
    rows = []
    for name, kind in getattr(cls, "__annotations__", {}).items():
        if name.startswith("_") or name in COMPONENT_ATTRIBUTES:
            continue
        rows.append((name, _type_name(hints.get(name, kind)), getattr(cls, name, "(required)")))
    return rows


def _type_name(kind: Any) -> str:
    text = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    text = str(text).replace("typing.", "").replace("ClassVar[", "").rstrip("]") if "ClassVar" in str(text) \
        else str(text).replace("typing.", "")
    return PUBLIC_TYPE.sub(_public_type, text)


PUBLIC_TYPE = re.compile(r"\bganbench(?:\.[a-z_]+)+\.([A-Z][A-Za-z]*)\b")


def _public_type(match: re.Match) -> str:
    """``ganbench.contracts.loss.OptimizerSettings`` as a plugin imports it: ``ganbench.api.OptimizerSettings``."""
    import ganbench.api
    return f"ganbench.api.{match.group(1)}" if match.group(1) in ganbench.api.__all__ else match.group(0)


def dataclass_fields(cls: type) -> list[tuple[str, str]]:
    """(name, type as written in the source) of each field: the written name reads as the code does
    (``torch.device``, ``Callable[[int, int], ...]``) where an evaluated type would be expanded."""
    return [(field.name, _type_name(field.type)) for field in dataclasses.fields(cls)]


def public_path(cls: type) -> str:
    """Where a plugin imports the class from: ``ganbench.api`` when it exports it, else its module."""
    import ganbench.api
    exported = getattr(ganbench.api, cls.__name__, None) is cls and cls.__name__ in ganbench.api.__all__
    return f"ganbench.api.{cls.__name__}" if exported else f"{cls.__module__}.{cls.__name__}"


def describe_class(cls: type, heading: str) -> list[str]:
    lines = [f"{heading} `{public_path(cls)}`", "", markdown(inspect.getdoc(cls)), ""]
    if dataclasses.is_dataclass(cls):
        lines += ["| field | type |", "|---|---|"]
        lines += [f"| `{name}` | `{kind}` |" for name, kind in dataclass_fields(cls)] + [""]
    attributes = class_attributes(cls) if not dataclasses.is_dataclass(cls) else []
    if attributes:
        lines += ["| attribute | type | default |", "|---|---|---|"]
        lines += [f"| `{name}` | `{kind}` | `{default!r}` |" for name, kind, default in attributes] + [""]
    for name, value in own_methods(cls):
        lines += [f"- `{signature(name, value)}`", f"  {markdown(method_docstring(value))}"]
    if own_methods(cls):
        lines.append("")
    return lines


def render() -> str:
    from ganbench.contracts.component import Component
    lines = ["# Component API reference", "",
             "<!-- Generated from the contract classes by `python -m ganbench.reference.api > docs/api.md`; "
             "edit their docstrings, not this file. -->", "",
             "Every component subclasses the base class of its kind and sets three class attributes: "
             "`name` (kebab-case, unique in its kind), `description` (one sentence) and `Options` (a "
             "dataclass; users set its fields with `--arch-opt KEY=VALUE` and the like, and unknown keys "
             "are refused). An instance gets its built options as `self.options`. "
             f"{markdown(inspect.getdoc(Component))}", "",
             "Import every class below from `ganbench.api`, the public API that holds still within one "
             "`API_VERSION` (`from ganbench.api import Architecture, BuildRequest`). "
             "Register components with the hooks of [hooks.md](hooks.md); check them with the contract "
             "checks of `ganbench.api.testing` ([plugins.md](plugins.md)).", ""]
    for kind, base, helpers in SECTIONS:
        lines += [f"## {kind}", ""]
        lines += describe_class(load(base), "### Base class")
        for helper in helpers:
            lines += describe_class(load(helper), "###")
    return "\n".join(lines).rstrip() + "\n"


def undocumented() -> list[str]:
    """Methods of the contract classes without a docstring: the reference would be silent on them."""
    missing = []
    for _, base, helpers in SECTIONS:
        for path in (base, *helpers):
            cls = load(path)
            missing += [f"{cls.__name__}.{name}" for name, value in own_methods(cls) if not method_docstring(value)]
    return missing


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
