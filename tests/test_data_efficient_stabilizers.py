"""The data-efficient stabilizers (diffaug, ada, lecam, cr, zcr, topk) and the contract points they
use: each one's effect proved on a tiny model, and each one kept to the stabilizer contract."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from ganbench import testing
from ganbench.plugin_host import plugins
from ganbench.contracts.architecture import DOutput, Discriminator
from ganbench.config import Choice, RunConfig
from ganbench.engine import step as step_module
from ganbench.engine.run import run
from ganbench.engine.setup import prepare
from ganbench.errors import Incompatible
from ganbench.contracts.loss import GPenaltyInputs, PenaltyInputs
from ganbench.contracts.stabilizer import Stabilizer, StepInfo

NEW = ("diffaug", "ada", "lecam", "cr", "zcr", "topk")
INFO = StepInfo(0, 10)


def make(name, **options):
    return plugins.registry().create("stabilizer", name, options)


def tiny_config(tmp_path, stabilizers, **changes):
    values = dict(arch=Choice("dcgan", {"base_channels": 8}), dataset=Choice("digits"), resolution=8, batch_size=8,
                  steps=4, log_every=2, sample_every=4, checkpoint_every=4, latent_dim=8, device="cpu",
                  evaluators=[], results_dir=str(tmp_path),
                  stabilizers=[Choice(name, options) for name, options in stabilizers])
    values.update(changes)
    return RunConfig(**values)


class PixelDiscriminator(Discriminator):
    """D(x) = sum of w * x over pixels of every scale: deterministic, with a gradient to its input."""

    def __init__(self, sides=(8,)):
        super().__init__()
        self.weights = nn.ParameterList([nn.Parameter(torch.randn(1, side, side)) for side in sides])

    def features(self, x, y):
        scales = x if isinstance(x, list) else [x]
        return sum((scale * w).flatten(1).sum(1, keepdim=True) for scale, w in zip(scales, self.weights))

    def head(self, h, y):
        return DOutput(h.squeeze(1))


def resume_after_interrupt(config, monkeypatch, at_step):
    """Run ``config`` until it is interrupted at ``at_step``, then resume it to the end."""
    original = step_module.AdversarialStep.__call__

    def interrupt(self, info):
        if info.step == at_step:
            raise KeyboardInterrupt
        return original(self, info)

    monkeypatch.setattr(step_module.AdversarialStep, "__call__", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run(config, show_progress=False)
    monkeypatch.setattr(step_module.AdversarialStep, "__call__", original)
    return run(config, show_progress=False)


def final_state(report, name):
    return torch.load(report.path / "checkpoints" / "last.pt", weights_only=True)["stabilizers"][name]


# -- the contract -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NEW)
def test_each_keeps_the_stabilizer_contract_alone_and_with_partners(name):
    testing.check_stabilizer(type(make(name)), steps=2)


def test_an_old_per_tensor_stabilizer_still_acts_on_every_scale_through_the_default_d_input_all():
    class AddOne(Stabilizer):
        name = "add-one"
        description = "Adds one."

        def d_input(self, x, info):
            return x + 1

    out = AddOne().d_input_all([torch.zeros(2, 1, 4, 4), torch.zeros(2, 1, 8, 8)], INFO)
    assert all(torch.equal(scale, torch.ones_like(scale)) for scale in out)


@pytest.mark.parametrize("name", ["diffaug", "ada", "cr"])
def test_image_augmentations_refuse_vector_data_in_one_sentence(tmp_path, name):
    config = tiny_config(tmp_path, [(name, {})], arch=Choice("mlp", {"hidden": 32}), dataset=Choice("ring8"))
    with pytest.raises(Incompatible, match="works on images only") as refusal:
        prepare(config)
    assert str(refusal.value).endswith(".") and str(refusal.value).count(". ") == 0


def test_two_augmentation_pipelines_are_refused(tmp_path):
    with pytest.raises(Incompatible, match="both augment every discriminator input; choose one of them."):
        prepare(tiny_config(tmp_path, [("diffaug", {}), ("ada", {})]))


def test_all_six_compose_with_each_other_and_the_old_ones_on_a_real_run(tmp_path):
    stabilizers = [("diffaug", {}), ("lecam", {}), ("cr", {}), ("zcr", {}), ("topk", {}), ("instance-noise", {}),
                   ("r1", {"interval": 2}), ("ema", {})]
    assert run(tiny_config(tmp_path, stabilizers), show_progress=False).result.status == "finished"


# -- augmentations --------------------------------------------------------------------------------

def generator_gradient(stabilizer) -> torch.Tensor:
    """The gradient of a G loss through ``stabilizer``'s augmentation, on a linear G."""
    torch.manual_seed(0)
    generator = nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Unflatten(1, (1, 8, 8)))
    fake = stabilizer.d_input_all(generator(torch.randn(6, 4)), INFO)
    PixelDiscriminator()(fake).logits.mean().backward()
    return generator[0].weight.grad


@pytest.mark.parametrize("name, options", [("diffaug", {}), ("ada", {"initial_p": 1.0})])
def test_augmentation_is_differentiable_so_g_learns_through_it(name, options):
    gradient = generator_gradient(make(name, **options))
    assert gradient is not None and gradient.abs().sum() > 0


@pytest.mark.parametrize("name, options", [("diffaug", {}), ("ada", {"initial_p": 1.0})])
def test_one_draw_is_applied_to_every_scale(name, options):
    torch.manual_seed(1)
    coarse = torch.rand(16, 3, 8, 8) * 2 - 1
    fine = nn.functional.interpolate(coarse, scale_factor=2, mode="nearest")
    out_coarse, out_same, out_fine = make(name, **options).d_input_all([coarse, coarse.clone(), fine], INFO)
    assert not torch.equal(out_coarse, coarse)  # it did augment
    assert torch.equal(out_coarse, out_same)  # two scales of one side: exactly the same transform
    assert out_fine.shape == fine.shape


def test_a_shift_given_as_a_share_of_the_side_moves_every_scale_alike():
    from ganbench.stabilizers import augment
    coarse = torch.arange(64.0).view(1, 1, 8, 8)
    fine = nn.functional.interpolate(coarse, scale_factor=2, mode="nearest")
    shift = torch.tensor([0.25])
    moved_coarse = augment.translate(coarse, shift, -shift)
    moved_fine = augment.translate(fine, shift, -shift)
    assert torch.equal(nn.functional.avg_pool2d(moved_fine, 2), moved_coarse)


def test_ada_at_p_0_is_the_identity():
    images = torch.rand(4, 3, 8, 8)
    assert torch.allclose(make("ada").d_input_all(images, INFO), images, atol=1e-6)


# -- ADA's p --------------------------------------------------------------------------------------

def observe(ada, logit_value, updates):
    for _ in range(updates):
        real_out = DOutput(torch.full((8,), logit_value))
        ada.observe(PenaltyInputs(None, None, None, None, None, 0, real_out=real_out))
        ada.after_d_step(None, INFO)


def test_ada_raises_p_when_d_is_sure_of_the_reals_and_lowers_it_otherwise():
    ada = make("ada", initial_p="0.5", kimg="1")
    observe(ada, 3.0, updates=4)  # sign(D(real)) = +1 > 0.6: D overfits
    assert ada.p.item() == pytest.approx(0.5 + 32 / 1000)  # 32 images at 1,000 images per unit of p
    assert ada.scalars()["ada_rt"].item() == 1.0
    observe(ada, -3.0, updates=8)  # r_t = -1 < 0.6: two adjustments down
    assert ada.p.item() == pytest.approx(0.5 + 32 / 1000 - 64 / 1000)
    observe(ada, -3.0, updates=2000)
    assert ada.p.item() == 0.0  # clipped at 0


def test_ada_p_is_logged_and_restored_exactly_on_resume(tmp_path, monkeypatch):
    config = lambda folder: tiny_config(folder, [("ada", {"kimg": "0.05", "interval": "1", "initial_p": "0.5"})], steps=8,
                                        checkpoint_every=4, log_every=1)
    reference = run(config(tmp_path / "reference"), show_progress=False)
    resumed = resume_after_interrupt(config(tmp_path / "resumed"), monkeypatch, at_step=6)
    assert resumed.resumed_from == 4
    p_reference, p_resumed = final_state(reference, "ada")["p"], final_state(resumed, "ada")["p"]
    assert p_reference.item() != 0.5 and torch.equal(p_reference, p_resumed)
    rows = [json.loads(line) for line in (reference.path / "metrics.jsonl").read_text().splitlines()]
    assert len({row["ada_p"] for row in rows}) > 1 and rows[-1]["ada_p"] == pytest.approx(p_reference.item(), abs=1e-6)


# -- LeCam ----------------------------------------------------------------------------------------

def test_lecam_reads_the_loss_outputs_and_moves_its_anchors():
    lecam = make("lecam", weight="1")
    real = torch.full((4,), 2.0, requires_grad=True)
    fake = torch.full((4,), -1.0, requires_grad=True)
    term = lecam.term(PenaltyInputs(None, None, None, None, None, 0, real_out=DOutput(real), fake_out=DOutput(fake)))
    alpha_r, alpha_f = 0.01 * 2.0, 0.01 * -1.0  # one step of decay 0.99 from 0
    assert lecam.anchor_real.item() == pytest.approx(alpha_r) and lecam.anchor_fake.item() == pytest.approx(alpha_f)
    assert term.item() == pytest.approx((2.0 - alpha_f) ** 2 + (-1.0 - alpha_r) ** 2, rel=1e-5)
    term.backward()
    assert real.grad.abs().sum() > 0  # it trains D through the loss's own outputs


def test_the_engine_hands_the_loss_d_outputs_to_penalties(tmp_path):
    setup = prepare(tiny_config(tmp_path, [("lecam", {})]))
    seen = []
    lecam = setup.stabilizers[0]
    original = lecam.term
    lecam_penalty = setup.penalties[0]
    lecam_penalty.compute = lambda inputs: seen.append(inputs) or original(inputs)
    step_module.AdversarialStep(setup)(StepInfo(0, 4))
    (inputs,) = seen
    assert inputs.real_out.logits.shape == (8,) and inputs.fake_out.logits.requires_grad
    assert inputs.z.shape == (8, 8) and inputs.generator is setup.generator


def test_lecam_anchors_persist_across_a_real_resume(tmp_path, monkeypatch):
    config = lambda folder: tiny_config(folder, [("lecam", {})], steps=8, checkpoint_every=4)
    reference = run(config(tmp_path / "reference"), show_progress=False)
    resumed = resume_after_interrupt(config(tmp_path / "resumed"), monkeypatch, at_step=6)
    assert resumed.resumed_from == 4
    a, b = final_state(reference, "lecam"), final_state(resumed, "lecam")
    assert a["anchor_real"].item() != 0 and torch.equal(a["anchor_real"], b["anchor_real"])
    assert torch.equal(a["anchor_fake"], b["anchor_fake"])


# -- consistency ----------------------------------------------------------------------------------

def cr_inputs(discriminator, real, fake):
    return PenaltyInputs(discriminator, real, fake, None, None, 0, real_out=discriminator(real),
                         fake_out=discriminator(fake))


def test_cr_is_zero_for_the_identity_transform_and_positive_otherwise():
    torch.manual_seed(0)
    discriminator, real, fake = PixelDiscriminator(), torch.randn(6, 1, 8, 8), torch.randn(6, 1, 8, 8)
    identity = make("cr", translation="0", flip="false")
    assert identity.term(cr_inputs(discriminator, real, fake)).item() == 0.0
    assert make("cr").term(cr_inputs(discriminator, real, fake)).item() > 0


class LinearGenerator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Unflatten(1, (1, 8, 8)))

    def forward(self, z, y=None):
        return self.net(z)


def test_zcr_terms_are_zero_without_perturbation_and_the_g_term_rewards_difference():
    torch.manual_seed(0)
    generator = LinearGenerator()
    discriminator, z = PixelDiscriminator(), torch.randn(6, 4)
    fake = generator(z)
    d_inputs = PenaltyInputs(discriminator, fake.detach(), fake.detach(), None, None, 0, generator=generator, z=z)
    g_inputs = GPenaltyInputs(generator, discriminator, z, None, fake, discriminator(fake), 0)
    still = make("zcr", sigma_noise="0")
    assert still.d_term(d_inputs).item() == 0.0 and still.g_term(g_inputs).item() == 0.0
    moved = make("zcr")
    assert moved.d_term(d_inputs).item() > 0 and moved.g_term(g_inputs).item() < 0


def test_zcr_adds_its_g_term_to_g_s_update_in_the_engine(tmp_path):
    setup = prepare(tiny_config(tmp_path, [("zcr", {"lambda_gen": "1000", "sigma_noise": "1"})]))
    step = step_module.AdversarialStep(setup)
    assert [penalty.name for penalty in step.g_penalties] == ["zcr-g"]
    seen = []
    original = step.g_penalty
    step.g_penalty = lambda inputs, info: seen.append(original(inputs, info)) or seen[-1]
    g_loss = step(StepInfo(0, 4))[step_module.SCALARS.index("g_loss")].item()
    # The G term joins G's update (a large reward for G(z) differing from G(z + dz)) and, like every
    # generator penalty, stays out of the logged g_loss, which is the adversarial loss alone.
    assert seen and seen[0].item() < 0 and g_loss > 0


# -- top-k ----------------------------------------------------------------------------------------

def test_topk_keeps_the_k_fakes_d_scores_highest_on_the_documented_schedule():
    topk = make("topk", epoch_steps="10")
    logits = torch.tensor([0.1, 3.0, -2.0, 1.0, 0.5, -1.0, 2.0, 0.0])
    assert topk.g_samples(logits, StepInfo(0, 100)) is None  # gamma = 1: every fake
    assert topk.k(8, StepInfo(100, 1000)) == round(0.99 ** 10 * 8)  # ten epoch-equivalents: gamma = 0.904
    kept = topk.g_samples(logits, StepInfo(10_000, 20_000))  # gamma far below nu = 0.5
    assert sorted(kept.tolist()) == [1, 3, 4, 6]


def test_the_engine_trains_g_on_the_kept_fakes_only(tmp_path):
    setup = prepare(tiny_config(tmp_path, [("topk", {"epoch_steps": "1", "nu": "0.25"})]))
    sizes = []
    original = setup.loss.g_loss
    setup.loss.g_loss = lambda fake, targets: sizes.append((fake.shape[0], targets.real.shape[0])) or original(fake, targets)
    step_module.AdversarialStep(setup)(StepInfo(500, 1000))
    assert sizes == [(2, 2)]  # k = 0.25 * 8
