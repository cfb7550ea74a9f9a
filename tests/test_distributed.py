"""One run across processes: gloo on the CPU, rank 0 writes, and the maths is the single-process maths."""

import csv
import io
import json

import pytest
import torch

from ganbench.cli import main
from ganbench.engine.launch import run_distributed_or_single
from ganbench.config import Choice, RunConfig
from ganbench.errors import ConfigError, Incompatible
from ganbench.engine.setup import prepare


def ring_config(results, **changes) -> RunConfig:
    values = dict(arch=Choice("mlp", {"hidden": 32}), dataset=Choice("ring8"), batch_size=32, steps=12,
                  log_every=4, sample_every=12, checkpoint_every=4, eval_samples=100, device="cpu",
                  latent_dim=8, results_dir=str(results), evaluators=[])
    values.update(changes)
    return RunConfig(**values)


def rows(folder):
    return [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_two_gloo_processes_match_one_process_at_the_same_global_batch(tmp_path, capsys):
    single = run_distributed_or_single(ring_config(tmp_path), show_progress=False, restart=False)
    double = run_distributed_or_single(ring_config(tmp_path, nproc=2), show_progress=False, restart=False)
    assert double.result.status == "finished"
    for name in ("config.json", "metrics.jsonl", "result.json", "checkpoints/last.pt", "samples/step-000012.png"):
        assert (double.path / name).exists()
    # The mlp has no batch norm, so averaging the two halves' gradients is the full batch's gradient:
    # the runs agree up to the order of floating-point sums.
    for a, b in zip(rows(single.path), rows(double.path), strict=True):
        for key in ("d_loss_real", "d_loss_fake", "g_loss"):
            assert a[key] == pytest.approx(b[key], abs=1e-4), key
        # D accuracies are left out: at initialisation every logit sits within rounding of 0, so the
        # sign of a logit, and with it the accuracy, is decided by the order of floating-point sums.
    one = torch.load(single.path / "checkpoints" / "last.pt", weights_only=True)["generator"]
    two = torch.load(double.path / "checkpoints" / "last.pt", weights_only=True)["generator"]
    # Adam divides by the root of the squared gradient, so an entry whose gradient is within rounding
    # of 0 can move by up to lr either way: the stated tolerance is on the whole network, 0.1% in norm.
    difference = torch.cat([(one[key] - two[key]).flatten() for key in one]).norm()
    size = torch.cat([one[key].flatten() for key in one]).norm()
    assert difference / size < 1e-3
    assert double.result.images_seen == single.result.images_seen == 12 * 32
    # compare shows the 2-process run like any other: its own row, told apart by nproc.
    main(["compare", str(tmp_path), "--metric", "final.g_loss", "--format", "csv"])
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(table) == 2 and {row["settings"] for row in table} >= {"nproc=2"}


def test_a_batch_that_does_not_split_evenly_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="divisible by nproc 3"):
        ring_config(tmp_path, nproc=3).validate()


def test_sync_bn_on_the_cpu_is_refused_with_the_reason(tmp_path):
    with pytest.raises(Incompatible, match="SyncBatchNorm runs on CUDA only"):
        prepare(ring_config(tmp_path, sync_bn=True))


@pytest.mark.slow
def test_torchrun_as_documented_needs_no_nproc(tmp_path):
    """docs/scaling.md: ``torchrun --nproc-per-node N -m ganbench run ...``; the world size is torchrun's."""
    import subprocess
    import sys
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "-m", "ganbench", "run",
               "--arch", "mlp", "--arch-opt", "hidden=32", "--dataset", "ring8", "--batch-size", "32", "--steps", "4",
               "--log-every", "2", "--sample-every", "4", "--checkpoint-every", "4", "--latent-dim", "8",
               "--device", "cpu", "--evaluator", "stability", "--quiet", "--results-dir", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (folder,) = [path for path in tmp_path.iterdir() if path.is_dir()]
    config = json.loads((folder / "config.json").read_text())
    assert config["nproc"] == 2 and json.loads((folder / "result.json").read_text())["status"] == "finished"
