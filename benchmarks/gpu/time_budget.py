"""A wall-clock budget for the GPU script: work is started only when its estimate fits in what is left.

A device machine is lent for one command of a fixed length; a run that is still training when the
command is killed leaves no result. So the script never starts a run it does not expect to finish:
each piece of work carries an estimate, and :func:`run_what_fits` starts it only when the estimate
and a reserve (the seconds kept for writing the figures at the end) fit in the time left. A piece
that does not fit is recorded as not started, and the next (perhaps cheaper) one is tried.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable, Iterable, TypeVar

Work = TypeVar("Work")


class TimeBudget:
    """Seconds from now until a deadline, read from ``clock`` (``time.monotonic``; tests pass a fake)."""

    def __init__(self, seconds: float, reserve: float = 0.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.deadline = clock() + seconds
        self.reserve = reserve  # kept back for what must happen after the last run (figures, compare)

    def remaining(self) -> float:
        return max(0.0, self.deadline - self.clock())

    def fits(self, estimate: float) -> bool:
        """Whether work expected to take ``estimate`` seconds ends before the deadline, reserve kept."""
        return estimate + self.reserve <= self.remaining()


@dataclasses.dataclass
class Skipped:
    """Work that was not started: its estimate did not fit in the time left."""

    work: object
    estimate: float
    available: float  # seconds there were for work, the reserve aside


def run_what_fits(budget: TimeBudget, works: Iterable[Work], estimate: Callable[[Work], float],
                  start: Callable[[Work], None], left_out: Callable[[Work], None] = lambda work: None) -> list[Skipped]:
    """Start each work in order when its estimate fits; return the ones left out, with why.

    ``estimate`` is called just before the decision, so it can learn from the work done so far
    (the measured time of an earlier seed of the same configuration); ``left_out`` hears of each
    work not started, so that the estimates of the works after it can take that into account."""
    skipped = []
    for work in works:
        expected = estimate(work)
        if budget.fits(expected):
            start(work)
        else:
            skipped.append(Skipped(work, expected, max(0.0, budget.remaining() - budget.reserve)))
            left_out(work)
    return skipped
