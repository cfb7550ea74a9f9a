"""The dcgan 64 px speed benchmark of benchmarks/test_training_speed.py, on the script's device:
ganbench's training loop against the PyTorch examples' loop (benchmarks/reference_loop.py), the same
models, batch and MNIST test split, measured one after the other in the same call so that the
ratio compares like with like."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks.reference_loop import reference_training
from ganbench.config import Choice, RunConfig
from ganbench.datasets.idx import read_split
from ganbench.engine.run import run
from ganbench.engine.setup import prepare
from ganbench.errors import DataError

BATCH = 64
RESOLUTION = 64
MNIST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def mnist_raw(data_root: Path) -> Path:
    """The folder with the MNIST test split, or a one-sentence refusal that says what to carry."""
    raw = data_root / "MNIST" / "raw"
    if not all((raw / name).is_file() for name in MNIST_FILES):
        raise DataError(f"the speed benchmark needs the MNIST test split ({', '.join(MNIST_FILES)}) under {raw}; "
                        f"give --data-root, or --skip-speed.")
    return raw


def speed_config(data_root: Path, results_dir: Path, device: str, steps: int, resolution: int) -> RunConfig:
    """benchmarks/test_training_speed.py's mnist_config, on ``device``."""
    return RunConfig(arch=Choice("dcgan"), loss=Choice("bce"), dataset=Choice("mnist", {"split": "test"}),
                     data_root=str(data_root), resolution=resolution, batch_size=BATCH, steps=steps, log_every=20,
                     sample_every=10_000_000, checkpoint_every=10_000_000, evaluators=[], results_dir=str(results_dir),
                     device=device)


def dcgan_against_the_reference_loop(data_root: Path, results_dir: Path, device: str, steps: int,
                                     resolution: int = RESOLUTION) -> dict[str, Any]:
    """Images per second of both loops (training loop, data included) and their ratio."""
    raw = mnist_raw(data_root)
    config = speed_config(data_root, results_dir, device, steps, resolution)
    started = time.perf_counter()
    ours = run(config, show_progress=False, restart=True).result
    ours_end_to_end = ours.images_seen / (time.perf_counter() - started)
    setup = prepare(config)  # the same models, freshly initialised, for the reference loop
    images, _ = read_split(raw / MNIST_FILES[0], raw / MNIST_FILES[1])
    started = time.perf_counter()
    reference = reference_training(setup.generator, setup.discriminator, images.squeeze(1).numpy(), resolution,
                                   BATCH, steps, config.latent_dim, device=setup.device)
    reference_end_to_end = steps * BATCH / (time.perf_counter() - started)
    return {"arch": "dcgan", "resolution": resolution, "batch_size": BATCH, "steps": steps, "data": "mnist test split",
            "ganbench_img_s": ours.img_per_s, "reference_img_s": round(reference, 1),
            "ratio_loop": round(ours.img_per_s / reference, 3),
            "ratio_end_to_end": round(ours_end_to_end / reference_end_to_end, 3)}
