"""The loop most users would write instead: the PyTorch examples' DCGAN trainer, restated.

A torch Dataset that turns each MNIST digit into a PIL image and applies per-image transforms
(Resize, ToTensor, Normalize), a DataLoader with two workers, D trained on a real batch and a
fake batch with separate backward calls, G on the same fake batch, and ``.item()`` on every
step for the log line. Same models, batch and data as the ganbench run it is measured against.
"""

from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms


class PerImageMNIST(torch.utils.data.Dataset):
    """What torchvision's MNIST does per item: uint8 array -> PIL image -> transform."""

    def __init__(self, images: np.ndarray, resolution: int) -> None:
        self.images = images
        self.transform = transforms.Compose([transforms.Resize(resolution), transforms.ToTensor(),
                                             transforms.Normalize((0.5,), (0.5,))])

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int):
        return self.transform(Image.fromarray(self.images[index], mode="L")), 0


def reference_training(generator, discriminator, images: np.ndarray, resolution: int, batch_size: int,
                       steps: int, latent_dim: int, workers: int = 2, device: torch.device | str = "cpu") -> float:
    """Train ``steps`` iterations the examples' way; returns images per second, data included. On a GPU
    each batch is copied to ``device`` as the examples do (``real_cpu.to(device)``)."""
    loader = torch.utils.data.DataLoader(PerImageMNIST(images, resolution), batch_size=batch_size, shuffle=True,
                                         num_workers=workers, drop_last=True, persistent_workers=workers > 0)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    done, log = 0, []
    started = time.perf_counter()
    while done < steps:
        for real, _ in loader:
            if done == steps:
                break
            real = real.to(device)
            b = real.size(0)
            # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
            discriminator.zero_grad()
            output = discriminator(real).logits
            error_real = F.binary_cross_entropy_with_logits(output, torch.ones(b, device=device))
            error_real.backward()
            noise = torch.randn(b, latent_dim, device=device)
            fake = generator(noise)
            output = discriminator(fake.detach()).logits
            error_fake = F.binary_cross_entropy_with_logits(output, torch.zeros(b, device=device))
            error_fake.backward()
            opt_d.step()
            # (2) Update G: maximize log(D(G(z)))
            generator.zero_grad()
            output = discriminator(fake).logits
            error_g = F.binary_cross_entropy_with_logits(output, torch.ones(b, device=device))
            error_g.backward()
            opt_g.step()
            log.append((error_real.item() + error_fake.item(), error_g.item()))  # the per-step host sync
            done += 1
    return steps * batch_size / (time.perf_counter() - started)
