"""StyleGAN2's two regularizers, lazy (Karras et al. 2020, section 3.1 and 3.2).

- R1 (Mescheder et al. 2018): gamma / 2 * E[||grad_x D(x)||^2] on real images, every 16
  D steps; ganbench's engine multiplies it by the interval, as the paper does.
- Path length regularization: for w in W and y ~ N(0, I) / sqrt(H W) (so that its effect does
  not depend on the resolution), the Jacobian-vector length ||J_w^T y|| should be constant:
  penalty = weight * E[(||J_w^T y|| - a)^2], with a the running mean of the lengths (decay
  0.01), every 4 G steps, on half the batch (the authors' code). The gradient is taken with
  respect to every layer's w and the squared norms averaged over layers.
"""

from __future__ import annotations

import math

import torch

from ganbench.api import finest, GPenaltyInputs, PenaltyInputs, squared_gradient_norm
from ganbench_stylegan2.generator import StyleGAN2Generator

PATH_LENGTH_BATCH_SHRINK = 2


def r1_penalty(inputs: PenaltyInputs, gamma: float) -> torch.Tensor:
    return gamma / 2 * squared_gradient_norm(inputs.discriminator, inputs.real, None).mean()


def path_lengths(generator: StyleGAN2Generator, batch: int) -> torch.Tensor:
    """||J_w^T y|| for ``batch`` fresh latents, one per sample, differentiable w.r.t. G's weights."""
    z = torch.randn(batch, generator.latent_dim, device=generator.w_avg.device)
    ws = generator.styles(z)
    images = generator.synthesis(ws)
    projection = torch.randn_like(images) / math.sqrt(images.shape[2] * images.shape[3])
    gradient, = torch.autograd.grad((images * projection).sum(), ws, create_graph=True)
    return gradient.square().sum(dim=2).mean(dim=1).sqrt()


def path_length_penalty(inputs: GPenaltyInputs, weight: float, decay: float) -> torch.Tensor:
    """weight * mean (length - running mean)^2; updates the running mean kept in G's buffers."""
    generator = inputs.generator
    assert isinstance(generator, StyleGAN2Generator), "path length regularization runs on StyleGAN2's generator"
    batch = max(finest(inputs.fake).shape[0] // PATH_LENGTH_BATCH_SHRINK, 1)
    lengths = path_lengths(generator, batch)
    with torch.no_grad():
        generator.pl_mean.copy_(generator.pl_mean.lerp(lengths.mean(), decay))
    return weight * (lengths - generator.pl_mean).square().mean()
