"""Pictures of a trained generator: sample grids, latent interpolations and latent vector arithmetic.

- Grid: ``rows x columns`` samples from latent vectors drawn with a seed, so that the same seed
  gives the same grid, and its cells can be named by index (0-based, row by row).
- Interpolation: one row per pair of latent points, the path between them in ``steps`` columns,
  spherical by default (White 2016, "Sampling Generative Networks": a linear path through a
  Gaussian latent space passes through points of atypically small norm) or linear.
- Arithmetic: Radford, Metz & Chintala (2016), "Unsupervised Representation Learning with Deep
  Convolutional Generative Adversarial Networks", section 6.3: the latent vectors of chosen
  grid cells are averaged per group, and the averages are added and subtracted ("smiling
  woman - neutral woman + neutral man"). As in the paper, the result is shown with eight more
  samples whose latent vectors add uniform noise of scale 0.25 to it.

Conditional generators draw row r with class r mod K. Vector data (the 2-D mixtures) are shown
as a scatter plot over the real points.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
from PIL import Image

from ganbench.engine.latent import draw_latent
from ganbench.engine.samples import generate, image_grid, scatter_picture
from ganbench.errors import ConfigError
from ganbench.trained.trained_run import TrainedRun, load_trained_run
from ganbench.atomic import write_with

MAX_SIDE = 64  # rows or columns of a picture
ARITHMETIC_VARIANTS = 8  # extra samples around the result, as in the DCGAN paper's figure
ARITHMETIC_NOISE = 0.25  # scale of the uniform noise added for them
BACKGROUND = 32 / 127.5 - 1  # an empty cell: the grey that image_grid draws between tiles
GRID_PATTERN = re.compile(r"^\s*(\d+)\s*[xX]\s*(\d+)\s*$")
NAME = r"[A-Za-z_][A-Za-z0-9_]*"


# Parsing what the user asked for.

def parse_grid(text: str) -> tuple[int, int]:
    """``"8x8"`` -> (8, 8): rows and columns, each 1..64."""
    match = GRID_PATTERN.match(text or "")
    if not match:
        raise ConfigError(f"--grid expects ROWSxCOLUMNS such as 8x8, got {text!r}.")
    rows, columns = int(match.group(1)), int(match.group(2))
    check_side("--grid rows", rows)
    check_side("--grid columns", columns)
    return rows, columns


def check_side(what: str, value: int) -> None:
    if not 1 <= value <= MAX_SIDE:
        raise ConfigError(f"{what} must be between 1 and {MAX_SIDE}, got {value}.")


def parse_groups(text: str, cells: int) -> dict[str, list[int]]:
    """``"A=1,5,9 B=2,3"`` -> {"A": [1, 5, 9], "B": [2, 3]}; indices of a grid of ``cells`` cells."""
    groups: dict[str, list[int]] = {}
    for item in (text or "").split():
        name, sep, indices = item.partition("=")
        if not sep or not re.fullmatch(NAME, name) or not re.fullmatch(r"\d+(,\d+)*", indices):
            raise ConfigError(f"--groups expects NAME=INDEX,INDEX,... separated by spaces, such as "
                              f"\"A=1,5,9 B=2,3\", got {item!r}.")
        if name in groups:
            raise ConfigError(f"--groups names group {name!r} twice.")
        members = [int(index) for index in indices.split(",")]
        outside = [index for index in members if index >= cells]
        if outside:
            raise ConfigError(f"--groups index {outside[0]} is outside the grid, whose cells are numbered "
                              f"0 to {cells - 1} row by row.")
        groups[name] = members
    if not groups:
        raise ConfigError("--arithmetic needs --groups, such as --groups \"A=1,5,9 B=2,3 C=4\".")
    return groups


def parse_expression(text: str, groups: dict[str, list[int]]) -> list[tuple[float, str]]:
    """``"A+B-C"`` -> [(1, "A"), (1, "B"), (-1, "C")], every name a group."""
    compact = re.sub(r"\s+", "", text or "")
    if not re.fullmatch(rf"[+-]?{NAME}([+-]{NAME})*", compact):
        raise ConfigError(f"--arithmetic expects group names joined by + and -, such as \"A-B+C\", got {text!r}.")
    terms = [(-1.0 if sign == "-" else 1.0, name) for sign, name in re.findall(rf"([+-]?)({NAME})", compact)]
    for _, name in terms:
        if name not in groups:
            raise ConfigError(f"--arithmetic uses group {name!r}, which --groups does not define "
                              f"(defined: {', '.join(groups)}).")
    return terms


# Latent vectors.

def seeded_latents(trained: TrainedRun, count: int, seed: int) -> torch.Tensor:
    """``count`` latent vectors drawn on the CPU with ``seed`` (the same on every device)."""
    config = trained.setup.config
    generator = torch.Generator().manual_seed(seed)
    z = draw_latent(count, config.latent_dim, config.latent_dist, torch.device("cpu"), generator)
    return z.to(trained.setup.device)


def row_labels(trained: TrainedRun, rows: int, columns: int) -> torch.Tensor | None:
    """Class r mod K for every cell of row r when the generator is conditional."""
    if not trained.setup.conditional:
        return None
    classes = torch.arange(rows, device=trained.setup.device) % trained.setup.spec.num_classes
    return classes.repeat_interleave(columns)


def slerp(start: torch.Tensor, end: torch.Tensor, fractions: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between rows of ``start`` and ``end`` at each fraction: (pairs, steps, dim)."""
    start_unit = start / start.norm(dim=1, keepdim=True).clamp_min(1e-12)
    end_unit = end / end.norm(dim=1, keepdim=True).clamp_min(1e-12)
    angle = torch.acos((start_unit * end_unit).sum(dim=1).clamp(-1.0, 1.0))[:, None, None]
    t = fractions[None, :, None]
    sin = torch.sin(angle)
    nearly_parallel = sin.abs() < 1e-6  # the sine vanishes: the linear path is the same path there
    safe_sin = torch.where(nearly_parallel, torch.ones_like(sin), sin)
    spherical = (torch.sin((1 - t) * angle) * start[:, None] + torch.sin(t * angle) * end[:, None]) / safe_sin
    return torch.where(nearly_parallel, lerp(start, end, fractions), spherical)


def lerp(start: torch.Tensor, end: torch.Tensor, fractions: torch.Tensor) -> torch.Tensor:
    """Linear interpolation between rows of ``start`` and ``end``: (pairs, steps, dim)."""
    t = fractions[None, :, None]
    return (1 - t) * start[:, None] + t * end[:, None]


def arithmetic_latent(grid_z: torch.Tensor, groups: dict[str, list[int]],
                      terms: list[tuple[float, str]]) -> torch.Tensor:
    """The signed sum of the groups' mean latent vectors."""
    means = {name: grid_z[members].mean(dim=0) for name, members in groups.items()}
    return sum(sign * means[name] for sign, name in terms)


# Pictures.

def picture_of(trained: TrainedRun, samples: torch.Tensor, columns: int) -> Image.Image:
    """An image grid, or for vector data a scatter plot over real points."""
    if samples.dim() == 2:
        return scatter_picture(samples, trained.setup.source.all_data(2000)[0])
    return image_grid(samples, columns)


def save_picture(picture: Image.Image, path: Path) -> Path:
    write_with(path, lambda temporary: picture.save(temporary, format="PNG"))
    return path


def draw(trained: TrainedRun, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    return generate(trained.generator, z, labels)


def grid_picture(trained: TrainedRun, rows: int, columns: int, seed: int) -> Image.Image:
    """``rows x columns`` samples from latent vectors drawn with ``seed``."""
    z = seeded_latents(trained, rows * columns, seed)
    return picture_of(trained, draw(trained, z, row_labels(trained, rows, columns)), columns)


def interpolation_picture(trained: TrainedRun, pairs: int, steps: int, seed: int,
                          spherical: bool = True) -> Image.Image:
    """One row per pair of seeded latent points, ``steps`` columns from one end to the other."""
    check_interpolation(pairs, steps)
    ends = seeded_latents(trained, 2 * pairs, seed)
    fractions = torch.linspace(0, 1, steps, device=ends.device)
    path = (slerp if spherical else lerp)(ends[:pairs], ends[pairs:], fractions)
    z = path.reshape(pairs * steps, -1)
    return picture_of(trained, draw(trained, z, row_labels(trained, pairs, steps)), steps)


def check_interpolation(pairs: int, steps: int) -> None:
    check_side("--pairs", pairs)
    if not 2 <= steps <= MAX_SIDE:
        raise ConfigError(f"--steps must be between 2 and {MAX_SIDE}, got {steps}.")


def arithmetic_picture(trained: TrainedRun, groups: dict[str, list[int]], terms: list[tuple[float, str]],
                       rows: int, columns: int, seed: int) -> Image.Image:
    """One row per group used: its members, then the image of their mean vector; a last row with
    the result and eight noisy variants of it (DCGAN paper, figure 7)."""
    grid_z = seeded_latents(trained, rows * columns, seed)
    grid_labels = row_labels(trained, rows, columns)
    used = [name for name in groups if any(name == term for _, term in terms)]
    result = arithmetic_latent(grid_z, groups, terms)
    noise_generator = torch.Generator().manual_seed(seed + 1)
    noise = (torch.rand(ARITHMETIC_VARIANTS, result.numel(), generator=noise_generator) * 2 - 1) * ARITHMETIC_NOISE
    results = torch.cat([result[None], result[None] + noise.to(result.device)])
    width = max(max(len(groups[name]) for name in used) + 1, len(results))
    # Conditional models: each picture keeps the class of its first cell.
    first_label = None if grid_labels is None else grid_labels[groups[terms[0][1]][0]]
    rows_of_images = [group_row(trained, grid_z, grid_labels, groups[name]) for name in used]
    rows_of_images.append(draw(trained, results, None if first_label is None else first_label.repeat(len(results))))
    samples = torch.cat([padded(row, width) for row in rows_of_images])
    return picture_of(trained, samples, width)


def group_row(trained: TrainedRun, grid_z: torch.Tensor, grid_labels: torch.Tensor | None,
              members: list[int]) -> torch.Tensor:
    """The images of a group's members followed by the image of their mean latent vector."""
    z = torch.cat([grid_z[members], grid_z[members].mean(dim=0, keepdim=True)])
    labels = None if grid_labels is None else torch.cat([grid_labels[members], grid_labels[members[:1]]])
    return draw(trained, z, labels)


def padded(row: torch.Tensor, width: int) -> torch.Tensor:
    """A row of images filled up to ``width`` with empty cells (vector rows are left as they are)."""
    if row.dim() == 2 or row.shape[0] >= width:
        return row
    blank = torch.full((width - row.shape[0], *row.shape[1:]), BACKGROUND, dtype=row.dtype, device=row.device)
    return torch.cat([row, blank])


def default_path(trained: TrainedRun, kind: str, seed: int) -> Path:
    return trained.run_dir.samples / f"{kind}-seed{seed}.png"


def sample_run(path: Path | str, grid: str = "8x8", interpolate: bool = False, pairs: int = 8, steps: int = 8,
               spherical: bool = True, arithmetic: str | None = None, groups: str | None = None, seed: int = 0,
               out: Path | str | None = None, device: str = "auto") -> Path:
    """Draw one picture of the run at ``path`` and write it as a PNG; returns where it went.

    Every argument is checked before the run is loaded, and the file is written atomically.
    """
    rows, columns = parse_grid(grid)
    if interpolate and arithmetic is not None:
        raise ConfigError("choose one of --interpolate and --arithmetic.")
    if seed < 0:
        raise ConfigError(f"--seed must be 0 or positive, got {seed}.")
    if arithmetic is None and groups is not None:
        raise ConfigError("--groups goes with --arithmetic, which is missing.")
    if interpolate:
        check_interpolation(pairs, steps)
    if arithmetic is not None:
        named_groups = parse_groups(groups or "", rows * columns)
        terms = parse_expression(arithmetic, named_groups)
    trained = load_trained_run(path, device=device)
    if interpolate:
        picture = interpolation_picture(trained, pairs, steps, seed, spherical)
        kind = f"interpolate-{pairs}x{steps}-{'slerp' if spherical else 'linear'}"
    elif arithmetic is not None:
        picture = arithmetic_picture(trained, named_groups, terms, rows, columns, seed)
        kind = f"arithmetic-{rows}x{columns}"
    else:
        picture = grid_picture(trained, rows, columns, seed)
        kind = f"grid-{rows}x{columns}"
    return save_picture(picture, Path(out) if out else default_path(trained, kind, seed))
