"""AC-GAN: Odena, Olah & Shlens (2017), "Conditional Image Synthesis with Auxiliary Classifier
GANs", ICML 2017.

The generator takes the class label with the noise; the discriminator sees the image alone and
answers two questions: is it real (one logit) and which class is it (one logit per class). The
class cross-entropy, on real images with their labels and on fakes with the labels they were
drawn for, joins both the D and the G loss; the engine adds it whenever a discriminator returns
class logits, so this module only builds the two heads.

As in cgan, the nets are DCGAN-style (Radford et al. 2016), the generator concatenating a
learned label embedding to z. The paper's discriminator also used dropout; here dropout is a
stabilizer (``--stabilizer dropout``), inserted in the neck before both heads.
"""

from __future__ import annotations

import torch

from ganbench.api import BuildRequest, Discriminator, DOutput
from ganbench_conditional.conv_stack import ConvOptions, LabelledConvArchitecture
from ganbench_dcgan.blocks import DownsamplingTrunk, init_as_in_dcgan, logit_layer


class ACGANDiscriminator(Discriminator):
    """Image -> halving convolutions -> 4x4 -> neck -> (real/fake logit, class logits)."""

    def __init__(self, request: BuildRequest, options: ConvOptions, norm: str) -> None:
        super().__init__(request.neck)
        spec = request.spec
        self.body = DownsamplingTrunk(spec.channels, options.widths(spec.resolution)[::-1], norm)
        # The neck may add channels (minibatch-std), so both heads are sized by it.
        head_width = self.neck.out_channels(self.body.out_channels)
        self.to_logit = logit_layer(head_width)
        self.to_class_logits = logit_layer(head_width, spec.num_classes)
        # Only our own layers: the neck belongs to the stabilizers that made it.
        for part in (self.to_logit, self.to_class_logits):
            part.apply(init_as_in_dcgan)

    def features(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        return self.body(x)  # the label is what D must predict, so it is not an input

    def head(self, h: torch.Tensor, y: torch.Tensor | None) -> DOutput:
        return DOutput(self.to_logit(h).flatten(), self.to_class_logits(h).flatten(1))


class ACGAN(LabelledConvArchitecture):
    """Auxiliary classifier GAN for labelled square images of 8, 16, 32 ... px."""

    name = "acgan"
    description = "Auxiliary classifier GAN (Odena et al. 2017): D also predicts the class, DCGAN-style nets."
    discriminator = ACGANDiscriminator
