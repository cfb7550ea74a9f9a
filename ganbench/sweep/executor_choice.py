"""The executors a sweep can run on, by name: in process, local worker processes, or Ray.

Kept apart from executors.py so that the Ray executor, which builds on executors.py, is imported
only here and only when a sweep asks for it."""

from __future__ import annotations

from typing import Any, Callable

from ganbench.errors import GanbenchError
from ganbench.sweep.executors import Executor, LocalExecutor, ProcessExecutor


def ray_executor(workers: int | None = None, **options: Any) -> Executor:
    from ganbench.sweep.ray_executor import RayExecutor  # Ray itself is imported only when the sweep starts
    return RayExecutor(workers, **options)


EXECUTORS: dict[str, Callable[..., Executor]] = {
    "local": lambda workers=None, **options: LocalExecutor(),
    "processes": lambda workers=None, **options: ProcessExecutor(workers),
    "ray": ray_executor,
}


def make_executor(name: str, workers: int | None = None, **options: Any) -> Executor:
    """The executor called ``name``; ``options`` are its own (Ray: address, cpus_per_trial)."""
    if name not in EXECUTORS:
        raise GanbenchError(f"unknown executor {name!r}; choose one of {', '.join(sorted(EXECUTORS))}.")
    return EXECUTORS[name](workers=workers, **options)
