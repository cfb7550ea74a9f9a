"""The gradient penalty of Gulrajani, Ahmed, Arjovsky, Dumoulin & Courville (2017), "Improved
Training of Wasserstein GANs", NeurIPS 2017, Algorithm 1:

    x_hat = alpha * x_real + (1 - alpha) * x_fake,   alpha ~ U[0, 1], one alpha per sample
    penalty = lambda * E[(||grad_x_hat D(x_hat)||_2 - 1)^2]

The penalty enforces the critic's 1-Lipschitz constraint softly, along straight lines between
pairs of real and generated samples. ``alpha`` is one number per sample, not per pixel: a
per-pixel alpha would put x_hat off the segment between the pair.

For a multi-scale critic (MSG-GAN) a sample is the list of its scales: every scale of a pair is
interpolated with the same alpha, so x_hat is one point on the segment between the two lists,
and the gradient norm is taken over all scales together.
"""

from __future__ import annotations

import torch

from ganbench.api import Discriminator, Images

# Keeps the square root differentiable where a critic is locally flat (a zero gradient).
NORM_EPSILON = 1e-12


def scales_of(images: Images) -> list[torch.Tensor]:
    """The scales of a batch: a one-element list for a single-scale batch."""
    return list(images) if isinstance(images, (list, tuple)) else [images]


def draw_alpha(real: Images) -> torch.Tensor:
    """One U[0, 1) coefficient per sample, shaped (B, 1, ..., 1) to broadcast over one sample of
    the finest scale: (B, 1, 1, 1) for images, (B, 1) for vectors."""
    finest = scales_of(real)[-1]
    shape = (finest.shape[0],) + (1,) * (finest.dim() - 1)
    return torch.rand(shape, device=finest.device, dtype=torch.float32)


def interpolate(real: Images, fake: Images, alpha: torch.Tensor) -> Images:
    """alpha * real + (1 - alpha) * fake at every scale, with the same alpha for a sample's scales."""
    pairs = zip(scales_of(real), scales_of(fake))
    mixed = [_interpolate_scale(r, f, alpha) for r, f in pairs]
    return mixed if isinstance(real, (list, tuple)) else mixed[0]


def _interpolate_scale(real: torch.Tensor, fake: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    per_sample = alpha.reshape((real.shape[0],) + (1,) * (real.dim() - 1)).to(real.dtype)
    return per_sample * real + (1 - per_sample) * fake


def gradient_norm(discriminator: Discriminator, points: Images, labels: torch.Tensor | None) -> torch.Tensor:
    """||grad_x D(x)||_2 per sample at ``points``, over all scales together."""
    leaves = [scale.detach().requires_grad_(True) for scale in scales_of(points)]
    critic_input = leaves if isinstance(points, (list, tuple)) else leaves[0]
    scores = discriminator(critic_input, labels).logits
    # create_graph: the penalty is part of the critic's loss, so its own gradient is needed.
    gradients = torch.autograd.grad(scores.float().sum(), leaves, create_graph=True)
    squared = sum(gradient.float().pow(2).flatten(1).sum(dim=1) for gradient in gradients)
    return torch.sqrt(squared + NORM_EPSILON)


def gradient_penalty(discriminator: Discriminator, real: Images, fake: Images, labels: torch.Tensor | None,
                     weight: float, alpha: torch.Tensor | None = None) -> torch.Tensor:
    """lambda * mean over the batch of (||grad D(x_hat)|| - 1)^2, x_hat on the real-fake segments."""
    if alpha is None:
        alpha = draw_alpha(real)
    points = interpolate(scales_detached(real), scales_detached(fake), alpha)
    return weight * (gradient_norm(discriminator, points, labels) - 1).pow(2).mean()


def scales_detached(images: Images) -> Images:
    """The batch cut from any graph: x_hat is an input of the penalty, not a function of G."""
    if isinstance(images, (list, tuple)):
        return [scale.detach() for scale in images]
    return images.detach()
