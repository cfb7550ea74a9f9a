"""A finished run brought back to life: its configuration rebuilt and its last checkpoint loaded,
for the commands that work on trained models (``ganbench sample``, ``ganbench eval``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ganbench.config import Choice, RunConfig
from ganbench.engine.checkpoint import load_checkpoint, restore_state
from ganbench.engine.setup import Setup, prepare
from ganbench.errors import CheckpointError, DataError
from ganbench.results.run_dir import RunDir



@dataclasses.dataclass
class TrainedRun:
    """The run directory, the rebuilt setup with the checkpoint's weights, and the step they are from."""

    run_dir: RunDir
    setup: Setup
    step: int

    @property
    def generator(self):
        """The generator to draw with: the EMA weights when a stabilizer keeps them."""
        return self.setup.sampling_generator()


def read_run_config(run_dir: RunDir) -> RunConfig:
    """The RunConfig saved in ``config.json``."""
    if not run_dir.path.is_dir():
        raise CheckpointError(f"no run directory at {str(run_dir.path)!r}.")
    saved = run_dir.read_config()
    return RunConfig.from_json(saved)


def refuse_changed_data(saved: RunConfig, run_dir: RunDir) -> None:
    """A run on files is evaluated and sampled against the files it trained on: real data that changed
    since would give figures of another data set under this run's name."""
    if saved.data_fingerprint is None:  # embedded data, or a run from before data fingerprints
        return
    from ganbench.plugin_host import plugins
    from ganbench.resolve import fingerprint_of_data
    now = fingerprint_of_data(plugins.registry(), saved)
    if now != saved.data_fingerprint:
        raise DataError(f"the data under {saved.data_root} is not what run {run_dir.path.name} trained on "
                        f"(fingerprint {saved.data_fingerprint}, now {now}); put back the files it trained on, "
                        f"or train a run on the new data.")


def load_trained_run(path: Path | str, device: str = "auto", evaluators: list[Choice] | None = None,
                     eval_samples: int | None = None) -> TrainedRun:
    """Rebuild the run at ``path`` and load ``checkpoints/last.pt`` into it.

    ``device``, ``evaluators`` and ``eval_samples`` do not change what was trained, so they may
    differ from the run's own. The weights come from the checkpoint, so a run that started
    from another run (``init_from``) is rebuilt without reading that other run again.
    """
    run_dir = RunDir(path)
    saved = read_run_config(run_dir)
    changes: dict[str, Any] = {"device": device, "init_from": None}
    if evaluators is not None:
        changes["evaluators"] = evaluators
    if eval_samples is not None:
        changes["eval_samples"] = eval_samples
    setup = prepare(dataclasses.replace(saved, **changes))
    refuse_changed_data(saved, run_dir)
    state = load_checkpoint(run_dir.checkpoint)
    if state.get("run_id") != saved.run_id:
        raise CheckpointError(f"the checkpoint in {str(run_dir.path)!r} belongs to run {state.get('run_id')!r}, "
                              f"not to the run its config.json describes ({saved.run_id!r}).")
    # The setup was rebuilt without init_from, which changes its id; the check above is the one that counts.
    try:
        step, _ = restore_state(setup, {**state, "run_id": setup.config.run_id})
    except (RuntimeError, KeyError, TypeError) as error:
        last_line = str(error).strip().splitlines()[-1].strip() if str(error).strip() else type(error).__name__
        raise CheckpointError(f"the checkpoint in {str(run_dir.path)!r} does not fit the models its config.json "
                              f"builds ({last_line}).") from None
    return TrainedRun(run_dir, setup, step)
