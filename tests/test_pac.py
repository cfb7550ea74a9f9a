"""PacGAN's packing: what D sees, that m = 1 trains exactly as no packing, what it refuses; and the
mlp options its networks need."""

from __future__ import annotations

import pytest
import torch

from conftest import network_parameters, train_engine_steps
from ganbench.cli import main
from ganbench.config import Choice, RunConfig
from ganbench.resolve import resolve_config
from ganbench.engine.setup import prepare
from ganbench.engine.step import AdversarialStep
from ganbench.errors import Incompatible
from ganbench.stabilizers.pac import pack, packed_spec
from ganbench.data.spec import DataSpec


def test_vectors_pack_along_their_features():
    x = torch.arange(12.0).reshape(6, 2)  # six 2-D points
    packed = pack(x, 3)
    assert packed.shape == (2, 6)
    assert packed[0].tolist() == [0, 1, 2, 3, 4, 5]  # points 0, 1, 2 side by side
    assert packed[1].tolist() == [6, 7, 8, 9, 10, 11]


def test_images_pack_along_their_channels():
    x = torch.randn(4, 3, 8, 8)
    packed = pack(x, 2)
    assert packed.shape == (2, 6, 8, 8)
    assert torch.equal(packed[1, :3], x[2]) and torch.equal(packed[1, 3:], x[3])


def test_the_packed_spec_widens_features_and_channels():
    assert packed_spec(DataSpec("ring8", "vector", (2,)), 4).shape == (8,)
    assert packed_spec(DataSpec("digits", "image", (1, 8, 8), 10), 2).shape == (2, 8, 8)


def config(stabilizers, arch=Choice("mlp", {"hidden": 16}), dataset=Choice("ring8"), **changes):
    values = dict(arch=arch, dataset=dataset, stabilizers=stabilizers, steps=3, batch_size=8, latent_dim=4,
                  device="cpu", evaluators=[], seed=3)
    values.update(changes)
    return resolve_config(RunConfig(**values))


def test_pac_with_m_1_trains_bit_identically_to_no_packing():
    plain = network_parameters(train_engine_steps(config([])))
    packed = network_parameters(train_engine_steps(config([Choice("pac", {"m": 1})])))
    assert plain.keys() == packed.keys()
    changed = [name for name in plain if not torch.equal(plain[name], packed[name])]
    assert changed == []


def test_the_mlp_discriminator_is_widened_for_packs_and_gives_one_logit_per_pack():
    setup = train_engine_steps(config([Choice("pac", {"m": 2})]), steps=1)
    first = setup.discriminator.body[1]
    assert first.in_features == 4  # two 2-D points
    assert setup.generator.net[-3].out_features == 2  # G still makes single points
    assert AdversarialStep(setup).base_targets.real.shape == (4,)  # batch 8 in packs of 2


def test_a_convolutional_discriminator_is_widened_along_channels():
    setup = train_engine_steps(config([Choice("pac", {"m": 2})], arch=Choice("dcgan", {"base_channels": 8}),
                               dataset=Choice("digits"), resolution=8), steps=1)
    first_conv = next(m for m in setup.discriminator.modules() if isinstance(m, torch.nn.Conv2d))
    assert first_conv.in_channels == 2
    fake = setup.generator(torch.randn(8, 4))
    assert setup.discriminator(pack(fake, 2)).logits.shape == (4,)


def test_a_batch_that_packs_do_not_divide_is_refused():
    with pytest.raises(Incompatible, match="multiple of 3"):
        prepare(config([Choice("pac", {"m": 3})]))


def test_the_refusal_is_one_sentence_and_exit_status_2(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--arch", "mlp", "--dataset", "ring8", "--steps", "2", "--batch-size", "9",
              "--stabilizer", "pac", "--results-dir", str(tmp_path), "--quiet"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "multiple of 2" in err and "Traceback" not in err


def test_pac_refuses_a_consistency_penalty_that_transforms_packs_itself():
    with pytest.raises(Incompatible, match="mix the samples of a pack"):
        prepare(config([Choice("pac", {"m": 2}), Choice("cr")], arch=Choice("dcgan", {"base_channels": 8}),
                       dataset=Choice("digits"), resolution=8))


def test_pacgans_networks_build_from_mlp_options():
    setup = prepare(config([], arch=Choice("mlp", {"g_hidden": 400, "g_layers": 4, "d_hidden": 200,
                                                     "d_layers": 3, "d_maxout": 5, "output": "linear"})))
    g_linears = [m for m in setup.generator.modules() if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in g_linears] == [400, 400, 400, 400, 2]
    maxouts = [m for m in setup.discriminator.body if type(m).__name__ == "Maxout"]
    assert [(m.linear.out_features, m.pieces) for m in maxouts] == [(1000, 5)] * 3
    assert setup.discriminator(torch.randn(5, 2)).logits.shape == (5,)


def test_maxout_takes_the_largest_piece():
    from ganbench_dcgan.mlp import Maxout
    unit = Maxout(1, 1, 3)
    with torch.no_grad():
        unit.linear.weight.copy_(torch.tensor([[1.0], [-1.0], [0.0]]))
        unit.linear.bias.copy_(torch.tensor([0.0, 0.0, 0.5]))
    assert unit(torch.tensor([[2.0], [-2.0], [0.1]])).flatten().tolist() == [2.0, 2.0, 0.5]


def test_the_new_mlp_options_at_their_defaults_leave_the_run_id_unchanged():
    plain = config([])
    assert set(plain.arch.options) == {"hidden", "layers", "output", "g_activation"}
    explicit = config([], arch=Choice("mlp", {"hidden": 16, "d_maxout": 1, "g_layers": 0}))
    assert explicit.run_id == plain.run_id
    assert config([], arch=Choice("mlp", {"hidden": 16, "d_maxout": 2})).run_id != plain.run_id
