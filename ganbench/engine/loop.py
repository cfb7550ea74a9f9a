"""The training loop. It knows no GAN variant by name: the Setup holds the pieces.

Budget: ``config.steps`` generator steps; D sees ``n_critic`` real batches per step, and the
images seen are counted from those. The loop only reads values back from the device at log
intervals; checkpoints follow a log read, so they never hold a state past a non-finite loss.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import torch

from ganbench.engine.checkpoint import capture_state, save_checkpoint
from ganbench.engine.distributed import max_tensor
from ganbench.engine.interrupt import stop_on_signals
from ganbench.engine.progress import ProgressReporter
from ganbench.engine.run_loggers import RunLoggers
from ganbench.engine.samples import FixedLatents, generate, save_grid
from ganbench.engine.scalars import ScalarAccumulator
from ganbench.engine.setup import Setup
from ganbench.engine.step import AdversarialStep
from ganbench.engine.evaluation import evaluate
from ganbench.errors import RunInterrupted
from ganbench.contracts.run_result import RunStatus
from ganbench.results.run_dir import RunDir
from ganbench.contracts.stabilizer import StepInfo

GRID_SIZE = 64


class TrainingOutcome:
    """How the loop ended. The training figures (last row, seconds, images timed) travel with every
    checkpoint, so that a run resumed with nothing left to train still reports the training it had."""

    def __init__(self) -> None:
        self.status = RunStatus.FINISHED
        self.step = 0
        self.images = 0
        self.train_seconds = 0.0
        self.timed_images = 0  # the images trained while train_seconds ran: img/s is their ratio
        self.last_row: dict[str, Any] = {}
        self.diverged_at: int | None = None
        self.evaluations: list[dict[str, Any]] = []

    def training_figures(self, extra_seconds: float = 0.0, extra_images: int = 0) -> dict[str, Any]:
        """What a checkpoint keeps of the outcome (plain numbers, so weights_only loading reads it)."""
        return {"last_row": self.last_row, "train_seconds": self.train_seconds + extra_seconds,
                "timed_images": self.timed_images + extra_images}

    def restore_training_figures(self, saved: dict[str, Any] | None) -> None:
        if not saved:  # a checkpoint written before the figures were kept: time only what trains now
            return
        self.last_row = dict(saved.get("last_row") or {})
        self.train_seconds = float(saved.get("train_seconds") or 0.0)
        self.timed_images = int(saved.get("timed_images") or 0)


def train(setup: Setup, run: RunDir, outcome: TrainingOutcome | None = None,
          show_progress: bool = True, scalar_state: dict | None = None,
          loggers: RunLoggers | None = None) -> TrainingOutcome:
    """Train from ``outcome`` (a resumed run's step, images, figures and evaluations; a fresh one
    when None) to the budget, telling ``loggers`` what is written, when it is written."""
    config = setup.config
    outcome = outcome or TrainingOutcome()
    loggers = loggers or RunLoggers(())
    start_step = outcome.step
    step_fn = AdversarialStep(setup)
    main = setup.ranks.main  # only rank 0 writes files
    scalars = ScalarAccumulator(step_fn.scalar_names, setup.device, setup.ranks)
    scalars.start_at(start_step)
    if scalar_state:
        scalars.load_state_dict(scalar_state)
    grid = FixedLatents(GRID_SIZE, config.latent_dim, config.latent_dist, setup.spec.num_classes,
                        setup.conditional, setup.device)
    images_per_step = config.batch_size * setup.settings.n_critic
    window_started, window_images = time.perf_counter(), 0
    with ProgressReporter(config.steps, config.run_id[:48], enabled=show_progress and main) as progress, \
            stop_on_signals() as stop:
        progress.advance_to(start_step)
        if main and _evaluation_missing(config, start_step, outcome):
            # Killed while the evaluation after this checkpoint ran: do it now, as the first run would have.
            _evaluate_during_training(setup, run, start_step, outcome)
            loggers.log_evaluation(start_step, outcome.evaluations[-1]["metrics"])
        for step in range(start_step, config.steps):
            # Train: n_critic D updates and one G update, all on the device.
            scalars.add(step_fn(StepInfo(step, config.steps)))
            done = step + 1
            outcome.images += images_per_step
            window_images += images_per_step
            progress.advance_to(done)
            boundary = _is_boundary(done, config)
            if _stop_now(stop, setup.ranks, boundary):
                # Stop: checkpoint with the partial log window, so the resumed run is identical.
                figures = outcome.training_figures(time.perf_counter() - window_started, window_images)
                state = capture_state(setup, done, outcome.images, scalars, figures)
                if main:
                    save_checkpoint(run.checkpoint, state)
                raise RunInterrupted(f"stopped by {stop.signal_name or 'a signal'} at step {done} with a checkpoint "
                                     f"saved; run the same command again to resume.")
            if not boundary:
                continue
            # Log: the one host sync of the interval.
            row, bad_step = scalars.flush()
            now = time.perf_counter()
            outcome.train_seconds += now - window_started
            outcome.timed_images += window_images
            speed = window_images / max(now - window_started, 1e-9)
            if bad_step is not None:
                outcome.status, outcome.diverged_at = RunStatus.DIVERGED, bad_step
                break
            row = {"step": done, "images": outcome.images, **row}
            if main:
                _append_line(run.metrics, row)
                loggers.log_row(row)  # the row just written: no extra read from the device
            outcome.step, outcome.last_row = done, row
            progress.report(done, row, speed)
            # Samples, checkpoint and evaluation, each on its own interval.
            if main and (done % config.sample_every == 0 or done == config.steps):
                samples = generate(setup.sampling_generator(), grid.z, grid.labels)
                save_grid(samples, grid.columns, run.sample_path(done), _real_points(setup))
                loggers.log_samples(done, run.sample_path(done), samples)
            if done % config.checkpoint_every == 0 or done == config.steps:
                # Collective across ranks.
                state = capture_state(setup, done, outcome.images, scalars, outcome.training_figures())
                if main:
                    save_checkpoint(run.checkpoint, state)
            if main and _evaluation_due(config, done):
                _evaluate_during_training(setup, run, done, outcome)
                loggers.log_evaluation(done, outcome.evaluations[-1]["metrics"])
            window_started, window_images = time.perf_counter(), 0
    return outcome


def _stop_now(stop, ranks, boundary: bool) -> bool:
    """Whether to stop after this step. Alone, at once; with several ranks, all of them together at a
    log boundary (one agreement per interval instead of one per step)."""
    if not ranks.distributed:
        return stop.requested
    if not boundary:
        return False
    flag = torch.tensor([1.0 if stop.requested else 0.0])
    return bool(max_tensor(flag, ranks).item())


def _is_boundary(done: int, config: Any) -> bool:
    intervals = [config.log_every, config.sample_every, config.checkpoint_every]
    if config.eval_every:
        intervals.append(config.eval_every)
    return done == config.steps or any(done % interval == 0 for interval in intervals)


def _evaluation_due(config: Any, step: int) -> bool:
    """Periodic evaluations: every eval_every steps, except at the end, which the final evaluation covers."""
    return bool(config.eval_every) and step % config.eval_every == 0 and 0 < step < config.steps


def _evaluation_missing(config: Any, step: int, outcome: TrainingOutcome) -> bool:
    return _evaluation_due(config, step) and all(row.get("step") != step for row in outcome.evaluations)


def _append_line(path: Path, row: dict[str, Any]) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, sort_keys=True) + "\n")


def _real_points(setup: Setup) -> torch.Tensor | None:
    if setup.spec.kind != "vector":
        return None
    return setup.source.all_data(2000)[0]


def _evaluate_during_training(setup: Setup, run: RunDir, step: int, outcome: TrainingOutcome) -> None:
    # The evaluation must not move the training's random streams: a resumed run replays a missing
    # evaluation, or skips one already written, and still trains on the same numbers.
    devices = [setup.device] if setup.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        evaluation = evaluate(setup, run.path, run.read_metrics())
    row = {"step": step, "metrics": evaluation.metrics, "seconds": round(evaluation.seconds, 3)}
    _append_line(run.evaluations, row)
    outcome.evaluations.append(row)
