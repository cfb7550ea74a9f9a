"""Executors: they train a sweep's runs and report each run's state as it changes.

``local`` trains one run after another in this process. ``processes`` trains several at once in
worker processes started with "spawn" (a clean interpreter: no forked CUDA context or thread
pool), one per GPU when there are GPUs, otherwise each with its share of the CPU threads. Every
worker calls the same ``ganbench.engine.run.run``, so a sweep gives the same results whichever
executor ran it. ``ray`` (``ray_executor``) runs one Ray task per run, on a cluster or a local
instance. Another executor (a cluster queue) plugs in by providing ``name`` and ``run_all``;
see :class:`Executor`.

Stopping: Ctrl-C or SIGTERM asks every training run to checkpoint and stop; runs not yet started
stay unstarted. Running the same sweep again resumes the stopped runs from their checkpoints.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import importlib
import multiprocessing
import os
import queue
import signal
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Protocol, Sequence

from ganbench.plugin_host import plugins
from ganbench.config import RunConfig
from ganbench.engine.cores import threads_per_worker, usable_cores
from ganbench.engine.interrupt import install_stop_handler, stop_on_signals
from ganbench.errors import ConfigError, GanbenchError, RunInterrupted, cannot_write_or_read
from ganbench.contracts.run_result import RunResult, RunStatus
from ganbench.results.run_dir import RunDir
from ganbench.results.run_lock import RunLocked, wait_until_free

# The states a sweep shows are the run statuses of ganbench.contracts.run_result, under short names.
QUEUED, RUNNING, FINISHED, DIVERGED, FAILED, INTERRUPTED = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.FINISHED,
                                                           RunStatus.DIVERGED, RunStatus.FAILED, RunStatus.INTERRUPTED)
ORPHAN_GRACE_SECONDS = 120  # a worker whose sweep died stops its run, then leaves after this long


@dataclasses.dataclass
class RunUpdate:
    """The state of one run of a sweep."""

    run_id: str
    state: RunStatus
    path: str | None = None
    message: str = ""  # why it failed or stopped
    result: RunResult | None = None
    skipped: bool = False  # found finished: nothing was trained
    elsewhere: bool = False  # another process (another sweep) is training it: this sweep waits for it
    resumed_from: int = 0  # the step it continued from (0: trained from scratch)


OnUpdate = Callable[[RunUpdate], None]


class Executor(Protocol):
    """What a sweep needs from an executor."""

    name: str

    def run_all(self, configs: Sequence[RunConfig], on_update: OnUpdate) -> list[RunUpdate]:
        """Train every config, calling ``on_update`` at each change of state; return the last update of
        each config, in order. A failing run is a ``failed`` update, never an exception; a stop asked
        by the user raises SweepInterrupted once every started run has saved its checkpoint."""


class SweepInterrupted(GanbenchError):
    """The user stopped the sweep; started runs saved checkpoints."""

    exit_code = 130


def run_path(config: RunConfig) -> str:
    return str(Path(config.results_dir) / config.run_id)


def train_one(config: RunConfig) -> RunUpdate:
    """Train one run. Every error becomes a ``failed`` update, so that the sweep goes on."""
    from ganbench.engine.control_run import run_control
    from ganbench.engine.run import run

    try:
        report = run_control(config) if config.control is not None else run(config, show_progress=False)
    except RunLocked as error:
        return RunUpdate(config.run_id, RUNNING, run_path(config), f"running elsewhere ({error.owner}).",
                         elsewhere=True)
    except RunInterrupted as error:
        return RunUpdate(config.run_id, INTERRUPTED, run_path(config), str(error))
    except KeyboardInterrupt:
        return RunUpdate(config.run_id, INTERRUPTED, run_path(config), "stopped by Ctrl-C.")
    except GanbenchError as error:
        return RunUpdate(config.run_id, FAILED, run_path(config), str(error))
    except OSError as error:  # a full disk: the same sentence as ``ganbench run`` gives
        return RunUpdate(config.run_id, FAILED, run_path(config), cannot_write_or_read(error))
    except Exception as error:  # a bug in a plugin must not end the sweep
        return RunUpdate(config.run_id, FAILED, run_path(config), f"{type(error).__name__}: {error}")
    return RunUpdate(config.run_id, report.result.status, str(report.path), result=report.result, skipped=report.skipped,
                     resumed_from=report.resumed_from)


def finished_update(config: RunConfig) -> RunUpdate | None:
    """The update of a run that already finished, read from its result.json; None otherwise."""
    try:
        result = RunDir(run_path(config)).read_result()
    except GanbenchError:
        return None  # unreadable: the executor's run reports it
    if result is None or not result.ended:
        return None
    return RunUpdate(config.run_id, result.status, run_path(config), result=result, skipped=True)


def run_sweep(configs: Sequence[RunConfig], executor: Executor, on_update: OnUpdate) -> list[RunUpdate]:
    """Skip what finished (without starting a worker), hand the rest to ``executor``; updates in config order."""
    finals: dict[str, RunUpdate] = {}
    todo = []
    for config in configs:
        update = finished_update(config)
        if update is None:
            todo.append(config)
        else:
            finals[config.run_id] = update
            on_update(update)
    while todo:
        for update in executor.run_all(todo, on_update):
            finals[update.run_id] = update
        # Runs another sweep was training: wait for it, take its result, or train what it left unfinished.
        todo = [config for config in todo if finals[config.run_id].elsewhere]
        for config in todo:
            wait_until_free(Path(run_path(config)))
        for config in list(todo):
            update = finished_update(config)
            if update is not None:
                finals[config.run_id] = update
                on_update(update)
                todo.remove(config)
    return [finals[config.run_id] for config in configs]


def run_in_phases(phases: Sequence[Sequence[RunConfig]], executor: Executor, on_update: OnUpdate) -> list[RunUpdate]:
    """Each phase once the one before has ended (sources, then the runs that start from them). A run
    whose source did not finish fails with the source's reason instead of training."""
    updates: list[RunUpdate] = []
    unfinished: dict[str, RunUpdate] = {}  # run directory -> the last update of a run that did not finish
    for phase in phases:
        ready = []
        for config in phase:
            source = unfinished.get(config.init_from or "")
            if source is None:
                ready.append(config)
                continue
            reason = (source.message or source.state).rstrip(".")
            update = RunUpdate(config.run_id, FAILED, run_path(config),
                               f"its source run {source.run_id} did not finish ({reason}).")
            on_update(update)
            updates.append(update)
        finals = run_sweep(ready, executor, on_update) if ready else []
        updates.extend(finals)
        unfinished.update({run_path(config): update for config, update in zip(ready, finals) if update.state != FINISHED})
    return updates


class LocalExecutor:
    """One run after another, in this process."""

    name = "local"

    def run_all(self, configs: Sequence[RunConfig], on_update: OnUpdate) -> list[RunUpdate]:
        finals = []
        for config in configs:
            on_update(RunUpdate(config.run_id, RUNNING, run_path(config)))
            update = train_one(config)
            on_update(update)
            if update.state == INTERRUPTED:
                raise SweepInterrupted(f"sweep stopped during {config.run_id}; its checkpoint is saved; "
                                       f"run the same command again to resume.")
            finals.append(update)
        return finals


# Worker processes ---------------------------------------------------------------------------------------

class ProcessExecutor:
    """N worker processes; one per visible GPU when there are GPUs, each pinned to its own."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise ConfigError(f"--workers must be at least 1, got {workers}.")
        self.workers = workers

    def run_all(self, configs: Sequence[RunConfig], on_update: OnUpdate) -> list[RunUpdate]:
        gpus = gpus_for(configs)
        workers = max(1, min(self.workers or default_workers(gpus), len(configs)))
        context = multiprocessing.get_context("spawn")
        events, slots = context.Queue(), context.Queue()
        for slot in range(workers):
            slots.put(slot)
        threads = threads_per_worker(workers)  # its share of the free cores: never more threads than cores
        initargs = (slots, events, threads, gpus, os.getpid(), plugin_snapshot())
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=start_worker,
                                                    initargs=initargs) as pool:
            return Dispatcher(pool, events, configs, on_update).run()


class Dispatcher:
    """Submits the runs, relays the workers' events, and turns a stop request into checkpoints."""

    def __init__(self, pool: concurrent.futures.ProcessPoolExecutor, events: Any, configs: Sequence[RunConfig],
                 on_update: OnUpdate) -> None:
        self.pool, self.events, self.on_update = pool, events, on_update
        self.configs = {config.run_id: config for config in configs}
        self.worker_pids: set[int] = set()
        self.stopping = False

    def run(self) -> list[RunUpdate]:
        futures = {self.pool.submit(train_in_worker, config): config for config in self.configs.values()}
        finals: dict[str, RunUpdate] = {}
        pending = set(futures)
        try:
            with stop_on_signals() as stop:
                while pending:
                    done, pending = concurrent.futures.wait(pending, timeout=0.2,
                                                            return_when=concurrent.futures.FIRST_COMPLETED)
                    self.relay_events()
                    for future in done:
                        update = self.outcome(future, futures[future])
                        finals[update.run_id] = update
                        self.on_update(update)
                    if stop.requested and not self.stopping:
                        self.stop(pending)
                self.relay_events()
        except KeyboardInterrupt:  # a second Ctrl-C: leave at once
            self.kill_workers()
            self.pool.shutdown(wait=False, cancel_futures=True)
            raise SweepInterrupted("sweep stopped at once; runs resume from their last periodic checkpoint "
                                   "when the same command runs again.") from None
        if self.stopping:
            raise SweepInterrupted("sweep stopped; started runs saved checkpoints; run the same command again "
                                   "to resume.")
        return [finals[run_id] for run_id in self.configs]

    def outcome(self, future: concurrent.futures.Future, config: RunConfig) -> RunUpdate:
        if future.cancelled():
            return RunUpdate(config.run_id, INTERRUPTED, run_path(config), "not started: the sweep was stopped.")
        try:
            return future.result()
        except concurrent.futures.process.BrokenProcessPool:
            return RunUpdate(config.run_id, FAILED, run_path(config),
                             "a worker process died (killed, or out of memory); run the sweep again to resume.")
        except Exception as error:
            return RunUpdate(config.run_id, FAILED, run_path(config), f"{type(error).__name__}: {error}")

    def relay_events(self) -> None:
        while True:
            try:
                kind, value = self.events.get_nowait()
            except (queue.Empty, OSError, EOFError):
                return
            if kind == "pid":
                self.worker_pids.add(value)
            elif kind == "running" and value in self.configs:
                self.on_update(RunUpdate(value, RUNNING, run_path(self.configs[value])))

    def stop(self, pending: set[concurrent.futures.Future]) -> None:
        """Cancel what has not started; ask every worker to checkpoint the run it is training."""
        self.stopping = True
        for future in pending:
            future.cancel()
        self.relay_events()
        self.signal_workers(signal.SIGINT)

    def signal_workers(self, signum: int) -> None:
        for pid in self.worker_pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signum)

    def kill_workers(self) -> None:
        self.signal_workers(getattr(signal, "SIGKILL", signal.SIGTERM))


def gpus_for(configs: Sequence[RunConfig]) -> list[str]:
    """The GPUs to pin workers to: the visible ones, unless a config names its own device."""
    if any(config.device not in ("auto", "cuda") for config in configs):
        return []  # "cpu" or "cuda:1": pinning would change which device the config means
    import torch
    if not torch.cuda.is_available():
        return []
    count = torch.cuda.device_count()
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible:
        return [item.strip() for item in visible.split(",") if item.strip()][:count]
    return [str(index) for index in range(count)]


def default_workers(gpus: Sequence[str]) -> int:
    return len(gpus) if gpus else max(1, min(8, cpu_count() // 2))


def cpu_count() -> int:
    return usable_cores()


def plugin_snapshot() -> tuple[bool, list[tuple[str, str, str]]]:
    """What a worker needs to see the same components as this process: whether entry points are
    skipped, and the (name, module, package) of every plugin module registered here by hand."""
    state = plugins.state()
    modules = []
    for name, plugin in state.pm.list_name_plugin():
        info = state.plugins.get(name)
        if isinstance(plugin, ModuleType) and not (info and info.builtin):
            modules.append((name, plugin.__name__, info.package if info else ""))
    return plugins._skip_entry_points, modules


# Inside a worker process ----------------------------------------------------------------------------------

class WorkerState:
    events: Any = None
    stopping = False  # start no new run
    busy = False  # a run is being trained


_worker = WorkerState()


def start_worker(slots: Any, events: Any, threads: int, gpus: list[str], parent_pid: int,
                 snapshot: tuple[bool, list[tuple[str, str, str]]]) -> None:
    """Pin a GPU and a thread share, load the parent's plugins, and stop cleanly if the sweep dies."""
    slot = slots.get()
    if gpus:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpus[slot % len(gpus)]  # before anything touches CUDA
    if hasattr(os, "setsid"):
        os.setsid()  # Ctrl-C reaches the sweep alone, which asks each worker once to checkpoint
    import torch
    torch.set_num_threads(threads)
    load_plugins(snapshot)
    _worker.events = events
    install_stop_handler(_stop_after_this_run)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    events.put(("pid", os.getpid()))


def load_plugins(snapshot: tuple[bool, list[tuple[str, str, str]]]) -> None:
    skip_entry_points, modules = snapshot
    plugins._skip_entry_points = skip_entry_points
    plugins.reset()
    state = plugins.state()
    for name, module_name, package in modules:
        if state.pm.get_plugin(name) is None:
            state.add_plugin(importlib.import_module(module_name), name,
                             plugins.PluginInfo(name=name, package=package))


def _stop_after_this_run(signum, frame) -> None:
    # Outside the training loop (which has its own handler): finish what runs, start nothing new.
    _worker.stopping = True


def _watch_parent(parent_pid: int) -> None:
    """An orphaned worker (the sweep was killed) checkpoints its run and leaves: never two trainers
    in one run directory when the sweep starts again."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    _worker.stopping = True
    if _worker.busy:
        os.kill(os.getpid(), signal.SIGTERM)  # the training loop checkpoints and stops
        deadline = time.monotonic() + ORPHAN_GRACE_SECONDS
        while _worker.busy and time.monotonic() < deadline:
            time.sleep(0.2)
    os._exit(1)


def train_in_worker(config: RunConfig) -> RunUpdate:
    if _worker.stopping:
        return RunUpdate(config.run_id, INTERRUPTED, run_path(config), "not started: the sweep was stopped.")
    _worker.events.put(("running", config.run_id))
    _worker.busy = True
    try:
        update = train_one(config)
    finally:
        _worker.busy = False
    if update.state == INTERRUPTED:
        _worker.stopping = True
    return update
