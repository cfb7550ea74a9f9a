"""Conditions on runs, as ``compare --where`` and ``compare --baseline`` take them.

One syntax for both flags: ``KEY=VALUE`` items separated by commas. An item with ``=`` starts a
condition; an item without one adds an alternative value to the condition before it. All
conditions must hold, and a condition holds when the run's value equals any of its values:

    arch=dcgan,msg,stabilizers=none   ->  arch is dcgan or msg, and stabilizers is none

Repeating ``--where`` adds conditions, as a comma would. Keys are the columns of the table
(arch, loss, dataset, stabilizers, seed, status, run_id, group), every run setting (lr_d,
init_from, ...), and ``COMPONENT.OPTION`` for an option (``arch.base_channels``,
``label-smoothing.real``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from ganbench.errors import ConfigError

MISSING = object()


@dataclasses.dataclass(frozen=True)
class Condition:
    key: str
    values: tuple[str, ...]  # alternatives: one of them must match

    def describe(self) -> str:
        return f"{self.key}={','.join(self.values)}"


def parse_conditions(texts: Iterable[str], flag: str) -> list[Condition]:
    """``["arch=dcgan,msg,stabilizers=none"]`` -> [arch in (dcgan, msg), stabilizers in (none,)]."""
    conditions: list[Condition] = []
    for text in texts:
        for item in (part.strip() for part in str(text).split(",")):
            key, sep, value = item.partition("=")
            if sep:
                if not key.strip():
                    raise ConfigError(f"{flag} expects KEY=VALUE items separated by commas, got {text!r}.")
                conditions.append(Condition(key.strip(), (value.strip(),)))
            elif item and conditions:
                last = conditions.pop()
                conditions.append(Condition(last.key, (*last.values, item)))
            else:
                raise ConfigError(f"{flag} expects KEY=VALUE items separated by commas, got {text!r}"
                                  f"{'' if item else ' (an empty item)'}.")
    return conditions


def same_value(actual: Any, wanted: str) -> bool:
    """A run's value against a typed string: numbers compare as numbers, booleans in any case."""
    if actual is MISSING:
        return False
    if str(actual) == wanted or (isinstance(actual, bool) and str(actual).lower() == wanted.lower()):
        return True
    try:
        return float(actual) == float(wanted)
    except (TypeError, ValueError):
        return False


def holds(actual: Any, condition: Condition) -> bool:
    return any(same_value(actual, wanted) for wanted in condition.values)
