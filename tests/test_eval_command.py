"""``ganbench eval RUN``: recomputes figures from the last checkpoint and merges them into result.json."""

import json
import shutil

import pytest

from ganbench.config import Choice, RunConfig
from ganbench.engine.run import run


@pytest.fixture(scope="module")
def finished(tmp_path_factory, repository_plugins):
    """A tiny finished digits run evaluated by the stability evaluator and the linear probe."""
    config = RunConfig(arch=Choice("dcgan", {"base_channels": 8}), dataset=Choice("digits"), resolution=8,
                       batch_size=8, steps=4, log_every=2, sample_every=4, checkpoint_every=4, eval_samples=64,
                       latent_dim=8, device="cpu", results_dir=str(tmp_path_factory.mktemp("runs")),
                       evaluators=[Choice("stability"), Choice("linear-probe", {"train_samples": 100,
                                                                                "test_samples": 100})])
    return run(config, show_progress=False).path


@pytest.fixture
def run_copy(finished, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(finished, copy)
    return copy


def read_result(path):
    return json.loads((path / "result.json").read_text())


def test_eval_recomputes_the_same_figures_from_the_checkpoint(run_copy, cli):
    before = read_result(run_copy)
    code, stdout, _ = cli("eval", str(run_copy), "--device", "cpu")
    after = read_result(run_copy)
    assert code == 0 and "diversity_ratio" in stdout
    # The same weights, samples and seed: the checkpoint was restored exactly.
    for metric, value in before["metrics"].items():
        assert after["metrics"][metric] == pytest.approx(value, rel=1e-5, abs=1e-9), metric
    assert after["reevaluations"][-1]["evaluators"] == ["stability", "linear-probe"]
    assert after["reevaluations"][-1]["step"] == 4


def test_eval_with_one_evaluator_keeps_the_figures_it_did_not_recompute(run_copy, cli):
    before = read_result(run_copy)
    code, _, _ = cli("eval", str(run_copy), "--evaluator", "stability", "--eval-opt",
                     "stability.collapse_samples=16", "--eval-samples", "32", "--device", "cpu")
    after = read_result(run_copy)
    assert code == 0
    assert after["metrics"]["probe_accuracy"] == before["metrics"]["probe_accuracy"]
    assert after["protocol"]["linear-probe"] == before["protocol"]["linear-probe"]
    assert after["protocol"]["stability"]["generated_samples"] == 16
    assert after["reevaluations"][-1]["eval_samples"] == 32
    assert {key: before[key] for key in ("run_id", "status", "steps", "final")} == \
           {key: after[key] for key in ("run_id", "status", "steps", "final")}


def test_eval_can_add_an_evaluator_the_run_did_not_have(run_copy, cli):
    code, _, _ = cli("eval", str(run_copy), "--evaluator", "cas", "--device", "cpu")
    after = read_result(run_copy)
    assert code == 0
    assert "unconditional" in after["protocol"]["cas"]["skipped"]
    assert "probe_accuracy" in after["metrics"]


@pytest.mark.parametrize("args, message", [
    (["--evaluator", "stabilty"], "Unknown evaluator 'stabilty'"),
    (["--eval-samples", "0"], "eval_samples must be a positive integer"),
    (["--eval-samples", "many"], "must be an integer"),
    (["--evaluator", "stability", "--eval-opt", "stability.collapse_ratio=2"], "collapse_ratio must be in (0, 1)"),
])
def test_bad_arguments_are_one_sentence_exit_2_and_leave_result_json_alone(run_copy, cli, args, message):
    before = (run_copy / "result.json").read_text()
    code, _, err = cli("eval", str(run_copy), *args, "--device", "cpu")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert (run_copy / "result.json").read_text() == before


def test_a_missing_run_is_one_sentence_and_exit_2(tmp_path, cli):
    code, _, err = cli("eval", str(tmp_path / "nowhere"))
    assert code == 2 and "no run directory" in err


def test_a_run_without_result_json_is_refused(run_copy, cli):
    (run_copy / "result.json").unlink()
    code, _, err = cli("eval", str(run_copy), "--device", "cpu")
    assert code == 2 and "no result.json" in err
    assert not (run_copy / "result.json").exists()


def test_a_corrupt_checkpoint_is_one_sentence_and_leaves_result_json_alone(run_copy, cli):
    before = (run_copy / "result.json").read_text()
    (run_copy / "checkpoints" / "last.pt").write_bytes(b"\x00" * 64)
    code, _, err = cli("eval", str(run_copy), "--device", "cpu")
    assert code == 2 and "corrupt" in err and len(err.strip().splitlines()) == 1
    assert (run_copy / "result.json").read_text() == before
