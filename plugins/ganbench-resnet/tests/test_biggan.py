"""What the biggan architecture promises: class conditioning through a shared embedding and
hierarchical z, a projection discriminator, self-attention, orthogonal init, spectral norm in G
and D, refusal of unlabelled data, and the ganbench contract with every loss and stabilizer."""

import pytest
import torch
from torch import nn

from ganbench import testing  # also the kit's inner helpers (TinyRun, train_briefly)
from ganbench.api import BuildRequest, DataSpec, Incompatible, Neck
from ganbench.config import Choice, RunConfig
from ganbench.engine.setup import prepare
from ganbench.stabilizers.spectral_norm import SpectralNorm
from ganbench_resnet.biggan import BigGAN, ConditionalBatchNorm
from ganbench_resnet.self_attention import SelfAttention
from ganbench_resnet.weights import is_spectrally_normalised

TINY = {"g_channels": 1, "d_channels": 1}  # 4 ch = 4 channels at 32 px
LATENT = 16
CLASSES = 10
STABILIZERS = ("label-smoothing", "label-flip", "instance-noise", "dropout", "d-noise", "minibatch-std",
               "spectral-norm", "ema", "r1", "ttur")


def labelled_spec(resolution: int = 32, channels: int = 3) -> DataSpec:
    return DataSpec("test-digits", "image", (channels, resolution, resolution), num_classes=CLASSES)


def build(spec: DataSpec | None = None, options: dict | None = None, neck: Neck | None = None):
    spec = spec or labelled_spec()
    architecture = BigGAN.with_options(TINY if options is None else options)
    architecture.check(spec)
    return architecture.build(BuildRequest(spec, LATENT, neck if neck is not None else Neck(), True, True))


def labels(*values: int) -> torch.Tensor:
    return torch.tensor(values)


def train_or_refuse(stabilizer: str) -> str:
    """'trained' after a 1-step run with the stabilizer, or 'refused' (with a one-sentence reason)."""
    tiny = testing.TinyRun(arch=Choice("biggan", TINY), stabilizers=[Choice(stabilizer)],
                           dataset=testing.data_choice(labelled_spec(32, 1)), steps=1, resolution=32)
    with testing.temporarily_registered(BigGAN, testing.ContractData):
        if testing.refused_before_training(tiny):
            return "refused"
        testing.train_briefly(tiny)
        return "trained"


# The ganbench contract

def test_biggan_keeps_the_contract_with_every_loss_it_accepts():
    # One spec it serves (each loss trains on it) and two it refuses with a sentence.
    specs = [labelled_spec(32, 3), DataSpec("plain", "image", (3, 32, 32)), DataSpec("ring8", "vector", (2,))]
    testing.check_architecture(BigGAN, specs=specs, losses=("bce", "lsgan", "hinge", "wgan-gp"), steps=2, **TINY)


@pytest.mark.parametrize("stabilizer", STABILIZERS)
def test_biggan_trains_with_every_builtin_stabilizer_but_spectral_norm_which_it_applies_itself(stabilizer):
    assert train_or_refuse(stabilizer) == ("refused" if stabilizer == "spectral-norm" else "trained")
    if stabilizer == "spectral-norm":
        with pytest.raises(Incompatible, match="already applies spectral norm"):
            BigGAN().check_stabilizers([SpectralNorm()])


# Refusing unlabelled data

@pytest.mark.parametrize("spec", [DataSpec("ring8", "vector", (2,)), DataSpec("celeba", "image", (3, 32, 32))])
def test_unlabelled_data_is_refused_with_one_sentence_that_points_to_resnet(spec):
    with pytest.raises(Incompatible) as refusal:
        BigGAN().check(spec)
    message = str(refusal.value)
    assert "class-conditional" in message and "use resnet" in message
    testing.assert_sentence(message, "the refusal")


def test_a_run_on_ring8_is_refused_before_anything_is_built():
    config = RunConfig(arch=Choice("biggan", TINY), dataset=Choice("ring8"), device="cpu")
    with pytest.raises(Incompatible, match="'ring8' has no class labels"):
        prepare(config)


# The projection discriminator (Miyato & Koyama 2018)

def test_the_projection_term_depends_on_the_label_and_is_the_only_part_that_does():
    _, discriminator = build()
    discriminator.eval()
    x = torch.randn(2, 3, 32, 32)
    h = discriminator.features(x, None)
    for y in (labels(0, 1), labels(2, 3)):
        unconditional = discriminator.linear(h).squeeze(1)
        projection = (discriminator.embed(y) * h).sum(dim=1)
        assert torch.allclose(discriminator(x, y).logits, unconditional + projection, atol=1e-4)
    assert not torch.allclose(discriminator(x, labels(0, 1)).logits, discriminator(x, labels(2, 3)).logits)


def test_the_class_embedding_is_sized_for_a_neck_that_adds_a_feature(channel_adding_neck):
    generator, discriminator = build(neck=channel_adding_neck)
    y = labels(1, 2)
    assert discriminator(generator(torch.randn(2, LATENT), y), y).logits.shape == (2,)
    assert discriminator.embed.embedding_dim == discriminator.linear.in_features == 4 + 1


# The generator's conditioning

def test_conditional_batch_norm_gains_and_biases_come_from_shared_embedding_and_z_chunk():
    generator, _ = build()
    norms = [m for m in generator.modules() if isinstance(m, ConditionalBatchNorm)]
    assert len(norms) == 2 * 3  # two per up-block
    chunk = LATENT // 4  # 4 chunks at 32 px: the projection and three blocks
    assert {norm.gain.in_features for norm in norms} == {128 + chunk}
    assert not any(isinstance(m, nn.BatchNorm2d) and m.affine for block in generator.layers for m in block.modules())


def test_each_block_sees_the_label_and_its_own_chunk_of_z():
    generator, _ = build()
    generator.eval()
    z = torch.randn(2, LATENT)
    base = generator(z, labels(0, 0))
    assert not torch.allclose(base, generator(z, labels(1, 1)))
    last_chunk = z.clone()
    last_chunk[:, -LATENT // 4:] += 1.0  # only the last block's chunk
    assert not torch.allclose(base, generator(last_chunk, labels(0, 0)))


def test_the_generator_refuses_to_run_without_labels():
    generator, _ = build()
    with pytest.raises(ValueError, match="need labels"):
        generator(torch.randn(2, LATENT))


# Self-attention, initialisation and spectral norm

def test_self_attention_sits_at_half_the_image_side_and_starts_as_the_identity():
    generator, discriminator = build()
    g_attention = [m for m in generator.layers if isinstance(m, SelfAttention)]
    d_attention = [m for m in discriminator.layers if isinstance(m, SelfAttention)]
    assert len(g_attention) == len(d_attention) == 1
    x = torch.randn(2, 4, 16, 16)  # 16 px maps: half of 32
    assert torch.equal(g_attention[0](x), x)
    g_attention[0].gamma.data.fill_(1.0)
    assert not torch.allclose(g_attention[0](x), x)


def test_attention_can_move_or_be_switched_off_and_impossible_sides_are_refused():
    generator, _ = build(options={**TINY, "attention_resolution": 8})
    assert generator.layers[1].__class__ is SelfAttention  # after the 4 -> 8 block
    generator, discriminator = build(options={**TINY, "attention_resolution": 0})
    assert not any(isinstance(m, SelfAttention) for m in [*generator.modules(), *discriminator.modules()])
    with pytest.raises(Incompatible, match="8, 16 px"):
        BigGAN.with_options({"attention_resolution": 32}).check(labelled_spec())


def test_spectral_norm_on_every_layer_of_g_and_d_except_gs_shared_embedding():
    generator, discriminator = build()
    for net, kinds in ((generator, (nn.Conv2d, nn.Linear)), (discriminator, (nn.Conv2d, nn.Linear, nn.Embedding))):
        layers = [m for m in net.modules() if isinstance(m, kinds)]
        assert layers and all(is_spectrally_normalised(layer) for layer in layers)
    assert not is_spectrally_normalised(generator.shared)


def test_weights_start_orthogonal():
    generator, _ = build(options={"g_channels": 4})
    weight = generator.shared.weight  # 10 x 128, unnormalised: rows orthonormal
    assert torch.allclose(weight @ weight.T, torch.eye(CLASSES), atol=1e-5)
    raw = generator.project.parametrizations.weight.original  # before spectral norm
    rows, cols = raw.shape
    gram = raw.T @ raw if rows > cols else raw @ raw.T
    assert torch.allclose(gram, torch.eye(min(rows, cols)), atol=1e-4)


def test_default_widths_are_the_papers():
    architecture = BigGAN()
    assert architecture.widths(32) == ([256] * 4, [(256, True), (256, True), (256, False), (256, False)])
    g_widths, d_plan = architecture.widths(128)
    assert g_widths == [1536, 1536, 768, 384, 192, 96]
    assert [width for width, _ in d_plan] == [96, 192, 384, 768, 1536, 1536]
