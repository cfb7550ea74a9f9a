"""What the stylegan2 architecture promises: demodulation, style mixing, truncation, noise,
minibatch-std in D, lazy R1 and path length regularization at their intervals, refusals of the
stabilizers it applies itself, and the ganbench contract with every loss and stabilizer."""

import tomllib
from pathlib import Path

import pluggy
import pytest
import torch

import ganbench_stylegan2
from ganbench import testing
from ganbench.plugin_host import hookspecs  # testing: also the kit's inner helpers (TinyRun, train_briefly)
from ganbench.api import BuildRequest, ConfigError, DataSpec, Incompatible, Neck, StepInfo
from ganbench.config import Choice, RunConfig
from ganbench.engine.setup import prepare
from ganbench.engine.step import SCALARS, AdversarialStep
from ganbench_stylegan2.generator import modulated_conv2d
from ganbench_stylegan2.stylegan2 import StyleGAN2

TINY = {"channel_max": 8, "w_dim": 16, "mapping_layers": 2}
LATENT = 8
STABILIZERS = ("label-smoothing", "label-flip", "instance-noise", "dropout", "d-noise", "minibatch-std",
               "spectral-norm", "ema", "r1", "ttur")
APPLIED_ITSELF = {"minibatch-std": {"mbstd_group": 0}, "r1": {"r1_gamma": 0.0}, "spectral-norm": None}


def image_spec(resolution: int = 16, channels: int = 3) -> DataSpec:
    return DataSpec("test-images", "image", (channels, resolution, resolution))


def build(options: dict | None = None, spec: DataSpec | None = None, neck: Neck | None = None):
    spec = spec or image_spec()
    architecture = StyleGAN2.with_options(TINY if options is None else {**TINY, **options})
    architecture.check(spec)
    return architecture.build(BuildRequest(spec, LATENT, neck if neck is not None else Neck()))


def train_or_refuse(stabilizer: str, options: dict) -> str:
    """'trained' after a 1-step run with the stabilizer, or 'refused' (with a one-sentence reason)."""
    tiny = testing.TinyRun(arch=Choice("stylegan2", options), stabilizers=[Choice(stabilizer)],
                           dataset=testing.data_choice(image_spec(16, 1)), steps=1, resolution=16)
    with testing.temporarily_registered(StyleGAN2, testing.ContractData):
        if testing.refused_before_training(tiny):
            return "refused"
        testing.train_briefly(tiny)
        return "trained"


# The ganbench contract

def test_stylegan2_keeps_the_contract_with_every_loss_it_accepts():
    specs = [image_spec(16, 3), image_spec(12), DataSpec("v", "vector", (2,))]
    testing.check_architecture(StyleGAN2, specs=specs, losses=("bce", "lsgan", "hinge", "wgan-gp"), steps=2, **TINY)


@pytest.mark.parametrize("stabilizer", STABILIZERS)
def test_every_builtin_stabilizer_trains_unless_the_architecture_applies_it_itself(stabilizer):
    if stabilizer not in APPLIED_ITSELF:
        assert train_or_refuse(stabilizer, TINY) == "trained"
        return
    assert train_or_refuse(stabilizer, TINY) == "refused"
    turned_off = APPLIED_ITSELF[stabilizer]
    if turned_off is not None:  # with the architecture's own turned off, the stabilizer takes its place
        assert train_or_refuse(stabilizer, {**TINY, **turned_off}) == "trained"


def test_each_refusal_says_which_option_turns_the_architectures_own_off():
    from ganbench.stabilizers.minibatch_std import MinibatchStd
    from ganbench.stabilizers.r1 import R1
    with pytest.raises(Incompatible, match="set mbstd_group=0"):
        StyleGAN2().check_stabilizers([MinibatchStd()])
    with pytest.raises(Incompatible, match="set r1_gamma=0"):
        StyleGAN2().check_stabilizers([R1()])


# Modulation and demodulation (section 2.2)

def test_demodulation_gives_unit_variance_output_for_unit_variance_input():
    torch.manual_seed(0)
    x = torch.randn(4, 64, 16, 16)
    weight = torch.randn(32, 64, 3, 3)
    styles = torch.rand(4, 64) * 3 + 0.1  # very different per-channel scales
    out = modulated_conv2d(x, weight, styles, demodulate=True)[:, :, 1:-1, 1:-1]  # away from the zero padding
    assert out.var().item() == pytest.approx(1.0, abs=0.05)
    for sample in out:  # each sample on its own, whatever its style
        assert sample.var().item() == pytest.approx(1.0, abs=0.1)
    plain = modulated_conv2d(x, weight, styles, demodulate=False)[:, :, 1:-1, 1:-1]
    assert plain.var().item() > 10


def test_modulation_scales_each_input_channel_of_each_sample_by_its_style():
    x, weight = torch.randn(2, 4, 8, 8), torch.randn(5, 4, 3, 3)
    styles = torch.rand(2, 4) + 0.5
    expected = torch.nn.functional.conv2d(x * styles[:, :, None, None], weight, padding=1)
    assert torch.allclose(modulated_conv2d(x, weight, styles, demodulate=False), expected, atol=1e-4)


# Mapping, style mixing, truncation and noise

def test_style_mixing_swaps_the_w_of_later_layers_with_its_probability():
    generator, _ = build({"style_mixing": 1.0})
    ws = generator.styles(torch.randn(4, LATENT))
    layers_equal_to_first = (ws == ws[:, :1]).all(dim=2).all(dim=0)
    assert layers_equal_to_first[0] and not layers_equal_to_first.all()  # a cutoff in 1..num_ws-1
    generator, _ = build({"style_mixing": 0.0})
    ws = generator.styles(torch.randn(4, LATENT))
    assert torch.equal(ws, ws[:, :1].expand_as(ws))
    assert StyleGAN2.Options().style_mixing == 0.9


def test_truncation_psi_zero_gives_the_mean_w_image_for_every_z():
    generator, _ = build({"truncation_psi": 0.0})
    generator.train()(torch.randn(16, LATENT))  # training tracks the mean w
    assert generator.w_avg.abs().sum() > 0
    generator.eval()
    images = []
    for z in (torch.randn(2, LATENT), torch.randn(2, LATENT) * 3):
        torch.manual_seed(7)  # the same noise inputs
        images.append(generator(z))
    torch.manual_seed(7)
    mean_w_image = generator.synthesis(generator.w_avg.expand(2, generator.num_ws, -1))
    assert torch.allclose(images[0], images[1], atol=1e-5) and torch.allclose(images[0], mean_w_image, atol=1e-5)


def test_truncation_acts_only_when_sampling():
    generator, _ = build({"truncation_psi": 0.5, "style_mixing": 0.0})
    z = torch.randn(2, LATENT)
    generator.train()
    untruncated = generator.styles(z)
    generator.eval()
    assert torch.allclose(generator.styles(z), generator.w_avg.lerp(untruncated, 0.5), atol=1e-5)


def test_noise_inputs_change_the_image_once_their_strength_is_learned():
    generator, _ = build()
    generator.eval()
    z = torch.randn(2, LATENT)
    assert torch.allclose(generator(z), generator(z))  # strengths start at 0
    for layer in [generator.synthesis.first_conv, *generator.synthesis.convs]:
        layer.noise_strength.data.fill_(0.5)
    assert not torch.allclose(generator(z), generator(z))


def test_skip_generator_sums_an_rgb_image_from_every_resolution():
    generator, _ = build()
    assert len(generator.synthesis.rgbs) + 1 == 3  # 4, 8, 16 px
    assert generator.num_ws == 6
    assert generator.synthesis.const.shape == (8, 4, 4)


def test_default_widths_and_mapping_are_config_fs():
    architecture = StyleGAN2()
    assert [architecture.channels(side) for side in (4, 32, 64, 128)] == [512, 512, 512, 256]
    generator, _ = StyleGAN2().build(BuildRequest(image_spec(32), 512, Neck()))
    assert len(generator.mapping.net) == 2 * 8


# The discriminator

def test_discriminator_applies_minibatch_std_in_its_head_after_the_neck(channel_adding_neck):
    _, discriminator = build(neck=channel_adding_neck)
    x = torch.randn(4, 3, 16, 16)
    assert discriminator.features(x, None).shape == (4, 8, 4, 4)
    assert discriminator.conv[0].weight.shape[1] == 8 + 1 + 1  # features, the neck's channel, the group std
    logits = discriminator(x).logits
    assert channel_adding_neck[0].calls == 1
    # Minibatch-std: a sample's logit depends on the others in its group.
    changed = x.clone()
    changed[1:] *= 3
    assert not torch.allclose(discriminator(changed).logits[0], logits[0])
    _, plain = build({"mbstd_group": 0})
    assert torch.allclose(plain(changed).logits[0], plain(x).logits[0])


# Lazy R1 and path length regularization

def test_penalties_have_the_papers_weights_and_intervals():
    r1, path_length = StyleGAN2().penalties(image_spec(32))
    assert (r1.name, r1.interval, r1.target) == ("r1", 16, "discriminator")
    assert (path_length.name, path_length.interval, path_length.target) == ("path-length", 4, "generator")
    assert StyleGAN2().r1_gamma(32) == pytest.approx(0.0002 * 32 ** 2 / 64)
    assert StyleGAN2.with_options({"r1_gamma": 0, "pl_weight": 0}).penalties(image_spec(32)) == []


def test_r1_and_path_length_run_at_their_intervals_in_the_engine():
    options = {**TINY, "r1_interval": 3, "pl_interval": 2, "r1_gamma": 1.0}
    with testing.temporarily_registered(StyleGAN2, testing.ContractData):
        setup = prepare(RunConfig(arch=Choice("stylegan2", options), dataset=testing.data_choice(image_spec(16, 1)),
                                  resolution=16, batch_size=8, latent_dim=LATENT, device="cpu", evaluators=[]))
    calls = {"r1": [], "path-length": []}
    for penalty in setup.penalties:
        compute = penalty.compute
        penalty.compute = lambda inputs, name=penalty.name, compute=compute: calls[name].append(inputs.step) or compute(inputs)
    step = AdversarialStep(setup)
    penalties_logged = [step(StepInfo(s, 6))[SCALARS.index("d_penalty")].item() for s in range(6)]
    assert calls == {"r1": [0, 3], "path-length": [0, 2, 4]}
    assert [value > 0 for value in penalties_logged] == [True, False, False, True, False, False]
    assert setup.generator.pl_mean.item() > 0  # the running target moved from 0


def test_path_length_penalty_sends_gradient_to_the_mapping_and_synthesis():
    from ganbench.api import DOutput
    from ganbench.api import GPenaltyInputs
    from ganbench_stylegan2.regularization import path_length_penalty
    generator, discriminator = build()
    fake = torch.zeros(8, 3, 16, 16)
    inputs = GPenaltyInputs(generator, discriminator, torch.zeros(8, 8), None, fake, DOutput(torch.zeros(8)), 0)
    path_length_penalty(inputs, weight=2.0, decay=0.01).backward()
    assert generator.mapping.net[0].weight.grad.abs().sum() > 0
    assert generator.synthesis.convs[-1].weight.grad.abs().sum() > 0


# Refusals, options and the plugin

@pytest.mark.parametrize("spec, words", [(image_spec(12), "power of two"), (image_spec(4), "at least 8"),
                                          (DataSpec("ring8", "vector", (2,)), "vector")])
def test_data_it_cannot_build_is_refused(spec, words):
    with pytest.raises(Incompatible, match=words):
        StyleGAN2().check(spec)


def test_conditional_requests_are_refused():
    with pytest.raises(Incompatible, match="unconditional"):
        StyleGAN2().build(BuildRequest(DataSpec("d", "image", (1, 16, 16), 10), LATENT, Neck(), conditional=True))


def test_options_from_strings_and_bad_values():
    assert StyleGAN2.with_options({"truncation_psi": "0.7", "r1_gamma": "none"}).options.truncation_psi == 0.7
    for bad in ({"style_mixing": 1.5}, {"mbstd_group": 1}, {"channel_max": 0}):
        with pytest.raises(ConfigError):
            StyleGAN2.with_options(bad)


def test_pyproject_entry_point_and_registration_through_the_hook():
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"]["ganbench"] == {"stylegan2": "ganbench_stylegan2"}
    manager = pluggy.PluginManager("ganbench")
    manager.add_hookspecs(hookspecs)
    manager.register(ganbench_stylegan2)
    registered: list[type] = []
    manager.hook.register_architectures(register=registered.append)
    assert registered == [StyleGAN2]
    assert "Karras et al. 2020" in StyleGAN2.description and "applies minibatch-std, lazy R1" in StyleGAN2.description
