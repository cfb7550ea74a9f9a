"""The engine: complete run directories, determinism, resume, budgets and step modes."""

import json

import pytest
import torch

from ganbench.config import Choice, RunConfig
from ganbench.resolve import resolve_config
from ganbench.engine import step as step_module
from ganbench.engine.run import run
from ganbench.engine.setup import prepare
from ganbench.results.run_dir import RunDir


def tiny(tmp_path, **changes) -> RunConfig:
    values = dict(arch=Choice("dcgan", {"base_channels": 8}), dataset=Choice("digits"), resolution=8,
                  batch_size=16, steps=12, log_every=3, sample_every=6, checkpoint_every=6, eval_samples=64,
                  latent_dim=16, device="cpu", results_dir=str(tmp_path))
    values.update(changes)
    return RunConfig(**values)


def test_a_run_writes_a_complete_directory(tmp_path):
    report = run(tiny(tmp_path), show_progress=False)
    folder = RunDir(report.path)
    assert folder.config.exists() and folder.result.exists() and folder.checkpoint.exists()
    assert sorted(p.name for p in folder.samples.iterdir()) == ["step-000006.png", "step-000012.png"]
    rows = folder.read_metrics()
    assert [row["step"] for row in rows] == [3, 6, 9, 12]
    assert set(rows[0]) >= {"d_loss_real", "d_loss_fake", "g_loss", "d_acc_real", "d_acc_fake", "images"}
    result = folder.read_result()
    assert result.status == "finished" and result.steps == 12
    assert result.images_seen == 12 * 16
    assert result.environment["torch"] == torch.__version__
    assert result.img_per_s > 0


def test_two_cpu_runs_with_one_seed_give_identical_metrics(tmp_path):
    first = run(tiny(tmp_path / "a"), show_progress=False)
    second = run(tiny(tmp_path / "b"), show_progress=False)
    assert (first.path / "metrics.jsonl").read_text() == (second.path / "metrics.jsonl").read_text()


def test_another_seed_gives_another_run(tmp_path):
    first = run(tiny(tmp_path), show_progress=False)
    second = run(tiny(tmp_path, seed=1), show_progress=False)
    assert first.path != second.path
    assert (first.path / "metrics.jsonl").read_text() != (second.path / "metrics.jsonl").read_text()


def test_a_finished_run_is_not_trained_again(tmp_path):
    run(tiny(tmp_path), show_progress=False)
    again = run(tiny(tmp_path), show_progress=False)
    assert again.skipped


def test_an_interrupted_run_resumes_to_the_same_metrics(tmp_path, monkeypatch):
    reference = run(tiny(tmp_path / "reference"), show_progress=False)
    original = step_module.AdversarialStep.__call__

    def interrupt_at_step_8(self, info):
        if info.step == 8:
            raise KeyboardInterrupt
        return original(self, info)

    monkeypatch.setattr(step_module.AdversarialStep, "__call__", interrupt_at_step_8)
    with pytest.raises(KeyboardInterrupt):
        run(tiny(tmp_path / "resumed"), show_progress=False)
    monkeypatch.setattr(step_module.AdversarialStep, "__call__", original)
    resumed = run(tiny(tmp_path / "resumed"), show_progress=False)
    assert resumed.resumed_from == 6
    assert (resumed.path / "metrics.jsonl").read_text() == (reference.path / "metrics.jsonl").read_text()
    reference_weights = torch.load(reference.path / "checkpoints" / "last.pt", weights_only=True)["generator"]
    resumed_weights = torch.load(resumed.path / "checkpoints" / "last.pt", weights_only=True)["generator"]
    assert all(torch.equal(reference_weights[key], resumed_weights[key]) for key in reference_weights)


@pytest.mark.parametrize("mode", ["joint", "separate"])
def test_step_modes_draw_the_expected_number_of_generator_batches(tmp_path, mode):
    setup = prepare(tiny(tmp_path, step_mode=mode))
    calls = []
    setup.generator.register_forward_hook(lambda module, inputs, output: calls.append(inputs[0].shape[0]))
    step = step_module.AdversarialStep(setup)
    from ganbench.contracts.stabilizer import StepInfo
    values = step(StepInfo(0, 1))
    assert values.shape == (len(step_module.SCALARS),)
    assert len(calls) == (1 if mode == "joint" else 2)


def test_n_critic_counts_real_images_seen(tmp_path):
    report = run(tiny(tmp_path, n_critic=3, steps=6), show_progress=False)
    assert report.result.images_seen == 6 * 3 * 16
    assert report.result.budget["n_critic"] == 3


def test_adam_defaults_are_dcgans(tmp_path):
    setup = prepare(tiny(tmp_path))
    group = setup.opt_d.param_groups[0]
    assert group["lr"] == 2e-4 and group["betas"] == (0.5, 0.999)


def test_uniform_latent_lies_in_minus_one_one(tmp_path):
    setup = prepare(tiny(tmp_path, latent_dist="uniform"))
    z = setup.latent.latent(1000)
    assert z.min() >= -1 and z.max() <= 1 and z.std() > 0.5


def test_init_from_copies_another_runs_weights(tmp_path):
    source = run(tiny(tmp_path / "source"), show_progress=False)
    setup = prepare(tiny(tmp_path / "target", init_from=str(source.path), steps=3))
    saved = torch.load(source.path / "checkpoints" / "last.pt", weights_only=True)["generator"]
    for key, value in setup.generator.state_dict().items():
        assert torch.equal(value, saved[key])


def test_init_from_a_mismatched_run_is_one_sentence(tmp_path):
    from ganbench.errors import CheckpointError
    source = run(tiny(tmp_path / "source"), show_progress=False)
    with pytest.raises(CheckpointError, match="does not match"):
        prepare(tiny(tmp_path / "target", init_from=str(source.path), resolution=16))


def test_vector_data_runs_with_mlp_and_draws_a_scatter(tmp_path):
    report = run(tiny(tmp_path, arch=Choice("mlp"), dataset=Choice("ring8")), show_progress=False)
    assert (report.path / "samples" / "step-000012.png").exists()
    assert report.result.status == "finished"


def test_config_json_round_trips(tmp_path):
    report = run(tiny(tmp_path), show_progress=False)
    saved = json.loads((report.path / "config.json").read_text())
    assert saved["schema_version"] == RunConfig.SCHEMA_VERSION
    # config.json holds the resolved configuration: read back, it is the run it names.
    assert RunConfig.from_json(saved).run_id == resolve_config(tiny(tmp_path)).run_id == saved["run_id"]
