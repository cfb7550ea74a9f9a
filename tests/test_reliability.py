"""Runs survive kills, Ctrl-C, divergence and corrupt files, and lose nothing finished."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from ganbench import hookimpl, plugins
from ganbench.config import Choice, RunConfig
from ganbench.engine.run import run
from ganbench.errors import CheckpointError, PluginError
from ganbench.stabilizer import Stabilizer

TINY = ["--arch", "dcgan", "--arch-opt", "base_channels=8", "--resolution", "8", "--batch-size", "16",
        "--latent-dim", "16", "--log-every", "4", "--sample-every", "1000", "--checkpoint-every", "4",
        "--eval-samples", "64", "--device", "cpu", "--quiet", "--evaluator", "none-such"]


# Long enough that a signal sent after the first dozen steps always lands in training: at 60 steps the
# run (6 ms a step) sometimes finished before Ctrl-C arrived, and the test saw exit 0 instead of 130.
STEPS = 300


def tiny_config(results: Path, **changes) -> RunConfig:
    values = dict(arch=Choice("dcgan", {"base_channels": 8}), resolution=8, batch_size=16, latent_dim=16,
                  steps=40, log_every=4, sample_every=1000, checkpoint_every=4, eval_samples=64,
                  device="cpu", results_dir=str(results), evaluators=[])
    values.update(changes)
    return RunConfig(**values)


def cli_command(results: Path, steps: int) -> list[str]:
    arguments = [a for a in TINY if a not in ("--evaluator", "none-such")]
    code = ("import sys; from ganbench import plugins; plugins._skip_entry_points = False; "
            "from ganbench.cli import main; main(sys.argv[1:])")
    return [sys.executable, "-c", code, "run", *arguments, "--steps", str(steps), "--results-dir", str(results)]


def start_and_wait_for_lines(results: Path, steps: int, lines: int) -> subprocess.Popen:
    """Start a run in a subprocess and return once its metrics.jsonl has ``lines`` lines."""
    process = subprocess.Popen(cli_command(results, steps), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "GANBENCH_LOAD_PLUGINS": "dcgan"}, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        logs = list(results.glob("*/metrics.jsonl"))
        if logs and len(logs[0].read_text().splitlines()) >= lines:
            return process
        time.sleep(0.02)
    process.kill()
    pytest.fail(f"the run did not reach {lines} log lines: {process.communicate()[1][-2000:]}")


def finish(results: Path, steps: int) -> subprocess.CompletedProcess:
    return subprocess.run(cli_command(results, steps), capture_output=True, text=True,
                          env={**os.environ, "GANBENCH_LOAD_PLUGINS": "dcgan"}, timeout=300)


def run_folder(results: Path) -> Path:
    (folder,) = [p for p in results.iterdir() if p.is_dir()]
    return folder


def generator_weights(folder: Path) -> dict:
    return torch.load(folder / "checkpoints" / "last.pt", weights_only=True)["generator"]


def assert_same_run(a: Path, b: Path) -> None:
    assert (a / "metrics.jsonl").read_text() == (b / "metrics.jsonl").read_text()
    first, second = generator_weights(a), generator_weights(b)
    assert all(torch.equal(first[key], second[key]) for key in first)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    results = tmp_path_factory.mktemp("reference")
    completed = finish(results, STEPS)
    assert completed.returncode == 0, completed.stderr
    return run_folder(results)


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(3))
def test_a_run_killed_at_a_random_step_resumes_to_the_identical_run(tmp_path, reference, attempt):
    lines = random.Random(attempt).randint(1, 12)
    process = start_and_wait_for_lines(tmp_path, STEPS, lines)
    process.send_signal(signal.SIGKILL)
    process.wait()
    completed = finish(tmp_path, STEPS)
    assert completed.returncode == 0, completed.stderr
    assert_same_run(run_folder(tmp_path), reference)


@pytest.mark.slow
def test_ctrl_c_saves_a_checkpoint_says_how_to_resume_and_resumes_identically(tmp_path, reference):
    process = start_and_wait_for_lines(tmp_path, STEPS, 3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "checkpoint saved" in err and "run the same command again to resume" in err
    assert "Traceback" not in err
    completed = finish(tmp_path, STEPS)
    assert completed.returncode == 0, completed.stderr
    assert_same_run(run_folder(tmp_path), reference)


class PoisonAfterStep5(Stabilizer):
    """Test-only: turns D's input into NaN from step 5 on, as an exploding run would."""

    name = "poison"
    description = "Injects NaN into D's input from step 5 (tests only)."

    def d_input(self, x, info):
        return x * float("nan") if info.step >= 5 else x


class PoisonPlugin:
    @hookimpl
    def register_stabilizers(self, register):
        register(PoisonAfterStep5)


def test_a_nan_loss_ends_the_run_as_diverged_with_its_last_good_checkpoint(tmp_path):
    plugins.register_module(PoisonPlugin(), "poison")
    report = run(tiny_config(tmp_path, stabilizers=[Choice("poison")], steps=20), show_progress=False)
    result = report.result
    assert result.status == "diverged"
    assert result.diverged_at == 6  # the sixth step (step index 5) is the first non-finite one
    assert result.steps == 4  # the last finite log interval
    checkpoint = torch.load(result.last_good_checkpoint, weights_only=True)
    assert checkpoint["step"] == 4
    assert all(torch.isfinite(value).all() for value in checkpoint["generator"].values() if value.is_floating_point())
    assert [row["step"] for row in json.loads("[" + ",".join(
        (report.path / "metrics.jsonl").read_text().splitlines()) + "]")] == [4]
    # A diverged run is a result: running it again does not retrain it.
    assert run(tiny_config(tmp_path, stabilizers=[Choice("poison")], steps=20), show_progress=False).skipped


def test_a_truncated_checkpoint_is_refused_by_name(tmp_path):
    config = tiny_config(tmp_path, steps=8)
    folder = run(config, show_progress=False).path
    (folder / "result.json").unlink()  # as if it had died after the checkpoint
    checkpoint = folder / "checkpoints" / "last.pt"
    checkpoint.write_bytes(checkpoint.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="last.pt.* is corrupt or truncated"):
        run(config, show_progress=False)


def test_a_checkpoint_that_needs_unpickling_is_refused(tmp_path):
    config = tiny_config(tmp_path, steps=8)
    folder = run(config, show_progress=False).path
    (folder / "result.json").unlink()
    torch.save({"generator": Path("/")}, folder / "checkpoints" / "last.pt")  # an arbitrary object
    with pytest.raises(CheckpointError, match="arbitrary unpickling"):
        run(config, show_progress=False)


def test_a_component_that_breaks_the_contract_is_reported_and_the_rest_works():
    class NotALoss:
        name = "not-a-loss"
        description = "Registered as a loss but is not one."

    class Liar:
        @hookimpl
        def register_losses(self, register):
            register(NotALoss)

    plugins.register_module(Liar(), "liar")
    registry = plugins.registry()
    assert "not a subclass of ganbench.loss.Loss" in plugins.state().plugins["liar"].error
    assert registry.get("loss", "bce")


def test_a_plugin_that_raises_at_import_is_reported_and_switched_off(tmp_path):
    package = tmp_path / "exploding_plugin"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('exploded at import')\n")
    dist = tmp_path / "exploding_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: exploding-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[ganbench]\nexploding = exploding_plugin\n")
    code = ("import json; from ganbench import plugins; s = plugins.state(); s.fill_registry(); "
            "print(json.dumps({n: i.error for n, i in s.plugins.items()}))")
    environment = {**os.environ, "PYTHONPATH": str(tmp_path)}
    environment.pop("GANBENCH_LOAD_PLUGINS", None)
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True,
                                       text=True, check=True).stdout)
    assert "exploded at import" in loaded["exploding"]
    assert loaded["ganbench.losses"] == ""
    environment["GANBENCH_LOAD_PLUGINS"] = ""
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True,
                                       text=True, check=True).stdout)
    assert "exploding" not in loaded


def invoke(capsys, *args):
    from ganbench.cli import main
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    return exit_info.value.code, capsys.readouterr().err


def test_an_unwritable_results_directory_is_one_sentence(tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the results folder should be")
    code, err = invoke(capsys, "run", *TINY[:-2], "--steps", "4", "--results-dir", str(blocker / "runs"))
    assert code == 2 and "Traceback" not in err
    assert "cannot write" in err and "not-a-folder" in err and len(err.strip().splitlines()) == 1


def test_a_full_disk_mid_run_is_one_sentence_and_keeps_the_last_checkpoint(tmp_path, capsys, monkeypatch):
    import errno

    from ganbench.engine import loop
    calls = []
    original = loop.save_checkpoint

    def fill_disk_on_second_checkpoint(path, state):
        calls.append(state["step"])
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        original(path, state)

    monkeypatch.setattr(loop, "save_checkpoint", fill_disk_on_second_checkpoint)
    code, err = invoke(capsys, "run", *TINY[:-2], "--steps", "12", "--results-dir", str(tmp_path))
    assert code == 2 and "No space left on device" in err and len(err.strip().splitlines()) == 1
    saved = torch.load(run_folder(tmp_path) / "checkpoints" / "last.pt", weights_only=True)
    assert saved["step"] == 4  # the first checkpoint is intact


def test_running_out_of_memory_mid_run_is_one_sentence_and_keeps_the_last_checkpoint(tmp_path, capsys,
                                                                                        monkeypatch):
    from ganbench.engine import step as step_module
    original = step_module.AdversarialStep.__call__

    def out_of_memory_at_step_7(self, info):
        if info.step == 6:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return original(self, info)

    monkeypatch.setattr(step_module.AdversarialStep, "__call__", out_of_memory_at_step_7)
    code, err = invoke(capsys, "run", *TINY[:-2], "--steps", "12", "--results-dir", str(tmp_path))
    assert code == 2 and "ran out of memory" in err and "lower --batch-size" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    saved = torch.load(run_folder(tmp_path) / "checkpoints" / "last.pt", weights_only=True)
    assert saved["step"] == 4  # the checkpoint before the failure is intact and resumable


def test_a_data_file_that_vanishes_mid_run_is_one_sentence_naming_it(tmp_path, capsys, monkeypatch):
    from PIL import Image

    from ganbench.datasets import imagefolder
    folder = tmp_path / "images"
    folder.mkdir()
    for index in range(40):
        Image.new("L", (12, 12), color=index * 6).save(folder / f"{index}.png")
    original = imagefolder.ImageFiles.__getitem__
    reads = []

    def vanish_after_a_few_reads(self, index):
        reads.append(index)
        if len(reads) == 40:  # a few steps in: the folder is emptied under the running reader
            for path in folder.iterdir():
                path.unlink()
        return original(self, index)

    monkeypatch.setattr(imagefolder.ImageFiles, "__getitem__", vanish_after_a_few_reads)
    code, err = invoke(capsys, "run", *TINY[:-2], "--dataset", "imagefolder", "--data-root", str(folder),
                       "--data-opt", "in_memory=no", "--data-opt", "workers=0", "--steps", "12",
                       "--results-dir", str(tmp_path / "runs"))
    assert code == 2 and "cannot read image" in err and str(folder) in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_streamed_folder_smaller_than_one_batch_is_one_sentence(tmp_path, capsys):
    from PIL import Image
    for index in range(8):
        Image.new("L", (12, 12), color=index * 30).save(tmp_path / f"{index}.png")
    code, err = invoke(capsys, "run", *TINY[:-2], "--dataset", "imagefolder", "--data-root", str(tmp_path),
                       "--data-opt", "in_memory=no", "--data-opt", "workers=0", "--steps", "4",
                       "--results-dir", str(tmp_path / "runs"))
    assert code == 2 and "has 8 samples, fewer than one batch of 16" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()  # refused before the run directory is made
