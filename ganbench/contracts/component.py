"""The shape every named component shares: a name, a one-line description, typed options."""

from __future__ import annotations

from typing import Any, ClassVar

from ganbench.options import NoOptions, build_options


class Component:
    """Base of architectures, losses, stabilizers, evaluators and datasets.

    Subclasses set ``name`` (kebab-case), ``description`` (one line) and ``Options`` (a
    dataclass). An instance holds its validated options as ``self.options``.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    Options: ClassVar[type] = NoOptions

    def __init__(self, options: Any = None) -> None:
        self.options = options if options is not None else self.Options()

    @classmethod
    def with_options(cls, raw: dict[str, Any] | None = None) -> "Component":
        """An instance whose options are built (and validated) from ``raw``."""
        return cls(build_options(cls.Options, dict(raw or {}), f"{cls.kind_label()} {cls.name!r}"))

    @classmethod
    def kind_label(cls) -> str:
        return "component"
