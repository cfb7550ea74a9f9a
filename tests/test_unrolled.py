"""The unrolled GAN's lookahead: G's gradient through one Adam step of D equals a hand-written one,
D is left untouched, k = 0 trains exactly as the plain step, and what it cannot follow is refused."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from conftest import network_parameters, train_engine_steps
from ganbench.plugin_host import plugins
from ganbench.contracts.architecture import Discriminator, DOutput
from ganbench.config import Choice, RunConfig
from ganbench.resolve import resolve_config
from ganbench.engine.setup import prepare
from ganbench.errors import Incompatible
from ganbench.contracts.loss import Targets
from ganbench.contracts.stabilizer import CriticInputs, StepInfo

LR, BETAS, EPS = 0.05, (0.5, 0.999), 1e-8


class LinearD(Discriminator):
    """D(x) = x . w + c."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor([0.3, -0.2], dtype=torch.float64))
        self.c = nn.Parameter(torch.tensor(0.1, dtype=torch.float64))

    def features(self, x, y):
        return (x * self.w).sum(dim=1, keepdim=True)

    def head(self, h, y):
        return DOutput(h.squeeze(1) + self.c)


def trained_d_and_optimizer():
    """A D whose Adam has taken three steps, so the lookahead starts from non-zero moments."""
    torch.manual_seed(0)
    discriminator = LinearD()
    optimizer = torch.optim.Adam(discriminator.parameters(), lr=LR, betas=BETAS, eps=EPS)
    for _ in range(3):
        optimizer.zero_grad()
        discriminator(torch.randn(6, 2, dtype=torch.float64)).logits.pow(2).mean().backward()
        optimizer.step()
    return discriminator, optimizer


def hand_written_g_gradient(discriminator, optimizer, real, a, b, z):
    """G's non-saturating loss against D after one Adam step on the BCE D loss, all written out."""
    fake = z * a + b
    w, c = discriminator.w.detach(), discriminator.c.detach()
    score_real, score_fake = real @ w + c, fake @ w + c
    # dL_D/dw and dL_D/dc of mean softplus(-s_real) + mean softplus(s_fake)
    grad_w = (-torch.sigmoid(-score_real)[:, None] * real).mean(0) + (torch.sigmoid(score_fake)[:, None] * fake).mean(0)
    grad_c = -torch.sigmoid(-score_real).mean() + torch.sigmoid(score_fake).mean()
    updated = []
    for parameter, value, gradient in ((discriminator.w, w, grad_w), (discriminator.c, c, grad_c)):
        state = optimizer.state[parameter]
        step = float(state["step"]) + 1
        m = BETAS[0] * state["exp_avg"] + (1 - BETAS[0]) * gradient
        v = BETAS[1] * state["exp_avg_sq"] + (1 - BETAS[1]) * gradient ** 2
        updated.append(value - LR * (m / (1 - BETAS[0] ** step)) / ((v / (1 - BETAS[1] ** step)).sqrt() + EPS))
    w1, c1 = updated
    g_loss = F.softplus(-(fake @ w1 + c1)).mean()
    return torch.autograd.grad(g_loss, [a, b])


def engine_g_gradient(k, discriminator, optimizer, real, a, b, z):
    unrolled = plugins.registry().create("stabilizer", "unrolled", {"k": k})
    loss = plugins.registry().create("loss", "bce", {})
    fake = z * a + b
    targets = Targets(real=torch.ones(len(real), dtype=torch.float64), fake=torch.zeros(len(fake), dtype=torch.float64))
    critic = unrolled.g_critic(CriticInputs(discriminator, optimizer, loss, targets, real, None, fake, None),
                               StepInfo(0, 1)) or discriminator
    g_loss = loss.g_loss(critic(fake, None).logits, targets)
    return torch.autograd.grad(g_loss, [a, b])


def g_problem():
    torch.manual_seed(1)
    real = torch.randn(5, 2, dtype=torch.float64)
    a = torch.tensor([0.7, -0.4], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.1, 0.2], dtype=torch.float64, requires_grad=True)
    z = torch.randn(5, 1, dtype=torch.float64)
    return real, a, b, z


def test_g_gradient_through_a_one_step_unroll_equals_the_hand_written_one():
    discriminator, optimizer = trained_d_and_optimizer()
    real, a, b, z = g_problem()
    expected = hand_written_g_gradient(discriminator, optimizer, real, a, b, z)
    got = engine_g_gradient(1, discriminator, optimizer, real, a, b, z)
    plain = engine_g_gradient(0, discriminator, optimizer, real, a, b, z)
    for mine, theirs, without in zip(got, expected, plain):
        # D's logits reach the loss in float32, as in the engine: agreement to float32 precision.
        torch.testing.assert_close(mine, theirs, rtol=1e-6, atol=1e-9)
        assert (mine - without).abs().max() > 1e-3  # the lookahead changed G's gradient


def test_the_lookahead_leaves_d_and_its_optimizer_as_they_were():
    discriminator, optimizer = trained_d_and_optimizer()
    before = {name: p.detach().clone() for name, p in discriminator.named_parameters()}
    moments = [optimizer.state[p]["exp_avg"].clone() for p in discriminator.parameters()]
    grads = [p.grad.clone() for p in discriminator.parameters()]
    engine_g_gradient(3, discriminator, optimizer, *g_problem())
    assert all(torch.equal(before[name], p) for name, p in discriminator.named_parameters())
    assert all(torch.equal(m, optimizer.state[p]["exp_avg"]) for m, p in zip(moments, discriminator.parameters()))
    assert all(torch.equal(g, p.grad) for g, p in zip(grads, discriminator.parameters()))  # no gradient reached D


def config(stabilizers, **changes):
    values = dict(arch=Choice("mlp", {"hidden": 16}), dataset=Choice("ring8"), stabilizers=stabilizers, steps=3,
                  batch_size=8, latent_dim=4, device="cpu", evaluators=[], seed=5)
    values.update(changes)
    return resolve_config(RunConfig(**values))


def trained_parameters(run_config, steps=3):
    return network_parameters(train_engine_steps(run_config, steps))


def test_k_0_trains_bit_identically_to_the_plain_step():
    plain = trained_parameters(config([]))
    unrolled = trained_parameters(config([Choice("unrolled", {"k": 0})]))
    assert [name for name in plain if not torch.equal(plain[name], unrolled[name])] == []


def test_k_2_trains_g_differently_and_d_alike_at_the_first_step():
    plain = trained_parameters(config([]), steps=1)
    unrolled = trained_parameters(config([Choice("unrolled", {"k": 2})]), steps=1)
    # D's update comes before G's, so D is the same; G followed the lookahead.
    assert all(torch.equal(plain[name], unrolled[name]) for name in plain if name.startswith("d."))
    assert any(not torch.equal(plain[name], unrolled[name]) for name in plain if name.startswith("g."))


@pytest.mark.parametrize("stabilizers, loss, match", [
    ([Choice("unrolled"), Choice("spectral-norm")], "bce", "reparametrised"),
    ([Choice("unrolled"), Choice("r1")], "bce", "penalty"),
    ([Choice("unrolled")], "wgan-gp", "penalty"),
])
def test_what_the_lookahead_cannot_follow_is_refused_in_one_sentence(stabilizers, loss, match):
    with pytest.raises(Incompatible, match=match) as error:
        prepare(config(stabilizers, loss=Choice(loss)))
    assert str(error.value).count(". ") == 0
