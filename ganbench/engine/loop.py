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
from ganbench.engine.samples import FixedLatents, generate, save_grid
from ganbench.engine.scalars import ScalarAccumulator
from ganbench.engine.setup import Setup
from ganbench.engine.step import SCALARS, AdversarialStep
from ganbench.engine.evaluation import evaluate
from ganbench.errors import RunInterrupted
from ganbench.results.result import RunStatus
from ganbench.results.run_dir import RunDir
from ganbench.stabilizer import StepInfo

GRID_SIZE = 64


class TrainingOutcome:
    """How the loop ended."""

    def __init__(self) -> None:
        self.status = RunStatus.FINISHED
        self.step = 0
        self.images = 0
        self.train_seconds = 0.0
        self.last_row: dict[str, Any] = {}
        self.diverged_at: int | None = None
        self.evaluations: list[dict[str, Any]] = []


def train(setup: Setup, run: RunDir, start_step: int = 0, start_images: int = 0,
          show_progress: bool = True, scalar_state: dict | None = None) -> TrainingOutcome:
    config = setup.config
    outcome = TrainingOutcome()
    outcome.step, outcome.images = start_step, start_images
    step_fn = AdversarialStep(setup)
    main = setup.ranks.main  # only rank 0 writes files
    scalars = ScalarAccumulator(SCALARS, setup.device, setup.ranks)
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
                state = capture_state(setup, done, outcome.images, scalars)
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
            speed = window_images / max(now - window_started, 1e-9)
            if bad_step is not None:
                outcome.status, outcome.diverged_at = RunStatus.DIVERGED, bad_step
                break
            row = {"step": done, "images": outcome.images, **row}
            if main:
                _append_line(run.metrics, row)
            outcome.step, outcome.last_row = done, row
            progress.report(done, row, speed)
            # Samples, checkpoint and evaluation, each on its own interval.
            if main and (done % config.sample_every == 0 or done == config.steps):
                save_grid(generate(setup.sampling_generator(), grid.z, grid.labels), grid.columns,
                          run.sample_path(done), _real_points(setup))
            if done % config.checkpoint_every == 0 or done == config.steps:
                state = capture_state(setup, done, outcome.images, scalars)  # collective across ranks
                if main:
                    save_checkpoint(run.checkpoint, state)
            if main and config.eval_every and done % config.eval_every == 0 and done != config.steps:
                _evaluate_during_training(setup, run, done, outcome)
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


def _append_line(path: Path, row: dict[str, Any]) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, sort_keys=True) + "\n")


def _real_points(setup: Setup) -> torch.Tensor | None:
    if setup.spec.kind != "vector":
        return None
    return setup.source.all_data(2000)[0]


def _evaluate_during_training(setup: Setup, run: RunDir, step: int, outcome: TrainingOutcome) -> None:
    evaluation = evaluate(setup, run.path, run.read_metrics())
    row = {"step": step, "metrics": evaluation.metrics, "seconds": round(evaluation.seconds, 3)}
    _append_line(run.evaluations, row)
    outcome.evaluations.append(row)
