"""Sample grids from fixed latent vectors, and the batched sampler evaluators use."""

from __future__ import annotations

import math
from pathlib import Path

import torch
from PIL import Image

from ganbench.contracts.architecture import finest
from ganbench.engine.latent import draw_latent
from ganbench.contracts.evaluator import quantize
from ganbench.atomic import write_with

GRID_SEED = 20_161_118  # the same latent vectors for every run, so grids compare side by side


class FixedLatents:
    """The latent vectors (and labels: one row per class) behind every sample grid of a run."""

    def __init__(self, count: int, latent_dim: int, distribution: str, num_classes: int,
                 conditional: bool, device: torch.device) -> None:
        generator = torch.Generator(device=device)
        generator.manual_seed(GRID_SEED)
        if conditional and 0 < num_classes <= 16:
            columns = max(1, count // num_classes)
            count = columns * num_classes
            self.labels = torch.arange(num_classes, device=device).repeat_interleave(columns)
            self.columns = columns
        elif conditional:
            self.labels = torch.randint(num_classes, (count,), device=device, generator=generator)
            self.columns = int(math.sqrt(count))
        else:
            self.labels = None
            self.columns = int(math.sqrt(count))
        self.z = draw_latent(count, latent_dim, distribution, device, generator)


@torch.no_grad()
def generate(generator: torch.nn.Module, z: torch.Tensor, labels: torch.Tensor | None,
             batch_size: int = 500) -> torch.Tensor:
    """Full-resolution samples in eval mode, batch by batch, as float32."""
    was_training = generator.training
    generator.eval()
    try:
        outputs = [finest(generator(z[i:i + batch_size], None if labels is None else labels[i:i + batch_size])).float()
                   for i in range(0, z.shape[0], batch_size)]
    finally:
        generator.train(was_training)
    return torch.cat(outputs)


def save_grid(samples: torch.Tensor, columns: int, path: Path, real: torch.Tensor | None = None) -> None:
    """A PNG: an image grid, or for 2-D vector data a scatter plot over the real points."""
    if samples.dim() == 2:
        picture = scatter_picture(samples, real)
    else:
        picture = image_grid(samples, columns)
    write_with(path, lambda temporary: picture.save(temporary, format="PNG"))


def image_grid(images: torch.Tensor, columns: int, padding: int = 2) -> Image.Image:
    """uint8 tiles on a dark background; one row per ``columns`` images (torchvision's make_grid)."""
    from torchvision.transforms.functional import to_pil_image
    from torchvision.utils import make_grid

    tiles = quantize(images).cpu()  # the same uint8 values the evaluators see
    height = tiles.shape[-2]
    grid = make_grid(tiles, nrow=columns, padding=padding, pad_value=32)
    picture = to_pil_image(grid[:1] if tiles.shape[1] == 1 else grid[:3])
    scale = min(max(1, 256 // max(height, 1)), 8)  # small images are enlarged so a person can see them
    return picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)


def scatter_picture(points: torch.Tensor, real: torch.Tensor | None, size: int = 400) -> Image.Image:
    """Generated 2-D points (red) over real ones (grey), on the square [-1.2, 1.2]^2 (matplotlib)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(size / 100, size / 100), dpi=100)
    axes = figure.add_axes((0, 0, 1, 1))  # the plot fills the picture: the square is the data's range
    if real is not None:
        axes.scatter(*real[:, :2].float().cpu().numpy().T, s=4, c="#b0b0b0", linewidths=0)
    axes.scatter(*points[:, :2].float().cpu().numpy().T, s=6, c="#d62728", linewidths=0)
    axes.set(xlim=(-1.2, 1.2), ylim=(-1.2, 1.2), aspect="equal")
    axes.set_axis_off()
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
