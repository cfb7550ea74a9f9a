"""The built-in stabilizers: each one's effect, proved directly on a tiny model."""

import copy
import re
from pathlib import Path

import pytest
import torch
from torch import nn

from ganbench.plugin_host import plugins
from ganbench.contracts.architecture import Discriminator, DOutput, Generator, Neck
from ganbench.cli import main
from ganbench.config import Choice, RunConfig
from ganbench.resolve import resolve_stabilizers
from ganbench.engine import step as step_module
from ganbench.engine.run import run
from ganbench.engine.setup import create_stabilizers, optimizer_settings, prepare
from ganbench.errors import ConfigError, Incompatible
from ganbench.contracts.loss import OptimizerSettings, PenaltyInputs, Targets
from ganbench.contracts.stabilizer import StepInfo

DOCS = Path(__file__).resolve().parent.parent / "docs" / "stabilizers.md"
ISSUE_NAMES = ("label-smoothing", "label-flip", "instance-noise", "dropout", "d-noise", "minibatch-std",
               "spectral-norm", "r1", "ema", "ttur", "none")


def make(name, **options):
    return plugins.registry().create("stabilizer", name, options)


def base_targets(batch=8):
    return Targets(real=torch.ones(batch), fake=torch.zeros(batch))


def tiny_config(tmp_path, stabilizers, **changes):
    values = dict(arch=Choice("dcgan", {"base_channels": 8}), dataset=Choice("digits"), resolution=8, batch_size=8,
                  steps=4, log_every=2, sample_every=4, checkpoint_every=4, latent_dim=8, device="cpu",
                  evaluators=[], results_dir=str(tmp_path),
                  stabilizers=[Choice(name, options) for name, options in stabilizers])
    values.update(changes)
    return RunConfig(**values)


class LinearDiscriminator(Discriminator):
    """D(x) = w . x + b on flattened input; a list input adds one linear term per scale."""

    def __init__(self, weights, neck=None):
        super().__init__(neck)
        self.weights = nn.ParameterList([nn.Parameter(w) for w in weights])
        self.bias = nn.Parameter(torch.tensor(0.3))

    def features(self, x, y):
        scales = x if isinstance(x, list) else [x]
        return sum((scale.flatten(1) * w.flatten()).sum(dim=1, keepdim=True) for scale, w in zip(scales, self.weights))

    def head(self, h, y):
        return DOutput(h.squeeze(1) + self.bias)


class TinyGenerator(Generator):
    def __init__(self):
        super().__init__()
        self.latent_dim = 3
        self.linear = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)

    def forward(self, z, y=None):
        return self.norm(self.linear(z))


# -- the catalogue ------------------------------------------------------------------------------

def test_every_stabilizer_of_the_issue_is_registered_with_a_description():
    entries = {entry.name: entry for entry in plugins.registry().entries("stabilizer")}
    assert set(ISSUE_NAMES) <= set(entries)
    for name in ISSUE_NAMES:
        assert entries[name].description.endswith(".") and "\n" not in entries[name].description


def test_list_stabilizers_shows_every_name_and_its_options(capsys, monkeypatch):
    import ganbench.commands.list as list_command
    monkeypatch.setattr(list_command.console, "width", 250)  # one table row per line
    main(["list", "stabilizers"])
    out = capsys.readouterr().out
    for name in ISSUE_NAMES:
        assert name in out
    for option in ("real=0.9", "p=0.05", "sigma=0.1", "schedule=linear", "p=0.25", "group=4", "gamma=10.0",
                   "interval=16", "beta=0.999", "lr_d=0.0004", "lr_g=0.0001"):
        assert option in out


def test_the_documented_order_table_matches_the_code():
    documented = {}
    for order, name in re.findall(r"^\| (\d+) \| `([a-z0-9-]+)` \|", DOCS.read_text(), flags=re.MULTILINE):
        documented[name] = int(order)
    actual = {entry.name: entry.cls.order for entry in plugins.registry().entries("stabilizer") if entry.name != "none"}
    assert documented == actual


def test_stabilizers_act_in_their_documented_order_whatever_the_command_line_order():
    registry = plugins.registry()
    given = [Choice("ema"), Choice("dropout"), Choice("label-flip"), Choice("minibatch-std"), Choice("spectral-norm"),
             Choice("label-smoothing"), Choice("d-noise")]
    names = [stabilizer.name for stabilizer in create_stabilizers(registry, resolve_stabilizers(registry, given))]
    assert names == ["spectral-norm", "label-smoothing", "label-flip", "minibatch-std", "d-noise", "dropout", "ema"]


@pytest.mark.parametrize("name, options, message", [
    ("label-smoothing", {"real": "1.5"}, "real must be in (0, 1]"),
    ("label-smoothing", {"two_sided": "true", "fake": "0.95"}, "must be below real"),
    ("label-flip", {"p": "0.7"}, "p must be in [0, 0.5)"),
    ("instance-noise", {"schedule": "cosine"}, "must be one of linear, none"),
    ("dropout", {"p": "1"}, "p must be in [0, 1)"),
    ("minibatch-std", {"group": "1"}, "group must be at least 2"),
    ("r1", {"interval": "0"}, "interval must be a positive integer"),
    ("ema", {"beta": "1"}, "beta must be in (0, 1)"),
    ("ttur", {"lr_d": "-1"}, "lr_d must be positive"),
])
def test_bad_options_are_one_sentence(name, options, message):
    with pytest.raises(ConfigError) as error:
        make(name, **options)
    assert message in str(error.value)


# -- targets ------------------------------------------------------------------------------------

def test_label_smoothing_sets_the_real_target_to_0_9_and_keeps_the_fake_at_0():
    targets = make("label-smoothing").targets(base_targets(), StepInfo(0, 10))
    assert torch.allclose(targets.real, torch.full((8,), 0.9))
    assert torch.equal(targets.fake, torch.zeros(8))


def test_label_smoothing_takes_its_value_as_an_option_and_can_be_two_sided():
    one_sided = make("label-smoothing", real="0.8").targets(base_targets(), StepInfo(0, 10))
    assert torch.allclose(one_sided.real, torch.full((8,), 0.8))
    two_sided = make("label-smoothing", two_sided="true").targets(base_targets(), StepInfo(0, 10))
    assert torch.allclose(two_sided.real, torch.full((8,), 0.9))
    assert torch.allclose(two_sided.fake, torch.full((8,), 0.1))


def test_label_flip_swaps_close_to_p_of_the_targets_over_many_draws():
    torch.manual_seed(0)
    flip = make("label-flip")
    targets = flip.targets(base_targets(200_000), StepInfo(0, 10))
    share_real, share_fake = (targets.real == 0).float().mean().item(), (targets.fake == 1).float().mean().item()
    # Binomial standard error at n = 200,000, p = 0.05 is about 0.0005.
    assert abs(share_real - 0.05) < 0.003 and abs(share_fake - 0.05) < 0.003
    assert set(targets.real.unique().tolist()) == {0.0, 1.0}


def test_label_flip_after_smoothing_swaps_the_smoothed_values():
    registry = plugins.registry()
    torch.manual_seed(1)
    targets = base_targets(10_000)
    for stabilizer in create_stabilizers(registry, [Choice("label-flip", {"p": 0.2}), Choice("label-smoothing")]):
        targets = stabilizer.targets(targets, StepInfo(0, 10))
    assert targets.real.unique().tolist() == pytest.approx([0.0, 0.9])
    assert targets.fake.unique().tolist() == pytest.approx([0.0, 0.9])


@pytest.mark.parametrize("name", ["label-smoothing", "label-flip"])
def test_target_stabilizers_refuse_a_loss_without_targets_naming_it(tmp_path, name):
    with pytest.raises(Incompatible) as error:
        prepare(tiny_config(tmp_path, [(name, {})], loss=Choice("hinge")))
    message = str(error.value)
    assert "'hinge'" in message and name in message and message.count(". ") == 0
    assert not any(tmp_path.iterdir())


# -- the discriminator's input ------------------------------------------------------------------

def test_instance_noise_sigma_is_0_1_at_step_0_and_0_at_the_end():
    noise = make("instance-noise")
    assert noise.sigma_at(StepInfo(0, 1000)) == pytest.approx(0.1)
    assert noise.sigma_at(StepInfo(500, 1000)) == pytest.approx(0.05)
    assert noise.sigma_at(StepInfo(1000, 1000)) == 0
    x = torch.zeros(100_000)
    torch.manual_seed(0)
    assert noise.d_input(x, StepInfo(0, 1000)).std().item() == pytest.approx(0.1, rel=0.02)
    assert torch.equal(noise.d_input(x, StepInfo(1000, 1000)), x)


def test_instance_noise_without_schedule_stays_constant():
    noise = make("instance-noise", schedule="none", sigma="0.2")
    assert noise.sigma_at(StepInfo(999, 1000)) == pytest.approx(0.2)


def test_instance_noise_reaches_every_scale_and_never_the_sample_grid(tmp_path):
    setup = prepare(tiny_config(tmp_path, [("instance-noise", {})]))
    step = step_module.AdversarialStep(setup)
    scales = [torch.zeros(4, 1, 4, 4), torch.zeros(4, 1, 8, 8)]
    noised = step.d_input(scales, StepInfo(0, 10))
    assert all(scale.std() > 0.05 for scale in noised)
    assert all(torch.equal(scale, torch.zeros_like(scale)) for scale in scales)  # inputs are not changed in place
    assert setup.sampling_generator() is setup.generator


# -- the neck -----------------------------------------------------------------------------------

def test_dropout_is_active_in_training_and_off_in_evaluation():
    layer, = make("dropout").neck_layers()
    x = torch.ones(64, 16)
    layer.train()
    dropped = layer(x)
    assert 0.15 < (dropped == 0).float().mean().item() < 0.35  # p = 0.25
    layer.eval()
    assert torch.equal(layer(x), x)


def test_d_noise_adds_sigma_noise_in_training_only():
    layer, = make("d-noise").neck_layers()
    x = torch.zeros(200, 500)
    torch.manual_seed(0)
    layer.train()
    assert (layer(x) - x).std().item() == pytest.approx(0.1, rel=0.02)
    layer.eval()
    assert torch.equal(layer(x), x)


def test_minibatch_std_adds_exactly_one_channel_holding_the_group_standard_deviation():
    layer, = make("minibatch-std").neck_layers()
    torch.manual_seed(0)
    x = torch.randn(8, 3, 4, 4)
    out = layer(x)
    assert out.shape == (8, 4, 4, 4)
    assert torch.equal(out[:, :3], x)
    for group in range(2):
        members = x[4 * group:4 * group + 4]
        expected = members.std(dim=0, unbiased=False).mean()
        channel = out[4 * group:4 * group + 4, 3]
        assert torch.allclose(channel, torch.full_like(channel, expected.item()), atol=1e-5)
    assert Neck(layer).out_channels(3) == 4


def test_minibatch_std_on_vectors_adds_one_feature_and_falls_back_to_a_divisor_of_the_batch():
    layer, = make("minibatch-std").neck_layers()
    x = torch.randn(6, 5)  # 6 is not a multiple of 4: groups of 3
    out = layer(x)
    assert out.shape == (6, 6)
    for group in range(2):
        expected = x[3 * group:3 * group + 3].std(dim=0, unbiased=False).mean()
        assert torch.allclose(out[3 * group:3 * group + 3, 5], expected, atol=1e-5)


def test_neck_stabilizers_refuse_a_discriminator_that_dropped_its_neck():
    dropout = make("dropout")
    dropout.neck_layers()
    with pytest.raises(Incompatible, match="did not keep the neck"):
        dropout.parametrize(TinyGenerator(), LinearDiscriminator([torch.ones(4)]))


def test_the_neck_of_a_built_discriminator_reads_in_the_documented_order(tmp_path):
    setup = prepare(tiny_config(tmp_path, [("dropout", {}), ("d-noise", {}), ("minibatch-std", {})]))
    kinds = [type(layer).__name__ for layer in setup.discriminator.neck]
    assert kinds == ["MinibatchStdLayer", "GaussianNoise", "Dropout"]


# -- parametrisation, penalties, after-step, optimizers ------------------------------------------

def test_spectral_norm_keeps_the_top_singular_value_of_every_d_layer_near_1():
    torch.manual_seed(0)
    discriminator = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Linear(8 * 4 * 4, 1))
    with torch.no_grad():
        for layer in (discriminator[0], discriminator[2]):
            layer.weight.mul_(25)  # far from 1 before normalisation
    make("spectral-norm").parametrize(TinyGenerator(), discriminator)
    for _ in range(30):  # each training forward pass refines the power iteration
        discriminator(torch.randn(2, 3, 6, 6))
    for layer in (discriminator[0], discriminator[2]):
        weight = layer.weight.reshape(layer.weight.shape[0], -1)
        assert torch.linalg.matrix_norm(weight, ord=2).item() == pytest.approx(1.0, abs=0.02)


def test_spectral_norm_parametrizes_d_and_leaves_g_alone(tmp_path):
    setup = prepare(tiny_config(tmp_path, [("spectral-norm", {})]))
    d_keys = setup.discriminator.state_dict().keys()
    assert any("parametrizations.weight.original" in key for key in d_keys)
    assert not any("parametrizations" in key for key in setup.generator.state_dict())


def test_r1_equals_gamma_half_squared_weight_norm_on_a_linear_discriminator():
    torch.manual_seed(0)
    w = torch.randn(1, 3, 3)
    discriminator = LinearDiscriminator([w])
    r1 = make("r1")
    penalty, = r1.penalties()
    assert penalty.interval == 16
    real = torch.randn(5, 1, 3, 3)
    term = penalty.compute(PenaltyInputs(discriminator, real, real, None, None, step=0))
    assert term.item() == pytest.approx(10.0 / 2 * w.pow(2).sum().item(), rel=1e-5)
    term.backward()  # the penalty trains D: its gradient w.r.t. w is gamma * w
    assert torch.allclose(discriminator.weights[0].grad, 10.0 * w, rtol=1e-5)


def test_r1_on_a_multiscale_discriminator_sums_the_gradients_of_every_scale():
    w_coarse, w_fine = torch.randn(1, 2, 2), torch.randn(1, 4, 4)
    discriminator = LinearDiscriminator([w_coarse, w_fine])
    penalty, = make("r1", gamma="2", interval="4").penalties()
    real = [torch.randn(3, 1, 2, 2), torch.randn(3, 1, 4, 4)]
    term = penalty.compute(PenaltyInputs(discriminator, real, real, None, None, step=0))
    assert penalty.interval == 4
    assert term.item() == pytest.approx(w_coarse.pow(2).sum().item() + w_fine.pow(2).sum().item(), rel=1e-5)


def test_r1_enters_the_d_loss_only_every_interval_steps(tmp_path):
    setup = prepare(tiny_config(tmp_path, [("r1", {"interval": 2})]))
    step = step_module.AdversarialStep(setup)
    penalty = step_module.SCALARS.index("d_penalty")
    logged = [step(StepInfo(index, 4))[penalty].item() for index in range(3)]
    assert logged[0] > 0 and logged[1] == 0 and logged[2] > 0


def test_ema_weights_equal_the_closed_form_after_k_steps():
    torch.manual_seed(0)
    beta, generator = 0.9, TinyGenerator()
    ema = make("ema", beta=str(beta), rampup="0")  # constant beta: the closed form of a plain EMA
    ema.parametrize(generator, LinearDiscriminator([torch.ones(1)]))
    start = [p.detach().clone() for p in generator.parameters()]
    sequence = [[torch.randn_like(p) for p in start] for _ in range(5)]
    for step, weights in enumerate(sequence):
        with torch.no_grad():
            for parameter, value in zip(generator.parameters(), weights):
                parameter.copy_(value)
            generator.norm.running_mean.fill_(step)
        ema.after_g_step(generator, StepInfo(step, 5))
    k = len(sequence)
    for index, averaged in enumerate(ema.sampling_generator(generator).parameters()):
        closed_form = beta ** k * start[index] + sum(
            (1 - beta) * beta ** (k - 1 - i) * sequence[i][index] for i in range(k))
        assert torch.allclose(averaged, closed_form, atol=1e-6)
    assert torch.equal(ema.average.norm.running_mean, torch.full((4,), float(k - 1)))  # buffers are copied


def initial_share_after(steps: int, **options: str) -> float:
    """The weight the average still gives G's initial weights after ``steps`` G steps: start at 0,
    train at 1, and what is missing from 1 is the initial weights' share."""
    generator = TinyGenerator()
    with torch.no_grad():
        for parameter in generator.parameters():
            parameter.zero_()
    ema = make("ema", **options)
    ema.parametrize(generator, LinearDiscriminator([torch.ones(1)]))
    with torch.no_grad():
        for parameter in generator.parameters():
            parameter.fill_(1.0)
    for step in range(steps):
        ema.after_g_step(generator, StepInfo(step, steps))
    return 1 - float(next(ema.average.parameters()).flatten()[0])


def test_ema_ramp_up_leaves_the_initial_weights_behind_at_short_budgets():
    # Constant beta 0.999: 0.999 ** 300 = 74% of the average is still the initial weights.
    assert initial_share_after(300, rampup="0") == pytest.approx(0.999 ** 300, abs=1e-4)
    # StyleGAN2-ADA's ramp-up (half-life 5% of the images seen): nothing measurable is left of them.
    assert initial_share_after(300) < 1e-4
    # ...and once the run is long, beta's own half-life (693 steps) takes over again.
    from ganbench.stabilizers.ema import ramped_beta
    assert ramped_beta(0.999, 0.05, 100_000) == pytest.approx(0.999)
    assert ramped_beta(0.999, 0.05, 99) == pytest.approx(0.5 ** (1 / 5))


def test_ema_state_round_trips_through_a_weights_only_checkpoint(tmp_path):
    generator = TinyGenerator()
    ema = make("ema")
    ema.parametrize(generator, LinearDiscriminator([torch.ones(1)]))
    with torch.no_grad():
        for parameter in ema.average.parameters():
            parameter.add_(1.0)
    torch.save(ema.state_dict(), tmp_path / "ema.pt")
    restored = make("ema")
    restored.parametrize(copy.deepcopy(generator), LinearDiscriminator([torch.ones(1)]))
    restored.load_state_dict(torch.load(tmp_path / "ema.pt", weights_only=True))
    for a, b in zip(restored.average.parameters(), ema.average.parameters()):
        assert torch.equal(a, b)


def test_a_run_with_ema_samples_from_the_average_and_resumes_it_exactly(tmp_path, monkeypatch):
    config = lambda folder: tiny_config(folder, [("ema", {"beta": 0.5})], steps=8, checkpoint_every=4)
    reference = run(config(tmp_path / "reference"), show_progress=False)
    original = step_module.AdversarialStep.__call__

    def interrupt_at_step_6(self, info):
        if info.step == 6:
            raise KeyboardInterrupt
        return original(self, info)

    monkeypatch.setattr(step_module.AdversarialStep, "__call__", interrupt_at_step_6)
    with pytest.raises(KeyboardInterrupt):
        run(config(tmp_path / "resumed"), show_progress=False)
    monkeypatch.setattr(step_module.AdversarialStep, "__call__", original)
    resumed = run(config(tmp_path / "resumed"), show_progress=False)
    assert resumed.resumed_from == 4
    states = [torch.load(report.path / "checkpoints" / "last.pt", weights_only=True)
              for report in (reference, resumed)]
    averages = [state["stabilizers"]["ema"]["average"] for state in states]
    assert averages[0].keys() == states[0]["generator"].keys()
    assert all(torch.equal(averages[0][key], averages[1][key]) for key in averages[0])
    assert any(not torch.equal(averages[0][key], states[0]["generator"][key]) for key in averages[0])
    setup = prepare(config(tmp_path / "fresh"))
    assert setup.sampling_generator() is setup.stabilizers[0].average


def test_ttur_sets_the_two_learning_rates_and_explicit_rates_still_win(tmp_path):
    ttur = make("ttur")
    settings = ttur.optimizer_settings(OptimizerSettings())
    assert (settings.lr_d, settings.lr_g) == (4e-4, 1e-4)
    setup = prepare(tiny_config(tmp_path, [("ttur", {})]))
    assert setup.opt_d.param_groups[0]["lr"] == 4e-4 and setup.opt_g.param_groups[0]["lr"] == 1e-4
    overridden = optimizer_settings(tiny_config(tmp_path, [("ttur", {})], lr_g=3e-4), setup.loss, [ttur])
    assert (overridden.lr_d, overridden.lr_g) == (4e-4, 3e-4)


def test_ema_given_twice_is_refused_with_a_reason(tmp_path):
    with pytest.raises(Incompatible, match="given twice"):
        prepare(tiny_config(tmp_path, [("ema", {}), ("ema", {"beta": 0.99})]))
