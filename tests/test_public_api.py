"""The public API (ganbench.api and ganbench.api.testing) holds still: every name and signature a
plugin may rely on is recorded in tests/public_api_snapshot.txt, and any difference fails.

When the difference is intended:
- a name or signature changed or disappeared: that breaks plugins. Restore it (keep the old name
  working with a DeprecationWarning, see ganbench/moved.py), or raise ``API_VERSION`` in
  ganbench/__init__.py and say what broke in CHANGELOG.md;
- a name was added: record it in CHANGELOG.md.
Then write the snapshot again:

    python tests/test_public_api.py --update
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import inspect
import sys
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("public_api_snapshot.txt")
MODULES = ("ganbench.api", "ganbench.api.testing")
UPDATE_COMMAND = "python tests/test_public_api.py --update"


def signature_of(value: object) -> str:
    try:
        return str(inspect.signature(value))
    except (TypeError, ValueError):
        return "(signature not available)"


def own_ganbench_classes(cls: type) -> list[type]:
    """The classes of ``cls``'s MRO that ganbench defines: torch's nn.Module API is not ours to promise."""
    return [base for base in cls.__mro__ if base.__module__.startswith("ganbench")]


def describe_member(name: str, value: object) -> str | None:
    """One line for a public attribute of a class, or None for what is not part of the promise."""
    if name.startswith("_") or name == "Options" and isinstance(value, type):
        return None
    if isinstance(value, property):
        return f"{name}: property"
    if isinstance(value, (classmethod, staticmethod)):
        return f"{name}{signature_of(value.__func__)}  [{type(value).__name__}]"
    if inspect.isfunction(value):
        return f"{name}{signature_of(value)}"
    if isinstance(value, type):
        return f"{name}: class {value.__module__}.{value.__qualname__}"
    return f"{name} = {value!r}"


def describe_class(name: str, cls: type) -> list[str]:
    """The class, its constructor, its dataclass fields, and the public attributes and methods it and its
    ganbench bases define (a method overridden lower in the MRO is listed once, as the subclass has it)."""
    bases = ", ".join(f"{base.__module__}.{base.__qualname__}" for base in cls.__bases__)
    lines = [f"class {name}({bases})", f"  __init__{signature_of(cls)}"]
    if dataclasses.is_dataclass(cls):
        lines += [f"  field {field.name}: {field.type}" for field in dataclasses.fields(cls)]
    if hasattr(cls, "_fields"):  # a NamedTuple
        lines += [f"  field {field}" for field in cls._fields]
    seen: dict[str, str] = {}
    for base in own_ganbench_classes(cls):
        for member, value in vars(base).items():
            if member not in seen and not (dataclasses.is_dataclass(cls) and member in cls.__dataclass_fields__):
                described = describe_member(member, value)
                if described is not None:
                    seen[member] = described
    if isinstance(getattr(cls, "Options", None), type):
        seen["Options"] = f"Options: class {cls.Options.__module__}.{cls.Options.__qualname__}"
    lines += [f"  {seen[member]}" for member in sorted(seen)]
    return lines


def describe(name: str, value: object) -> list[str]:
    if inspect.isclass(value):
        return describe_class(name, value)
    if inspect.isfunction(value):
        return [f"def {name}{signature_of(value)}"]
    if " at 0x" in repr(value):  # an object whose repr is its address (the hook marker): its type and project
        project = getattr(value, "project_name", None)
        return [f"{name}: {type(value).__qualname__}"
                + (f"(project_name={project!r})" if project else "")]
    return [f"{name} = {value!r}"]


def surface() -> list[str]:
    """Every public name of the API modules, described; the text the snapshot holds."""
    lines = []
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        lines.append(f"[{module_name}]")
        for name in sorted(module.__all__):
            lines += describe(name, getattr(module, name))
        lines.append("")
    return lines


def test_the_public_api_matches_its_snapshot():
    recorded = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    current = surface()
    if current != recorded:
        diff = "\n".join(difflib.unified_diff(recorded, current, "recorded snapshot", "ganbench.api now", lineterm=""))
        raise AssertionError(
            "The public API changed:\n" + diff + "\n\nA '-' line breaks plugins: restore it (keep the old name "
            "working with a DeprecationWarning), or raise API_VERSION and record the break in CHANGELOG.md. "
            f"A '+' line adds to the API: record it in CHANGELOG.md. Then run `{UPDATE_COMMAND}`.")


def test_every_exported_name_exists():
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert missing == [], f"{module_name}.__all__ names what it does not define: {missing}"


def test_the_snapshot_holds_no_memory_address():
    """A repr with an address would differ on every run: the snapshot must describe values, not objects."""
    assert " at 0x" not in SNAPSHOT.read_text(encoding="utf-8")


def test_the_checker_sees_a_changed_signature(monkeypatch):
    from ganbench import testing
    monkeypatch.setattr(testing, "check_loss", lambda cls: None)
    monkeypatch.setattr(importlib.import_module("ganbench.api.testing"), "check_loss", testing.check_loss)
    assert "def check_loss(cls)" in surface()


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit(f"usage: {UPDATE_COMMAND}")
    SNAPSHOT.write_text("\n".join(surface()) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
