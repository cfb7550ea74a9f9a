"""Issue 26: a run's identity includes its data, and every corrupt file is said out loud."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from ganbench.config import Choice, RunConfig
from ganbench.resolve import resolve_config

# The smallest image run there is: the MLP on 8 px images, 4 steps, no evaluator.
IMAGE_RUN = ["run", "--arch", "mlp", "--dataset", "imagefolder", "--data-opt", "channels=1", "--resolution", "8",
             "--batch-size", "4", "--latent-dim", "8", "--steps", "4", "--log-every", "2", "--sample-every", "1000",
             "--checkpoint-every", "4", "--eval-samples", "16", "--device", "cpu", "--quiet",
             "--evaluator", "stability"]




def image_folder(path: Path, shade: int = 0) -> Path:
    """Eight 8x8 grey PNGs; ``shade`` makes a folder whose images differ from another's."""
    from PIL import Image
    path.mkdir(parents=True)
    for index in range(8):
        Image.new("L", (8, 8), color=(index * 20 + shade) % 256).save(path / f"{index}.png")
    return path


def run_ids(results: Path) -> list[str]:
    return sorted(folder.name for folder in results.iterdir() if (folder / "result.json").is_file())


def image_config(root: Path) -> RunConfig:
    return resolve_config(RunConfig(arch=Choice("mlp"), dataset=Choice("imagefolder", {"channels": 1}),
                                    resolution=8, data_root=str(root)))


# 1. The data is part of a run's identity ----------------------------------------------------------------

def test_two_image_folders_are_two_runs(tmp_path, cli):
    results = tmp_path / "runs"
    for folder in (image_folder(tmp_path / "a"), image_folder(tmp_path / "b", shade=7)):
        code, out, err = cli(*IMAGE_RUN, "--data-root", str(folder), "--results-dir", str(results))
        assert code == 0, err
        assert "already finished" not in out + err
    ids = run_ids(results)
    assert len(ids) == 2 and ids[0] != ids[1]
    fingerprints = {json.loads((results / run_id / "config.json").read_text())["data_fingerprint"] for run_id in ids}
    assert len(fingerprints) == 2 and all(value.startswith("sha256:") for value in fingerprints)


def test_the_same_files_moved_elsewhere_keep_the_run_id(tmp_path):
    before = image_config(image_folder(tmp_path / "first" / "images"))
    shutil.move(tmp_path / "first" / "images", tmp_path / "moved")
    after = image_config(tmp_path / "moved")
    assert after.run_id == before.run_id and after.data_fingerprint == before.data_fingerprint


def test_changing_one_file_changes_the_run_id(tmp_path):
    from PIL import Image
    folder = image_folder(tmp_path / "images")
    before = image_config(folder)
    Image.new("L", (8, 8), color=255).save(folder / "3.png")
    assert image_config(folder).run_id != before.run_id


def test_a_second_resolution_reads_no_file_again(tmp_path, monkeypatch):
    from ganbench.data import fingerprint
    folder = image_folder(tmp_path / "images")
    first = image_config(folder)
    monkeypatch.setattr(fingerprint, "_memory", {})  # a new process: only the cache file remains

    def must_not_hash(path):
        raise AssertionError(f"{path} was hashed again")

    monkeypatch.setattr(fingerprint, "hash_contents", must_not_hash)
    assert image_config(folder).run_id == first.run_id


def test_mnist_runs_are_identified_by_their_idx_files(tmp_path):
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "MNIST" / "raw"
    if not shared.is_dir():
        pytest.skip("the shared MNIST files are not on this machine")
    copy = tmp_path / "copy"
    shutil.copytree(shared, copy)

    def mnist(root: Path) -> RunConfig:
        return resolve_config(RunConfig(arch=Choice("mlp"), dataset=Choice("mnist"), data_root=str(root)))

    assert mnist(copy).run_id == mnist(shared).run_id
    labels = copy / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:-1] + bytes([labels.read_bytes()[-1] ^ 1]))
    assert mnist(copy).run_id != mnist(shared).run_id


def test_embedded_data_keep_their_ids_and_have_no_fingerprint():
    config = resolve_config(RunConfig(arch=Choice("mlp"), dataset=Choice("ring8"), data_root="/nowhere"))
    assert config.data_fingerprint is None and "data_fingerprint" not in config.identity()
    assert config.run_id == "mlp-bce-ring8-none-s0-fdb65fdc55"  # the id this configuration always had


def test_a_run_from_before_data_fingerprints_is_not_reused_and_says_why(tmp_path, cli, caplog):
    folder = image_folder(tmp_path / "images")
    results = tmp_path / "runs"
    assert cli(*IMAGE_RUN, "--data-root", str(folder), "--results-dir", str(results)).code == 0
    (new_id,) = run_ids(results)
    # The same run as an older ganbench wrote it: no fingerprint, so the id without one.
    config = json.loads((results / new_id / "config.json").read_text())
    config.pop("data_fingerprint")
    old = RunConfig.from_json(config)
    shutil.move(results / new_id, results / old.run_id)
    (results / old.run_id / "config.json").write_text(json.dumps({**config, "schema_version": 2,
                                                                   "run_id": old.run_id}))
    code, out, err = cli(*IMAGE_RUN, "--data-root", str(folder), "--results-dir", str(results))
    assert code == 0 and "already finished" not in out
    assert sorted(run_ids(results)) == sorted([old.run_id, new_id])
    assert any("cannot tell which files it read" in record.getMessage() for record in caplog.records)


# 2. A file that is not a checkpoint is one sentence, wherever a checkpoint is read -------------------------

RING_RUN = ["run", "--arch", "mlp", "--dataset", "ring8", "--batch-size", "16", "--steps", "4", "--log-every", "2",
            "--sample-every", "1000", "--checkpoint-every", "4", "--eval-samples", "64", "--device", "cpu",
            "--quiet", "--evaluator", "stability"]


def one_sentence(code: int, err: str) -> bool:
    return code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_text_file_given_to_init_from_is_one_sentence(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("notackpt.txt").write_text("just text\n")
    code, _, err = cli(*RING_RUN, "--init-from", "notackpt.txt", "--results-dir", "runs")
    assert one_sentence(code, err) and "'notackpt.txt' is not a ganbench checkpoint" in err


@pytest.fixture
def run_with_text_checkpoint(tmp_path, cli) -> Path:
    """A finished ring8 run whose checkpoints/last.pt was replaced by a line of text."""
    code, _, err = cli(*RING_RUN, "--results-dir", str(tmp_path / "runs"))
    assert code == 0, err
    (folder,) = (tmp_path / "runs").glob("mlp-*")
    (folder / "checkpoints" / "last.pt").write_text("just text\n")
    return folder


@pytest.mark.parametrize("command", ["eval", "sample", "resume", "init-from"])
def test_a_text_file_as_a_runs_checkpoint_is_one_sentence(run_with_text_checkpoint, tmp_path, cli, command):
    folder = run_with_text_checkpoint
    if command == "resume":
        (folder / "result.json").unlink()  # as if killed before the end
        arguments = [*RING_RUN, "--results-dir", str(tmp_path / "runs")]
    elif command == "init-from":
        arguments = [*RING_RUN, "--init-from", str(folder), "--results-dir", str(tmp_path / "other")]
    else:
        arguments = [command, str(folder)]
    code, _, err = cli(*arguments)
    assert one_sentence(code, err) and "last.pt' is not a ganbench checkpoint" in err


# 7. Messages that say only what is so -------------------------------------------------------------------

def test_a_full_disk_before_the_first_checkpoint_does_not_claim_one_is_intact(tmp_path, cli, monkeypatch):
    from ganbench.engine import checkpoint
    original = torch.save
    monkeypatch.setattr(checkpoint.torch, "save", lambda state, path: original(state, "/dev/full"))
    code, _, err = cli(*RING_RUN, "--results-dir", str(tmp_path / "runs"))
    assert one_sentence(code, err) and "full disk" in err
    assert "intact" not in err and "had no checkpoint yet" in err


def test_a_raw_pickle_is_refused_in_whole_words_without_torchs_warning(tmp_path, cli):
    import pickle
    raw = tmp_path / "raw.pt"
    raw.write_bytes(pickle.dumps({"generator": Path("/")}, protocol=4))  # needs a global: refused
    import warnings
    with warnings.catch_warnings(record=True) as caught:  # what the terminal would show before the sentence
        warnings.simplefilter("always")
        code, _, err = cli(*RING_RUN, "--init-from", str(raw), "--results-dir", str(tmp_path / "runs"))
    assert one_sentence(code, err) and not [w for w in caught if "pickle protocol" in str(w.message)]
    assert "needs arbitrary unpickling" in err and err.rstrip().endswith("ganbench refuses it.")


def test_unsafe_weights_for_fid_are_refused_in_whole_words(tmp_path):
    import pickle

    from ganbench.errors import EvaluationError
    from ganbench.evaluate.inception_fidelity import checked_weights
    weights = tmp_path / "weights.pth"
    weights.write_bytes(pickle.dumps({"fc.weight": Path("/")}, protocol=2))
    with pytest.raises(EvaluationError) as refused:
        checked_weights(weights)
    message = str(refused.value)
    assert "could run code" in message and "Re-running" not in message and message.endswith(").")


def test_the_interrupt_sentence_is_the_only_line(tmp_path, cli, monkeypatch):
    from ganbench.cli import INTERRUPTED
    from ganbench.engine import run as run_module

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_module, "evaluate", ctrl_c)
    code, _, err = cli(*RING_RUN, "--results-dir", str(tmp_path / "runs"))
    assert code == 130 and err == INTERRUPTED + "\n"


# 3. ganbench report says which runs it left out, as compare does -----------------------------------------

@pytest.mark.parametrize("damaged, size", [("result.json", 300), ("config.json", 100)])
def test_report_warns_for_each_run_it_cannot_show_as_compare_does(tmp_path, cli, damaged, size):
    from test_report import write_logged_run
    results = tmp_path / "runs"
    folders = [write_logged_run(results, arch, seed, 2.0 + seed) for arch in ("mlp", "dcgan") for seed in range(3)]
    broken = folders[4] / damaged
    broken.write_text(broken.read_text()[:size])
    compare_code, _, compare_err = cli("compare", str(results))
    code, out, err = cli("report", str(results), "--out", str(tmp_path / "site"))
    assert code == compare_code == 0  # compare shows the readable runs and warns; so does report
    assert f"Warning: skipped {folders[4].name}" in compare_err
    assert err.strip().splitlines() == [line for line in compare_err.strip().splitlines() if "Warning" in line]
    assert "wrote" in out and len(list((tmp_path / "site" / "runs").glob("*.html"))) == 5


# 4. A resumed run logs every row once, whatever the kill cut ------------------------------------------------

def ring_config(results: Path, **changes) -> RunConfig:
    values = dict(arch=Choice("mlp"), dataset=Choice("ring8"), batch_size=16, steps=20, log_every=5,
                  sample_every=1000, checkpoint_every=10, eval_samples=64, device="cpu", results_dir=str(results),
                  evaluators=[Choice("stability")])
    values.update(changes)
    return RunConfig(**values)


class StopAfter:
    """Stands for Ctrl-C after ``steps`` steps: the loop checks ``requested`` once a step."""

    def __init__(self, steps: int):
        self.left, self.signal_name = steps, "SIGINT"

    @property
    def requested(self) -> bool:
        self.left -= 1
        return self.left <= 0


@pytest.fixture(scope="module")
def uninterrupted_log(tmp_path_factory, repository_plugins) -> str:
    from ganbench.engine.run import run
    return (run(ring_config(tmp_path_factory.mktemp("reference")), show_progress=False).path
            / "metrics.jsonl").read_text()


@pytest.mark.parametrize("keep", [0, 1, 12, -2, -1], ids=["whole-line", "1-byte", "12-bytes", "all-but-2",
                                                           "all-but-newline"])
def test_a_resumed_run_logs_every_row_once_however_the_last_line_was_cut(tmp_path, monkeypatch, keep,
                                                                           uninterrupted_log):
    import contextlib

    from ganbench.engine import loop
    from ganbench.engine.run import run
    from ganbench.errors import RunInterrupted
    config = ring_config(tmp_path)
    # Stopped after step 11: its row at step 10 is the log's last line, its checkpoint is at step 11.
    monkeypatch.setattr(loop, "stop_on_signals", lambda: contextlib.nullcontext(StopAfter(11)))
    with pytest.raises(RunInterrupted):
        run(config, show_progress=False)
    monkeypatch.undo()
    (folder,) = tmp_path.glob("mlp-*")
    log = folder / "metrics.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    assert json.loads(lines[-1])["step"] == 10
    last = lines[-1]
    log.write_text("".join(lines[:-1]) + last[:keep % len(last)])  # the kill cut the last line here
    resumed = run(config, show_progress=False)
    assert resumed.resumed_from == 11
    assert [json.loads(line)["step"] for line in log.read_text().splitlines()] == [5, 10, 15, 20]
    assert log.read_text() == uninterrupted_log


# 5. An empty name is not a name -------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--stabilizer", "--arch", "--loss", "--dataset", "--evaluator", "--logger"])
@pytest.mark.parametrize("name", ["", " "], ids=["empty", "blank"])
def test_an_empty_component_name_is_one_sentence(tmp_path, cli, flag, name):
    arguments = [*RING_RUN, "--results-dir", str(tmp_path / "runs")]
    if flag in arguments:
        at = arguments.index(flag)
        arguments[at + 1] = name
    else:
        arguments += [flag, name]
    code, _, err = cli(*arguments)
    kind = {"--arch": "architecture"}.get(flag, flag[2:])
    assert one_sentence(code, err) and f"an empty {kind} name names no {kind}" in err
    assert not (tmp_path / "runs").exists()


# 6. A broken plugin is said once by run, sweep and list ----------------------------------------------------

@pytest.fixture
def broken_plugin(monkeypatch) -> str:
    """A plugin whose entry point fails to import, loaded the way installed plugins are."""
    import importlib.metadata

    from ganbench.plugin_host import plugins
    broken = importlib.metadata.EntryPoint(name="exploding", value="exploding_plugin_nowhere", group="ganbench")
    with monkeypatch.context() as patch:  # only while the plugins load: torch reads entry points too
        patch.setattr(plugins.importlib.metadata, "entry_points", lambda group: [broken])
        plugins.load_entry_points(plugins.state())
    plugins.state()._filled = False
    assert "while importing" in plugins.state().plugins["exploding"].error
    return "exploding"


@pytest.mark.parametrize("command", ["run", "sweep", "list"])
def test_run_sweep_and_list_name_a_broken_plugin_once(broken_plugin, tmp_path, cli, command):
    arguments = {"run": [*RING_RUN, "--results-dir", str(tmp_path / "runs")],
                 "sweep": ["sweep", *RING_RUN[1:-2], "--results-dir", str(tmp_path / "runs"), "--dry-run"],
                 "list": ["list", "losses"]}[command]
    code, _, err = cli(*arguments)
    assert code == 0, err
    notices = [line for line in err.splitlines() if "exploding" in line]
    assert notices == ["Warning: plugin 'exploding' did not load and is skipped; `ganbench plugins` shows why."]


# 8. result.json names its times ----------------------------------------------------------------------------

def test_result_json_records_training_evaluation_and_total_time(tmp_path, monkeypatch):
    import time

    from ganbench.engine import run as run_module
    original = run_module.evaluate

    def slow_evaluation(*args, **kwargs):
        time.sleep(0.3)  # the final evaluation phase, longer than this run's training
        return original(*args, **kwargs)

    monkeypatch.setattr(run_module, "evaluate", slow_evaluation)
    folder = run_module.run(ring_config(tmp_path, steps=4, log_every=2, checkpoint_every=4), show_progress=False).path
    result = json.loads((folder / "result.json").read_text())
    assert result["train_time_s"] > 0 and result["eval_time_s"] > 0
    assert result["total_time_s"] >= result["train_time_s"] + result["eval_time_s"] + 0.3
    assert result["total_time_s"] >= result["wall_time_s"] + 0.3  # the old name still reads: evaluation excluded


def test_eval_and_sample_refuse_a_run_whose_files_changed_since_it_trained(tmp_path, cli):
    from PIL import Image
    folder = image_folder(tmp_path / "images")
    results = tmp_path / "runs"
    assert cli(*IMAGE_RUN, "--data-root", str(folder), "--results-dir", str(results)).code == 0
    (run_id,) = run_ids(results)
    assert cli("sample", str(results / run_id), "--grid", "2x2").code == 0  # unchanged data: fine
    Image.new("L", (8, 8), color=255).save(folder / "3.png")
    for command in (["eval", str(results / run_id)], ["sample", str(results / run_id), "--grid", "2x2"]):
        code, _, err = cli(*command)
        assert one_sentence(code, err) and f"is not what run {run_id} trained on" in err
