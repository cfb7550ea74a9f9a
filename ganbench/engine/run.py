"""One run, start to finish: validate, create or resume the run directory, train, evaluate,
write result.json. This is the library entry point that ``ganbench run`` and sweeps call."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import shutil
import time
from pathlib import Path

from ganbench.config import RunConfig
from ganbench.resolve import ensure_resolved
from ganbench.engine.checkpoint import load_checkpoint, restore_state
from ganbench.engine.distributed import SINGLE, Ranks, barrier
from ganbench.engine.environment import describe_environment
from ganbench.engine.loop import TrainingOutcome, train
from ganbench.engine.setup import Setup, prepare
from ganbench.engine.best_step import best_of_run
from ganbench.engine.evaluation import evaluate
from ganbench.engine.run_loggers import RunLoggers
from ganbench.contracts.logger import RunStart
from ganbench.atomic import write_json, write_text
from ganbench.contracts.run_result import RunResult, RunStatus
from ganbench.results.run_dir import RunDir
from ganbench.results.run_lock import run_lock


@dataclasses.dataclass
class RunReport:
    """What ``run`` did: the directory, its result, and whether it trained or only found it done."""

    path: Path
    result: RunResult | None  # None on the ranks other than 0 of a multi-process run
    skipped: bool = False
    resumed_from: int = 0


def run(config: RunConfig, show_progress: bool = True, restart: bool = False, ranks: Ranks = SINGLE,
        publish: bool = True) -> RunReport:
    """Train ``config`` into ``results_dir/run_id``; a finished run is returned, an interrupted one resumed.

    In a multi-process run every rank calls this; rank 0 owns the directory, its lock and the result.
    ``config`` is resolved first, so its run id is the one every other command gives the same settings.
    A run another process is training raises RunLocked: it is never trained twice at once."""
    config = ensure_resolved(config)
    setup = prepare(config, ranks=ranks)  # every user error surfaces here, before any file exists
    fingerprint_downloaded_data(config)
    run_dir = RunDir(Path(config.results_dir) / config.run_id)
    if ranks.main:
        tell_of_a_run_from_before_data_fingerprints(config, run_dir)
    if not restart:
        existing = run_dir.read_result()
        if existing is not None and existing.ended:  # finished: no lock needed to read it
            return RunReport(run_dir.path, existing, skipped=True)
    with run_lock(run_dir.path) if ranks.main else contextlib.nullcontext():
        return train_and_finish(setup, run_dir, show_progress, restart, publish)


def fingerprint_downloaded_data(config: RunConfig) -> None:
    """Files that ``--download`` fetched during set-up were not there when the config was resolved:
    fingerprint them now, so this run has the id that the next run on the same files will compute."""
    if config.download and config.data_fingerprint is None and config.data_root:
        from ganbench.plugin_host import plugins
        from ganbench.resolve import fingerprint_of_data
        config.data_fingerprint = fingerprint_of_data(plugins.registry(), config)


def tell_of_a_run_from_before_data_fingerprints(config: RunConfig, run_dir: RunDir) -> None:
    """A run on files trained before run ids included the data has the id of these settings without the
    fingerprint. ganbench cannot tell which files it read, so it is not reused: say so, once, when this
    run starts beside it."""
    if config.data_fingerprint is None or run_dir.path.exists():
        return
    old = Path(config.results_dir) / dataclasses.replace(config, data_fingerprint=None).run_id
    if (old / "config.json").is_file():
        logging.getLogger("ganbench").warning(
            f"{old} was trained before run ids included a fingerprint of the data, so ganbench cannot tell "
            f"which files it read; this run trains afresh as {run_dir.path.name}.")


def train_and_finish(setup: Setup, run_dir: RunDir, show_progress: bool, restart: bool, publish: bool) -> RunReport:
    """Under the run's lock: resume or start the directory, train, evaluate, write result.json."""
    ranks = setup.ranks
    if restart and ranks.main and run_dir.path.exists():
        shutil.rmtree(run_dir.path)
    barrier(ranks)
    existing = run_dir.read_result()  # again: another process may have finished it while we waited
    if existing is not None and existing.ended:
        return RunReport(run_dir.path, existing, skipped=True)
    started = time.perf_counter()
    loggers = RunLoggers(setup.loggers if ranks.main else ())  # the process that owns the directory logs
    try:
        if ranks.main:
            prepare_directory(setup, run_dir)
        barrier(ranks)
        outcome, scalar_state = resume(setup, run_dir)
        start_step = outcome.step
        loggers.start(RunStart(setup.config, setup.config.run_id, run_group(setup), run_dir.path, start_step))
        outcome = train(setup, run_dir, outcome, show_progress=show_progress, scalar_state=scalar_state,
                        loggers=loggers)
        if not ranks.main:
            return RunReport(run_dir.path, None, resumed_from=start_step)
        result = finish(setup, run_dir, outcome, started)
    except BaseException:
        loggers.finish(None)  # interrupted or failed: the trackers close their runs as unfinished
        if ranks.main:
            discard_if_never_a_run(run_dir)
        raise
    if publish:
        publish_run(run_dir)
    tell_loggers_the_end(loggers, result)
    return RunReport(run_dir.path, result, resumed_from=start_step)


def tell_loggers_the_end(loggers: RunLoggers, result: RunResult) -> None:
    """The final evaluation and the result, after curves.png exists, so trackers can keep it too."""
    if result.metrics:
        loggers.log_evaluation(result.steps, result.metrics)
    loggers.finish(result)


def resume(setup: Setup, run_dir: RunDir) -> tuple[TrainingOutcome, dict | None]:
    """Continue from the last checkpoint when there is one: its step, images, training figures and
    partial log window, with the logs cut back to its step; a fresh outcome for a fresh run."""
    outcome = TrainingOutcome()
    if not run_dir.checkpoint.exists():
        return outcome, None
    state = load_checkpoint(run_dir.checkpoint)
    outcome.step, outcome.images = restore_state(setup, state)
    outcome.restore_training_figures(state.get("outcome"))
    if setup.ranks.main:
        # Rows past the checkpoint are trained and evaluated again: keeping them would double them.
        kept = run_dir.truncate_metrics(outcome.step)
        relog_a_row_the_crash_cut(run_dir, kept, outcome.last_row)
        outcome.evaluations = run_dir.truncate_evaluations(outcome.step)
    return outcome, state.get("scalars")


def relog_a_row_the_crash_cut(run_dir: RunDir, kept: list[dict], last_row: dict) -> None:
    """A kill can cut the log's last line. A row after the checkpoint is trained and logged again, but
    the row written just before the checkpoint (a stop between two log steps checkpoints later) is not:
    the checkpoint keeps that row, so it is written back from there."""
    if last_row and isinstance(last_row.get("step"), int) and all(row["step"] != last_row["step"] for row in kept):
        write_text(run_dir.metrics, "".join(json.dumps(row, sort_keys=True) + "\n" for row in [*kept, last_row]))


def prepare_directory(setup: Setup, run_dir: RunDir) -> None:
    """Keep a directory with a checkpoint to resume (refusing a corrupt config.json); otherwise start a clean one."""
    if run_dir.checkpoint.exists():
        if run_dir.config.exists():
            run_dir.read_config()  # a corrupt one is refused now, not when the index reads the finished run
        else:
            write_json(run_dir.config, {**setup.config.to_json(), "group": run_group(setup)})
        return
    if run_dir.path.exists():  # a run that died before its first checkpoint: start it over
        shutil.rmtree(run_dir.path)
    run_dir.path.mkdir(parents=True)
    run_dir.samples.mkdir()
    run_dir.checkpoints.mkdir()
    write_json(run_dir.config, {**setup.config.to_json(), "group": run_group(setup)})


def discard_if_never_a_run(run_dir: RunDir) -> None:
    """A run that failed before its first checkpoint leaves nothing to resume or read: remove its folder,
    so that no directory with a config and empty folders passes for a run."""
    if run_dir.path.exists() and not run_dir.checkpoint.exists() and not run_dir.result.exists():
        shutil.rmtree(run_dir.path, ignore_errors=True)


def run_group(setup: Setup) -> str:
    """The configuration without the seed; a run started from another counts that run by its group."""
    return setup.config.config_hash(include_seed=False, source_group=setup.source_group)


def finish(setup: Setup, run_dir: RunDir, outcome: TrainingOutcome, started: float) -> RunResult:
    """Evaluate a finished run and write result.json, atomically and last. ``started``: when this session
    began (``time.perf_counter``), for its wall time up to the evaluation and its total time."""
    config = setup.config
    wall_seconds = time.perf_counter() - started
    evaluation = None
    if outcome.status == RunStatus.FINISHED:
        evaluation = evaluate(setup, run_dir.path, run_dir.read_metrics())
    metrics = evaluation.metrics if evaluation else {}
    result = RunResult(
        run_id=config.run_id,
        group=run_group(setup),
        status=RunStatus(outcome.status),
        arch=config.arch.name, loss=config.loss.name, dataset=config.dataset.name,
        stabilizers=[choice.name for choice in config.stabilizers] or ["none"],
        seed=config.seed,
        steps=outcome.step,
        budget={"steps": config.steps, "images": config.steps * config.batch_size * setup.settings.n_critic,
                "batch_size": config.batch_size, "n_critic": setup.settings.n_critic},
        images_seen=outcome.images,
        wall_time_s=round(wall_seconds, 3),
        train_time_s=round(outcome.train_seconds, 3),
        img_per_s=round(outcome.timed_images / outcome.train_seconds, 1) if outcome.train_seconds else None,
        final=outcome.last_row,
        metrics=metrics,
        directions=evaluation.directions if evaluation else {},
        protocol=evaluation.protocol if evaluation else {},
        eval_time_s=round(evaluation.seconds, 3) if evaluation else None,
        total_time_s=round(time.perf_counter() - started, 3),
        evaluations=outcome.evaluations,
        # Best-step figures, beside the headline: the final checkpoint's "metrics" stay the result.
        best=best_of_run(run_dir.evaluations, outcome.evaluations, outcome.step, metrics, setup.evaluators),
        diverged_at=outcome.diverged_at,
        last_good_checkpoint=str(run_dir.checkpoint) if run_dir.checkpoint.exists() else None,
        optimizer={"lr_g": setup.settings.lr_g, "lr_d": setup.settings.lr_d,
                   "betas": list(setup.settings.betas), "n_critic": setup.settings.n_critic},
        environment=describe_environment(setup.device, config.precision),
    )
    run_dir.write_result(result)
    return result


def publish_run(run_dir: RunDir) -> None:
    """After result.json: add the run to the results index and draw curves.png. (TensorBoard events
    come from the ``tensorboard`` logger, when the user asks for it, never implicitly.)

    The run directory is the truth, so a failure here is a warning and never loses the run."""
    from ganbench.results import index, plots
    for what, action in (("the results index", index.upsert_run), ("curves.png", plots.write_run_curves)):
        try:
            action(run_dir.path)
        except Exception as error:
            logging.getLogger("ganbench").warning(f"{run_dir.path.name}: could not write {what} "
                                                  f"({type(error).__name__}: {error}); the run itself is complete.")
