"""Threads follow free cores: a worker gets its share of the cores nobody else keeps busy."""

import pytest

from ganbench.engine import cores
from ganbench.engine.cores import threads_per_worker


@pytest.mark.parametrize("workers, usable, busy, threads", [
    (1, 2, 0, 2),   # an idle two-core machine: the one worker takes both cores
    (1, 2, 5, 1),   # the same machine with other work on it: one thread, not two fighting for one core
    (2, 16, 0, 8),  # sixteen free cores, two workers: eight each
    (2, 16, 4, 6),  # four of them busy elsewhere: the twelve free ones, shared
    (4, 2, 0, 1),   # more workers than cores: never fewer than one thread
    (3, 8, 0, 2),   # eight cores, three workers: 2 each, rounding down so no core holds two threads
])
def test_each_worker_gets_its_share_of_the_free_cores(workers, usable, busy, threads):
    assert threads_per_worker(workers, usable=usable, busy=busy, limit=None) == threads


def test_omp_num_threads_caps_each_worker_not_the_number_of_workers(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads_per_worker(1, usable=16, busy=0) == 3
    assert threads_per_worker(8, usable=16, busy=0) == 2  # the share is smaller than the cap
    monkeypatch.setenv("OMP_NUM_THREADS", "")
    assert threads_per_worker(1, usable=16, busy=0) == 16


def test_busy_cores_leave_out_this_process(monkeypatch):
    monkeypatch.setattr(cores.os, "getloadavg", lambda: (3.7, 0.0, 0.0))
    assert cores.busy_cores() == 2  # three cores busy, one of them with this process
    monkeypatch.setattr(cores.os, "getloadavg", lambda: (0.4, 0.0, 0.0))
    assert cores.busy_cores() == 0


def test_the_process_executor_gives_its_worker_the_threads_it_chose(monkeypatch):
    """What ``--executor processes --workers 1`` passes its worker under load: one thread."""
    from ganbench.sweep import executors
    monkeypatch.setattr(cores, "usable_cores", lambda: 2)
    monkeypatch.setattr(cores, "busy_cores", lambda: 5)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    captured = {}

    class NoPool:
        def __init__(self, workers, mp_context, initializer, initargs):
            captured["threads"] = initargs[2]

        def __enter__(self):
            raise StopIteration  # stop before any process starts

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(executors.concurrent.futures, "ProcessPoolExecutor", NoPool)
    monkeypatch.setattr(executors, "gpus_for", lambda configs: [])
    with pytest.raises(StopIteration):
        executors.ProcessExecutor(workers=1).run_all(["a", "b"], lambda update: None)
    assert captured["threads"] == 1
