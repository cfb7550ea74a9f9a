"""Checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint holds the models, the optimizers, every stabilizer's state (EMA weights), the
global, latent and data RNG states, the step and the images seen. It is written atomically and
read with ``torch.load(weights_only=True)``, so a checkpoint someone shared cannot run code.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from ganbench.engine.distributed import gather_objects
from ganbench.errors import CheckpointError, StorageError
from ganbench.atomic import write_with
from ganbench.safe_load import load_without_code, refusal_reason, written_by_torch_save

FORMAT = 1


def capture_state(setup: Any, step: int, images: int, scalars: Any = None,
                  figures: dict[str, Any] | None = None) -> dict[str, Any]:
    """The state to checkpoint; ``figures`` is the training outcome so far (last row, seconds, images timed)."""
    # Collective in a multi-process run: every rank hands its noise stream to rank 0's file.
    rank_rngs = gather_objects(torch.get_rng_state(), setup.ranks)
    rng = {"torch": torch.get_rng_state(), "latent": setup.latent.state_dict(), "data": setup.source.state_dict(),
           "ranks": rank_rngs if setup.ranks.distributed else []}
    if setup.device.type == "cuda":
        rng["cuda"] = torch.cuda.get_rng_state(setup.device)
    return {
        "format": FORMAT,
        "run_id": setup.config.run_id,
        "step": step,
        "images": images,
        "generator": setup.generator.state_dict(),
        "discriminator": setup.discriminator.state_dict(),
        "opt_g": setup.opt_g.state_dict(),
        "opt_d": setup.opt_d.state_dict(),
        "stabilizers": {stabilizer.name: stabilizer.state_dict() for stabilizer in setup.stabilizers},
        "rng": rng,
        "scalars": scalars.state_dict() if scalars is not None else None,
        "outcome": figures,
    }


def restore_state(setup: Any, state: dict[str, Any]) -> tuple[int, int]:
    """Load a captured state into ``setup``; returns (step, images)."""
    if state.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint format {state.get('format')!r} is not supported (expected {FORMAT}).")
    if state.get("run_id") != setup.config.run_id:
        raise CheckpointError(f"the checkpoint belongs to run {state.get('run_id')!r}, not to "
                              f"{setup.config.run_id!r}; use --restart to train this configuration afresh.")
    for key, module in (("generator", setup.generator), ("discriminator", setup.discriminator)):
        load_weights(module, state[key], key)
    setup.opt_g.load_state_dict(state["opt_g"])
    setup.opt_d.load_state_dict(state["opt_d"])
    for stabilizer in setup.stabilizers:
        stabilizer.load_state_dict(state["stabilizers"].get(stabilizer.name, {}))
    rank_rngs = state["rng"].get("ranks") or []
    if setup.ranks.distributed and len(rank_rngs) != setup.ranks.world_size:
        raise CheckpointError(f"the checkpoint was written by {len(rank_rngs) or 1} process(es), "
                              f"not {setup.ranks.world_size}; resume with the same number of processes.")
    torch.set_rng_state(rank_rngs[setup.ranks.rank] if setup.ranks.distributed else state["rng"]["torch"])
    if "cuda" in state["rng"] and setup.device.type == "cuda":
        torch.cuda.set_rng_state(state["rng"]["cuda"], setup.device)
    setup.latent.load_state_dict(state["rng"]["latent"])
    setup.source.load_state_dict(state["rng"]["data"])
    return int(state["step"]), int(state["images"])


def load_weights(module: torch.nn.Module, weights: dict[str, Any], what: str) -> None:
    """Load saved weights; weights that do not fit (a plugin renamed or resized its layers since the
    checkpoint was written) are one CheckpointError sentence, not a traceback."""
    try:
        module.load_state_dict(weights)
    except RuntimeError as error:
        first = next((line.strip() for line in str(error).splitlines()[1:] if line.strip()), str(error)[:200])
        raise CheckpointError(f"the checkpoint's {what} does not fit the model this configuration builds ({first}); "
                              f"its architecture's plugin may have changed its layers since: train it afresh "
                              f"with --restart.") from None


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write atomically: if the write fails, the previous checkpoint is still the one on disk."""
    had_one = path.exists()
    try:
        write_with(path, lambda temporary: torch.save(state, temporary))
    except RuntimeError as error:
        if not is_write_failure(error):
            raise
        # torch's zip writer reports a full disk as "[enforce fail at inline_container.cc] ... file write
        # failed", not as an OSError: it is the same fault, so it gets the same sentence.
        reason = str(error).strip().splitlines()[-1][:160]
        kept = ("the last checkpoint is intact" if had_one else
                "the run had no checkpoint yet, so running it again starts it afresh")
        raise StorageError(f"cannot write or read {path}: the checkpoint could not be written ({reason}), most "
                           f"likely a full disk; {kept}.") from None


def is_write_failure(error: RuntimeError) -> bool:
    text = str(error)
    return any(mark in text for mark in ("inline_container", "PytorchStreamWriter", "file write failed"))


class NotATorchFile(Exception):
    """A file that does not start as torch.save writes."""


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint safely; any problem is one CheckpointError sentence naming the file."""
    if not path.exists():
        raise CheckpointError(f"no checkpoint at {str(path)!r}.")
    try:
        if not written_by_torch_save(path):
            raise NotATorchFile
        state = load_without_code(path)
    except pickle.UnpicklingError as error:
        raise CheckpointError(f"{str(path)!r} needs arbitrary unpickling to load, which could run code "
                              f"({refusal_reason(error)}); ganbench refuses it.") from None
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile, ValueError) as error:
        raise CheckpointError(f"checkpoint {str(path)!r} is corrupt or truncated ({type(error).__name__}).") from None
    except Exception:  # a text file, or anything torch's unpickler fails on with whatever it met first
        raise CheckpointError(f"{str(path)!r} is not a ganbench checkpoint: it is not a file torch.save "
                              f"wrote.") from None
    if not isinstance(state, dict) or "generator" not in state:
        raise CheckpointError(f"{str(path)!r} is not a ganbench checkpoint.")
    return state


def checkpoint_path_of(source: Path) -> Path:
    """A run directory's last checkpoint, or the file itself."""
    source = Path(source)
    if source.is_dir():
        return source / "checkpoints" / "last.pt"
    return source
