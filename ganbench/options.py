"""Typed component options: dataclasses built from strings or values, with clear errors.

Every component declares an ``Options`` dataclass. Users pass ``key=value`` strings on the
command line or values in a TOML suite; both go through :func:`build_options`, which converts
each value to the field's declared type and refuses unknown keys by listing the valid ones.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Literal, Union, get_args, get_origin

from ganbench.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class NoOptions:
    """For components that take no options."""


def parse_assignments(pairs: typing.Iterable[str], what: str) -> dict[str, str]:
    """Split ``key=value`` strings into a dict; ``what`` names the flag for the error."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{what} expects key=value, got {pair!r}.")
        parsed[key.strip()] = value.strip()
    return parsed


def build_options(cls: type, raw: dict[str, Any], owner: str) -> Any:
    """Build ``cls`` from ``raw``, converting strings to the declared field types."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        valid = ", ".join(fields) if fields else "none"
        raise ConfigError(f"{owner} has no option {unknown[0]!r}; valid options: {valid}.")
    hints = typing.get_type_hints(cls)
    values = {key: coerce(value, hints[key], f"{owner} option {key}") for key, value in raw.items()}
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{owner}: {error}") from None


def coerce(value: Any, kind: Any, label: str) -> Any:
    """Convert ``value`` (often a string from the CLI) to the type ``kind``."""
    origin = get_origin(kind)
    if origin is Literal:
        return _coerce_literal(value, get_args(kind), label)
    if origin is Union or (origin is not None and str(origin) == "<class 'types.UnionType'>"):
        return _coerce_optional(value, kind, label)
    if origin in (tuple, list):
        return _coerce_sequence(value, kind, origin, label)
    if kind is bool:
        return _coerce_bool(value, label)
    if kind in (int, float):
        return _coerce_number(value, kind, label)
    if kind is str:
        return str(value)
    return value


def _coerce_literal(value: Any, choices: tuple, label: str) -> Any:
    for choice in choices:
        if value == choice or str(value) == str(choice):
            return choice
    raise ConfigError(f"{label} must be one of {', '.join(map(str, choices))}, got {value!r}.")


def _coerce_optional(value: Any, kind: Any, label: str) -> Any:
    args = [a for a in get_args(kind) if a is not type(None)]
    if value is None or (isinstance(value, str) and value.lower() in ("none", "null", "")):
        return None
    return coerce(value, args[0], label)


def _coerce_sequence(value: Any, kind: Any, origin: type, label: str) -> Any:
    items = value.split(",") if isinstance(value, str) else list(value)
    args = get_args(kind)
    if origin is tuple and args and args[-1] is not Ellipsis:
        if len(items) != len(args):
            raise ConfigError(f"{label} needs {len(args)} comma-separated values, got {value!r}.")
        return tuple(coerce(item, arg, label) for item, arg in zip(items, args))
    inner = args[0] if args else str
    return origin(coerce(item, inner, label) for item in items)


def _coerce_bool(value: Any, label: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{label} must be true or false, got {value!r}.")


def _coerce_number(value: Any, kind: type, label: str) -> int | float:
    if isinstance(value, bool):
        raise ConfigError(f"{label} must be {'an integer' if kind is int else 'a number'}, got {value!r}.")
    if isinstance(value, (int, float)) and (kind is float or isinstance(value, int)):
        number = kind(value)
    else:
        try:
            number = kind(str(value).strip())
        except ValueError:
            noun = "an integer" if kind is int else "a number"
            raise ConfigError(f"{label} must be {noun}, got {value!r}.") from None
    if kind is float and number != number or number in (float("inf"), float("-inf")):
        raise ConfigError(f"{label} must be a finite number, got {value!r}.")
    return number


ADDED_LATER = "ganbench_added_later"  # field metadata key: see added_later()


def added_later(default: Any) -> Any:
    """A dataclass field for an option added after runs were made with its component: while it holds
    ``default`` it is left out of config.json and the run id, so every earlier run keeps its id."""
    return dataclasses.field(default=default, metadata={ADDED_LATER: True})


def options_as_dict(options: Any) -> dict[str, Any]:
    """The options as plain JSON-able values, for config.json and run ids (an option added later is
    left out while it holds its default)."""
    values = dataclasses.asdict(options)
    for field in dataclasses.fields(options):
        if field.metadata.get(ADDED_LATER) and values[field.name] == field.default:
            del values[field.name]
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()}


def describe_options(cls: type) -> list[tuple[str, str, Any]]:
    """(name, type, default) of each option, for ``ganbench list``."""
    hints = typing.get_type_hints(cls)
    rows = []
    for field in dataclasses.fields(cls):
        default = field.default if field.default is not dataclasses.MISSING else None
        if field.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            default = field.default_factory()  # type: ignore[misc]
        rows.append((field.name, _type_name(hints[field.name]), default))
    return rows


def _type_name(kind: Any) -> str:
    if get_origin(kind) is Literal:
        return "|".join(map(str, get_args(kind)))
    return getattr(kind, "__name__", str(kind).replace("typing.", ""))
