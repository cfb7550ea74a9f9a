"""Built-in evaluators."""

from __future__ import annotations

from ganbench import hookimpl


@hookimpl
def register_evaluators(register):
    pass
