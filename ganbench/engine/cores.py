"""How many CPU threads each worker process gets: its share of the cores that are free for it.

Two threads per core is the worst case for PyTorch's OpenMP pool: its threads wait for each other at
every operation, and a thread that lost its core to another process holds every other one up. A
``--workers 1`` sweep on a two-core machine that other work keeps busy trained an MLP ten times slower
with two threads than with one. So a worker takes its share of the cores this process may use
(``os.sched_getaffinity``) less the cores other processes keep busy (the one-minute load average, less
this process), never fewer than one thread, and never more than ``OMP_NUM_THREADS`` when the user set
it (a per-process limit, which a worker keeps).
"""

from __future__ import annotations

import math
import os


def usable_cores() -> int:
    """The cores this process may run on (its affinity: taskset, a container's or scheduler's share)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores)


def thread_limit() -> int | None:
    """``OMP_NUM_THREADS`` when the user set it to a positive number: threads per process, at most."""
    text = os.environ.get("OMP_NUM_THREADS", "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def busy_cores() -> int:
    """Cores other processes keep busy: the one-minute load average, less this process's own core."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows, or no /proc/loadavg: assume an idle machine
        return 0
    return max(0, math.floor(load) - 1)


def threads_per_worker(workers: int, usable: int | None = None, busy: int | None = None,
                       limit: int | None = -1) -> int:
    """Each of ``workers`` processes' share of the free cores (at least one thread, at most ``limit``;
    by default the machine's own figures and ``OMP_NUM_THREADS``)."""
    usable = usable_cores() if usable is None else usable
    busy = busy_cores() if busy is None else busy
    limit = thread_limit() if limit == -1 else limit
    share = max(1, max(1, usable - busy) // max(1, workers))
    return min(share, limit) if limit else share
