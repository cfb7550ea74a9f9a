"""msg is dcgan plus multi-scale links, by construction: with its links taken away, msg has
dcgan's layers (names and shapes) and dcgan's initial weights for the same seed and options, and
with its links silenced it computes what dcgan computes."""

import pytest
import torch

from ganbench.api import BuildRequest, DataSpec, Neck
from ganbench.api.testing import AppendOnesChannel
from ganbench_dcgan.dcgan import DCGAN
from ganbench_msg.msg import MSG

LATENT = 16
BATCH = 3
SPEC = DataSpec("test-images", "image", (3, 32, 32))
SEED = 7
# The multi-scale links: G's images at the hidden sides; D's combiners and the layers that read
# what they inject.
G_LINKS = {"to_rgb"}
D_LINKS = {"injections", "injected_into_blocks", "injected_into_logit"}


def built_with_seed(architecture_cls, options: dict, batch_norm_in_d: bool = True, neck: Neck | None = None):
    torch.manual_seed(SEED)
    request = BuildRequest(SPEC, LATENT, neck if neck is not None else Neck(), batch_norm_in_d, conditional=False)
    return architecture_cls.with_options(options).build(request)


def without_links(net: torch.nn.Module, links: set[str]) -> dict[str, torch.Tensor]:
    """The net's parameters and buffers, less those of the top-level modules named in ``links``."""
    return {name: value for name, value in net.state_dict().items() if name.split(".")[0] not in links}


def top_level_names(net: torch.nn.Module) -> set[str]:
    return {name for name, _ in net.named_children()}


@pytest.mark.parametrize("shared_options, msg_options, batch_norm_in_d", [
    ({}, {}, True),  # msg's default combine (cat), batch norm
    ({}, {"combine": "lin-cat", "injection": 0.5}, False),  # a learned injection; layer norm for a gradient penalty
    ({"d_norm": "none"}, {"combine": "cat-lin"}, True),
], ids=["cat-batch", "lin-cat-layer", "cat-lin-none"])
def test_msg_less_its_links_has_dcgans_layers_and_initial_weights(shared_options, msg_options, batch_norm_in_d):
    shared = {"base_channels": 8, "max_channels": 16, **shared_options}
    msg_nets = built_with_seed(MSG, {**shared, **msg_options}, batch_norm_in_d)
    dcgan_nets = built_with_seed(DCGAN, shared, batch_norm_in_d)
    for msg_net, dcgan_net, links in zip(msg_nets, dcgan_nets, (G_LINKS, D_LINKS)):
        # The links are there, and they are all that msg has beyond dcgan.
        assert top_level_names(msg_net) - top_level_names(dcgan_net) == links
        trunk, reference = without_links(msg_net, links), dcgan_net.state_dict()
        assert {name: tuple(value.shape) for name, value in trunk.items()} == {
            name: tuple(value.shape) for name, value in reference.items()}
        different = [name for name in reference if not torch.equal(trunk[name], reference[name])]
        assert not different, f"msg's initial weights differ from dcgan's in {different}"


def test_msg_finest_image_is_dcgans_image():
    msg_generator, _ = built_with_seed(MSG, {"base_channels": 8})
    dcgan_generator, _ = built_with_seed(DCGAN, {"base_channels": 8})
    z = torch.randn(BATCH, LATENT)
    assert torch.equal(msg_generator(z)[-1], dcgan_generator(z))


@pytest.mark.parametrize("combine", ["cat", "lin-cat"])  # combiners that pass the features on unchanged
def test_with_its_injections_silenced_msgs_discriminator_computes_dcgans_logits(combine):
    # A neck that adds a channel, as minibatch-std does: dcgan's head must still read what it reads in dcgan.
    _, msg_discriminator = built_with_seed(MSG, {"base_channels": 8, "combine": combine}, neck=Neck(AppendOnesChannel()))
    _, dcgan_discriminator = built_with_seed(DCGAN, {"base_channels": 8}, neck=Neck(AppendOnesChannel()))
    with torch.no_grad():
        for link in (*msg_discriminator.injected_into_blocks, msg_discriminator.injected_into_logit):
            link.weight.zero_()
    pyramid = msg_discriminator.prepare_real(torch.rand(BATCH, *SPEC.shape) * 2 - 1)
    expected = dcgan_discriminator(pyramid[-1]).logits
    assert torch.allclose(msg_discriminator(pyramid).logits, expected, atol=1e-6)
    # and the links matter once they carry weight: the coarse images change the logits.
    with torch.no_grad():
        msg_discriminator.injected_into_logit.weight.fill_(0.1)
    assert not torch.allclose(msg_discriminator(pyramid).logits, expected, atol=1e-6)
