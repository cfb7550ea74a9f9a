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

from ganbench import hookimpl
from ganbench.plugin_host import plugins
from ganbench.config import Choice, RunConfig
from ganbench.engine.run import run
from ganbench.errors import CheckpointError, PluginError
from ganbench.contracts.stabilizer import Stabilizer

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
    code = ("import sys; from ganbench.plugin_host import plugins; plugins._skip_entry_points = False; "
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


@pytest.mark.xdist_group("reliability-reference")  # one worker trains the shared reference run
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


@pytest.mark.xdist_group("reliability-reference")  # one worker trains the shared reference run
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
    assert "not a subclass of ganbench.api.Loss" in plugins.state().plugins["liar"].error
    assert registry.get("loss", "bce")


@pytest.mark.slow
def test_a_plugin_that_raises_at_import_is_reported_and_switched_off(tmp_path):
    package = tmp_path / "exploding_plugin"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('exploded at import')\n")
    dist = tmp_path / "exploding_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: exploding-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[ganbench]\nexploding = exploding_plugin\n")
    code = ("import json; from ganbench.plugin_host import plugins; s = plugins.state(); s.fill_registry(); "
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


def test_an_unwritable_results_directory_is_one_sentence(tmp_path, cli):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the results folder should be")
    code, _, err = cli("run", *TINY[:-2], "--steps", "4", "--results-dir", str(blocker / "runs"))
    assert code == 2 and "Traceback" not in err
    assert "cannot write" in err and "not-a-folder" in err and len(err.strip().splitlines()) == 1


def test_a_full_disk_mid_run_is_one_sentence_and_keeps_the_last_checkpoint(tmp_path, cli, monkeypatch):
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
    code, _, err = cli("run", *TINY[:-2], "--steps", "12", "--results-dir", str(tmp_path))
    assert code == 2 and "No space left on device" in err and len(err.strip().splitlines()) == 1
    saved = torch.load(run_folder(tmp_path) / "checkpoints" / "last.pt", weights_only=True)
    assert saved["step"] == 4  # the first checkpoint is intact


def test_running_out_of_memory_mid_run_is_one_sentence_and_keeps_the_last_checkpoint(tmp_path, cli,
                                                                                        monkeypatch):
    from ganbench.engine import step as step_module
    original = step_module.AdversarialStep.__call__

    def out_of_memory_at_step_7(self, info):
        if info.step == 6:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return original(self, info)

    monkeypatch.setattr(step_module.AdversarialStep, "__call__", out_of_memory_at_step_7)
    code, _, err = cli("run", *TINY[:-2], "--steps", "12", "--results-dir", str(tmp_path))
    assert code == 2 and "ran out of memory" in err and "lower --batch-size" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    saved = torch.load(run_folder(tmp_path) / "checkpoints" / "last.pt", weights_only=True)
    assert saved["step"] == 4  # the checkpoint before the failure is intact and resumable


def test_a_data_file_that_vanishes_mid_run_is_one_sentence_naming_it(tmp_path, cli, monkeypatch):
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
    code, _, err = cli("run", *TINY[:-2], "--dataset", "imagefolder", "--data-root", str(folder),
                       "--data-opt", "in_memory=no", "--data-opt", "workers=0", "--steps", "12",
                       "--results-dir", str(tmp_path / "runs"))
    assert code == 2 and "cannot read image" in err and str(folder) in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_streamed_folder_smaller_than_one_batch_is_one_sentence(tmp_path, cli):
    from PIL import Image
    for index in range(8):
        Image.new("L", (12, 12), color=index * 30).save(tmp_path / f"{index}.png")
    code, _, err = cli("run", *TINY[:-2], "--dataset", "imagefolder", "--data-root", str(tmp_path),
                       "--data-opt", "in_memory=no", "--data-opt", "workers=0", "--steps", "4",
                       "--results-dir", str(tmp_path / "runs"))
    assert code == 2 and "has 8 samples, fewer than one batch of 16" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()  # refused before the run directory is made


# Issue 18: reliability at the edges ----------------------------------------------------------------------

def ring_config(results: Path, **changes) -> RunConfig:
    """The smallest run there is: the MLP on ring8, a few steps, cheap evaluators."""
    values = dict(arch=Choice("mlp"), dataset=Choice("ring8"), batch_size=32, steps=20, log_every=5,
                  sample_every=1000, checkpoint_every=10, eval_samples=128, device="cpu", results_dir=str(results),
                  evaluators=[Choice("stability"), Choice("mode-coverage")])
    values.update(changes)
    return RunConfig(**values)


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


class Killed(BaseException):
    """Stands for SIGKILL in-process: nothing after it runs, and the run's files stay as they are."""


def test_a_run_killed_during_its_final_evaluation_resumes_to_the_uninterrupted_result(tmp_path, monkeypatch):
    reference = run(ring_config(tmp_path / "a"), show_progress=False).result
    from ganbench.engine import run as run_module
    original = run_module.evaluate

    def killed_while_evaluating(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(run_module, "evaluate", killed_while_evaluating)
    with pytest.raises(Killed):
        run(ring_config(tmp_path / "b"), show_progress=False)
    monkeypatch.setattr(run_module, "evaluate", original)
    resumed = run(ring_config(tmp_path / "b"), show_progress=False)
    assert resumed.resumed_from == 20  # nothing left to train: only the evaluation ran again
    result = resumed.result
    assert result.final == reference.final and result.final["step"] == 20
    assert result.metrics == reference.metrics
    assert result.train_time_s > 0 and result.img_per_s is not None
    assert (resumed.path / "metrics.jsonl").read_text() == (reference_path(tmp_path / "a") / "metrics.jsonl").read_text()


def reference_path(results: Path) -> Path:
    return run_folder(results)


@pytest.mark.slow
@pytest.mark.parametrize("kill_at, before", [(15, False), (10, True)], ids=["after-the-evaluation", "during-it"])
def test_periodic_evaluations_survive_a_kill_neither_lost_nor_doubled(tmp_path, monkeypatch, kill_at, before):
    config = dict(eval_every=5, evaluators=[Choice("stability")])
    reference = run(ring_config(tmp_path / "a", **config), show_progress=False)
    from ganbench.engine import loop
    original = loop._evaluate_during_training

    def killed_around_one_evaluation(setup, run_dir, step, outcome):
        if step == kill_at and before:
            raise Killed
        original(setup, run_dir, step, outcome)
        if step == kill_at:
            raise Killed

    monkeypatch.setattr(loop, "_evaluate_during_training", killed_around_one_evaluation)
    with pytest.raises(Killed):
        run(ring_config(tmp_path / "b", **config), show_progress=False)
    monkeypatch.setattr(loop, "_evaluate_during_training", original)
    resumed = run(ring_config(tmp_path / "b", **config), show_progress=False)
    assert resumed.resumed_from == 10
    rows = read_rows(resumed.path / "evaluations.jsonl")
    expected = read_rows(reference.path / "evaluations.jsonl")
    assert [row["step"] for row in rows] == [5, 10, 15]
    assert [row["metrics"] for row in rows] == [row["metrics"] for row in expected]
    assert [row["step"] for row in resumed.result.evaluations] == [5, 10, 15]
    assert resumed.result.metrics == reference.result.metrics


SLOW_PHASE_PLUGIN = '''
import os, sys, time
from pathlib import Path
from ganbench import hookimpl
from ganbench.plugin_host import plugins
from ganbench.contracts.evaluator import Evaluator

def mark(phase):
    if os.environ.get("PHASE") == phase:
        Path(os.environ["MARK"]).write_text(phase)
        time.sleep(30)

class SlowPhases(Evaluator):
    name = "slow-phases"
    description = "Waits in the phase named by $PHASE, so that a test can signal it there."
    directions = {"slow": "lower"}

    def check(self, spec, dataset):
        mark("set-up")

    def evaluate(self, ctx):
        mark("evaluation")
        return {"slow": 1.0}

class Plugin:
    @hookimpl
    def register_evaluators(self, register):
        register(SlowPhases)

plugins._skip_entry_points = False
plugins.register_module(Plugin(), "slow-phases")
from ganbench.cli import main
main(sys.argv[1:])
'''


def ring_command(results: Path) -> list[str]:
    return ["run", "--arch", "mlp", "--dataset", "ring8", "--batch-size", "32", "--steps", "10", "--log-every", "5",
            "--checkpoint-every", "5", "--sample-every", "1000", "--device", "cpu", "--quiet",
            "--evaluator", "slow-phases", "--results-dir", str(results)]


@pytest.mark.slow
@pytest.mark.parametrize("phase, signum", [("evaluation", signal.SIGINT), ("evaluation", signal.SIGTERM),
                                           ("set-up", signal.SIGTERM)],
                         ids=["ctrl-c-in-evaluation", "sigterm-in-evaluation", "sigterm-in-set-up"])
def test_a_stop_at_any_phase_says_how_to_resume_and_the_resumed_run_is_whole(tmp_path, phase, signum):
    script = tmp_path / "slow_phases.py"
    script.write_text(SLOW_PHASE_PLUGIN)
    marker, results = tmp_path / "mark", tmp_path / "runs"
    environment = {**os.environ, "GANBENCH_LOAD_PLUGINS": "dcgan", "PHASE": phase, "MARK": str(marker)}
    process = subprocess.Popen([sys.executable, str(script), *ring_command(results)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=environment, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "run the same command again to resume" in err and "Traceback" not in err
    if phase == "set-up":
        assert not results.exists() or not any(results.iterdir())  # nothing half-made
        return
    environment["PHASE"] = ""
    completed = subprocess.run([sys.executable, str(script), *ring_command(results)], capture_output=True,
                               text=True, env=environment, timeout=300)
    assert completed.returncode == 0, completed.stderr
    result = json.loads((run_folder(results) / "result.json").read_text())
    assert result["final"]["step"] == 10 and result["metrics"] == {"slow": 1.0}
    assert result["train_time_s"] > 0 and result["img_per_s"] is not None


def write_lock(results: Path, run_id: str, pid: int, host: str) -> Path:
    import socket  # noqa: F401 - the host name is passed in
    results.mkdir(parents=True, exist_ok=True)
    lock = results / f"{run_id}.lock"
    lock.write_text(json.dumps({"pid": pid, "host": host, "started": time.time(), "token": "x"}))
    return lock


def test_a_run_another_process_is_training_is_refused_in_one_sentence(tmp_path, cli):
    import socket
    from ganbench.resolve import resolve_config
    config = resolve_config(ring_config(tmp_path))
    write_lock(tmp_path, config.run_id, os.getppid(), socket.gethostname())  # a live process on this host
    code, _, err = cli("run", "--arch", "mlp", "--dataset", "ring8", "--batch-size", "32", "--steps", "20",
                       "--log-every", "5", "--checkpoint-every", "10", "--sample-every", "1000",
                       "--eval-samples", "128", "--evaluator", "stability", "--evaluator", "mode-coverage",
                       "--device", "cpu", "--quiet", "--results-dir", str(tmp_path))
    assert code == 2 and f"is running elsewhere (pid {os.getppid()} on host {socket.gethostname()})" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / config.run_id).exists()


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    import socket
    from ganbench.resolve import resolve_config
    config = resolve_config(ring_config(tmp_path, steps=5, evaluators=[Choice("stability")]))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock = write_lock(tmp_path, config.run_id, dead.pid, socket.gethostname())
    assert run(config, show_progress=False).result.status == "finished"
    assert not lock.exists()  # released when the run ended


def test_another_hosts_lock_is_stale_only_once_it_stops_being_refreshed(tmp_path):
    from ganbench.results import run_lock
    lock = write_lock(tmp_path, "r", 1, "another-host")
    assert not run_lock.is_stale(lock, run_lock.read_owner(lock))
    old = time.time() - run_lock.STALE_AFTER_SECONDS - 5
    os.utime(lock, (old, old))
    assert run_lock.is_stale(lock, run_lock.read_owner(lock))


@pytest.mark.slow
def test_two_sweeps_on_one_results_directory_train_each_run_once(tmp_path):
    results = tmp_path / "runs"
    command = [sys.executable, "-m", "ganbench", "sweep", "--arch", "mlp", "--dataset", "ring8", "--seeds", "4",
               "--batch-size", "32", "--steps", "30", "--log-every", "10", "--checkpoint-every", "10",
               "--sample-every", "1000", "--evaluator", "stability", "--eval-samples", "64", "--device", "cpu",
               "--quiet", "--results-dir", str(results)]
    environment = {**os.environ, "GANBENCH_LOAD_PLUGINS": "dcgan"}
    sweeps = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
              for _ in range(2)]
    outputs = [sweep.communicate(timeout=600) for sweep in sweeps]
    for sweep, (out, err) in zip(sweeps, outputs):
        assert sweep.returncode == 0, err
        assert "Traceback" not in out + err and "failed" not in err
        assert "0 failed" in out
    folders = [path for path in results.iterdir() if path.is_dir()]
    assert len(folders) == 4
    for folder in folders:
        assert [row["step"] for row in read_rows(folder / "metrics.jsonl")] == [10, 20, 30]  # trained once
        assert json.loads((folder / "result.json").read_text())["status"] == "finished"
    assert not list(results.glob("*.lock"))


def test_a_checkpoint_the_zip_writer_cannot_finish_is_one_sentence_and_keeps_the_last(tmp_path, cli,
                                                                                      monkeypatch):
    from ganbench.engine import checkpoint
    original, calls = torch.save, []

    def disk_full_on_second_checkpoint(state, path):
        calls.append(path)
        # The second checkpoint goes to /dev/full: torch's zip writer fails as on a full disk, in its own words.
        original(state, "/dev/full" if len(calls) == 2 else path)

    monkeypatch.setattr(checkpoint.torch, "save", disk_full_on_second_checkpoint)
    code, _, err = cli("run", *TINY[:-2], "--steps", "12", "--results-dir", str(tmp_path))
    assert code == 2 and "cannot write or read" in err and "last.pt" in err and "full disk" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and "enforce fail" in err
    assert torch.load(run_folder(tmp_path) / "checkpoints" / "last.pt", weights_only=True)["step"] == 4
    assert not list((run_folder(tmp_path) / "checkpoints").glob(".*.tmp"))


def test_a_full_disk_is_the_failed_runs_reason_in_a_sweep(tmp_path, monkeypatch):
    import errno

    from ganbench.engine import checkpoint
    from ganbench.sweep.executors import FAILED, train_one

    def no_space(state, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoint.torch, "save", no_space)
    update = train_one(ring_config(tmp_path, steps=10))
    assert update.state == FAILED
    assert update.message.startswith("cannot write or read ") and "last.pt: No space left on device." in update.message


def test_a_garbage_line_inside_the_log_is_refused_naming_file_and_line(tmp_path):
    config = ring_config(tmp_path, steps=20, checkpoint_every=5, evaluators=[Choice("stability")])
    folder = run(config, show_progress=False).path
    (folder / "result.json").unlink()  # as if killed at the end of training
    log = folder / "metrics.jsonl"
    lines = log.read_text().splitlines()
    log.write_text("\n".join([lines[0], "{garbage", *lines[1:]]) + "\n")
    with pytest.raises(CheckpointError, match=r"metrics.jsonl line 2 is not a log row"):
        run(config, show_progress=False)


def test_a_log_line_cut_by_a_crash_at_the_end_is_dropped_and_the_run_resumes(tmp_path):
    config = ring_config(tmp_path, steps=20, checkpoint_every=5, evaluators=[Choice("stability")])
    reference = run(ring_config(tmp_path / "a", steps=20, checkpoint_every=5, evaluators=[Choice("stability")]),
                    show_progress=False)
    folder = run(config, show_progress=False).path
    (folder / "result.json").unlink()
    log = folder / "metrics.jsonl"
    log.write_text(log.read_text() + '{"step": 25, "d_lo')  # a write cut short by the kill
    assert run(config, show_progress=False).result.final == reference.result.final
    assert log.read_text() == (reference.path / "metrics.jsonl").read_text()


def test_a_corrupt_config_json_is_refused_when_the_run_resumes(tmp_path):
    config = ring_config(tmp_path, steps=10, evaluators=[Choice("stability")])
    folder = run(config, show_progress=False).path
    (folder / "result.json").unlink()
    (folder / "config.json").write_text('{"arch": ')
    with pytest.raises(CheckpointError, match=r"config.json is corrupt"):
        run(config, show_progress=False)


def out_of_memory_on_the_first_step(monkeypatch):
    from ganbench.engine import step as step_module

    def out_of_memory(self, info):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(step_module.AdversarialStep, "__call__", out_of_memory)


def test_a_run_that_fails_before_its_first_checkpoint_leaves_no_directory(tmp_path, cli, monkeypatch):
    out_of_memory_on_the_first_step(monkeypatch)
    code, _, err = cli("run", "--arch", "mlp", "--dataset", "ring8", "--steps", "10", "--device", "cpu",
                       "--quiet", "--results-dir", str(tmp_path))
    assert code == 2 and "ran out of memory" in err
    assert not any(path.is_dir() for path in tmp_path.iterdir())


def test_a_sweep_whose_every_run_failed_fails_and_points_at_no_folder(tmp_path, capsys, monkeypatch):
    out_of_memory_on_the_first_step(monkeypatch)
    from ganbench.cli import main
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", "--arch", "mlp", "--dataset", "ring8", "--seeds", "2", "--steps", "10", "--device", "cpu",
              "--quiet", "--results-dir", str(tmp_path / "runs")])
    captured = capsys.readouterr()
    assert exit_info.value.code == 2
    assert "every run of the sweep failed (2 of 2)" in captured.err and "out of memory" in captured.err
    assert "Results:" not in captured.out and "Next:" not in captured.out


class PlantedPayload:
    """Unpickling this creates the file named in it: proof that code ran."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def pixel_extractor() -> str:
    """A torch-fidelity feature extractor that needs no weights: the pixels, as floats."""
    from torch_fidelity.feature_extractor_base import FeatureExtractorBase

    from ganbench.evaluate import fidelity

    class Pixels(FeatureExtractorBase):
        def __init__(self, name, features_list, **kwargs):
            super().__init__(name, features_list)

        @staticmethod
        def get_provided_features_list():
            return ("pixels",)

        @staticmethod
        def get_default_feature_layer_for_metric(metric):
            return "pixels"

        @staticmethod
        def can_be_compiled():
            return False

        @staticmethod
        def get_dummy_input_for_compile():  # pragma: no cover
            return torch.zeros(1, 1, 4, 4, dtype=torch.uint8)

        def forward(self, images):
            return (images.flatten(1).float(),)

    fidelity.register_extractor("test-pixels", Pixels)
    return "test-pixels"


def pixel_fid(real: torch.Tensor, generated: torch.Tensor, name: str) -> float:
    from ganbench.evaluate import fidelity
    return fidelity.calculate(pixel_extractor(), generated, real, name, torch.device("cpu"), kid=False,
                              prc=False)["fid"]


def test_fidelity_caches_run_no_code_and_a_truncated_one_is_recomputed(tmp_path, monkeypatch, caplog):
    from ganbench.evaluate import fidelity
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    generator = torch.Generator().manual_seed(0)
    real = torch.randint(0, 256, (64, 1, 4, 4), dtype=torch.uint8, generator=generator)
    generated = torch.randint(0, 256, (64, 1, 4, 4), dtype=torch.uint8, generator=generator)
    name = fidelity.reference_cache_name("toy", "all", real, "0" * 64)
    clean = pixel_fid(real, generated, name)  # computes and caches the real side
    (cached,) = fidelity.feature_store().glob(f"{name}-*-features-*.pt")
    assert pixel_fid(real, generated, name) == clean  # read back from the cache

    # A planted pickle, in ganbench's store and in the folder torch-fidelity used to read, runs nothing.
    proof = tmp_path / "code-ran"
    for folder in (fidelity.feature_store(), fidelity.cache_root() / "fidelity"):
        folder.mkdir(parents=True, exist_ok=True)
        for path in (folder / cached.name, folder / f"{name}-test-pixels-stat-fid-pixels.pt"):
            torch.save(PlantedPayload(str(proof)), path)
    with caplog.at_level("WARNING", logger="ganbench"):
        assert pixel_fid(real, generated, name) == clean
    assert not proof.exists()
    assert "do not verify" in caplog.text

    # A truncated cache file is recomputed with a warning, and the figure does not change.
    cached.write_bytes(cached.read_bytes()[:50])
    caplog.clear()
    with caplog.at_level("WARNING", logger="ganbench"):
        assert pixel_fid(real, generated, name) == clean
    assert "do not verify" in caplog.text and str(cached) in caplog.text
    assert fidelity.load_verified_features(cached) is not None  # repaired


def test_compare_on_a_folder_whose_only_run_is_corrupt_names_the_file(tmp_path, cli):
    (tmp_path / "run-a").mkdir()
    (tmp_path / "run-a" / "result.json").write_text('{"run_id": ')
    code, _, err = cli("compare", str(tmp_path))
    assert code == 2 and f"{tmp_path / 'run-a' / 'result.json'} is corrupt" in err
    assert len(err.strip().splitlines()) == 1


class HoldoutPlugin:
    @hookimpl
    def register_architectures(self, register):
        raise ImportError("No module named 'holdout_backend'")


def test_an_unknown_name_says_which_plugin_did_not_load(cli):
    plugins.register_module(HoldoutPlugin(), "holdout")
    code, _, err = cli("run", "--arch", "holdout-net", "--dry-run")
    assert code == 2 and "Unknown architecture 'holdout-net'" in err and "Known architectures: " in err
    assert "plugin 'holdout' did not load: ImportError while registering architectures" in err


def test_uninstall_takes_the_plugin_name_that_plugins_list_shows(cli, monkeypatch, capsys):
    from ganbench.plugin_host import install
    plugins.register_module(HoldoutPlugin(), "holdout")
    plugins.state().plugins["holdout"].package = "ganbench-holdout"
    removed, installed = [], {"ganbench-holdout"}

    def fake_pip(arguments):
        removed.extend(arguments[2:])
        installed.difference_update(arguments[2:])
        return ""

    monkeypatch.setattr(install, "pip", fake_pip)
    monkeypatch.setattr(install, "is_installed", lambda name: name in installed)
    from ganbench.cli import main
    main(["plugins", "uninstall", "holdout"])
    assert removed == ["ganbench-holdout"] and "uninstalled ganbench-holdout." in capsys.readouterr().out
    # pip that removes nothing (installed elsewhere) is a failure, not a silent success.
    installed.add("ganbench-holdout")
    monkeypatch.setattr(install, "pip", lambda arguments: "")
    code, _, err = cli("plugins", "uninstall", "holdout")
    assert code == 2 and "pip did not uninstall ganbench-holdout" in err
    code, _, err = cli("plugins", "uninstall", "nothing-here")
    assert code == 2 and "no plugin or package named 'nothing-here' is installed" in err


def test_a_failed_plugin_install_is_one_sentence(tmp_path, cli):
    code, _, err = cli("plugins", "install", str(tmp_path / "no-such-package"))
    assert code == 2 and err.startswith("Error: pip install ") and "failed with status" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
