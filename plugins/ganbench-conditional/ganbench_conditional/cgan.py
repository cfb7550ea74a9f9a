"""cGAN: Mirza & Osindero (2014), "Conditional Generative Adversarial Nets", arXiv:1411.1784.

Both nets receive the class label y as an extra input: the generator models p(x | y) and the
discriminator judges the pair (x, y), so a correct image with the wrong label is also fake.
The paper's multilayer perceptrons are replaced by DCGAN-style convolutional nets (Radford et
al. 2016), the form cGAN takes in most later comparisons:

- G concatenates a learned label embedding to z before the first transposed convolution;
- D concatenates a second learned label embedding to the image as extra input channels,
  constant over the image (the paper joins x and y at D's input; a projection discriminator,
  Miyato & Koyama 2018, would join them at the head instead, which this is not).
"""

from __future__ import annotations

import torch
from torch import nn

from ganbench.api import BuildRequest, Discriminator, DOutput
from ganbench_conditional.conv_stack import ConvOptions, LabelledConvArchitecture, require_labels
from ganbench_dcgan.blocks import DownsamplingTrunk, init_as_in_dcgan, logit_layer


class CGANDiscriminator(Discriminator):
    """[image, embed(y) broadcast over the image] -> halving convolutions -> 4x4 -> neck -> one logit."""

    def __init__(self, request: BuildRequest, options: ConvOptions, norm: str) -> None:
        super().__init__(request.neck)
        spec = request.spec
        self.embedding = nn.Embedding(spec.num_classes, options.embedding_dim)
        widths = options.widths(spec.resolution)[::-1]
        self.body = DownsamplingTrunk(spec.channels + options.embedding_dim, widths, norm)
        # The neck may add channels (minibatch-std), so the head is sized by it.
        self.to_logit = logit_layer(self.neck.out_channels(self.body.out_channels))
        # Only our own layers: the neck belongs to the stabilizers that made it.
        self.to_logit.apply(init_as_in_dcgan)

    def features(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        label_maps = self.embedding(require_labels(y))[:, :, None, None].expand(-1, -1, x.shape[-2], x.shape[-1])
        return self.body(torch.cat([x, label_maps.to(x.dtype)], dim=1))

    def head(self, h: torch.Tensor, y: torch.Tensor | None) -> DOutput:
        return DOutput(self.to_logit(h).flatten())


class CGAN(LabelledConvArchitecture):
    """Conditional DCGAN-style generator and discriminator for labelled square images of 8, 16, 32 ... px."""

    name = "cgan"
    description = "Conditional GAN (Mirza & Osindero 2014): label embeddings fed to G and D, DCGAN-style nets."
    discriminator = CGANDiscriminator
