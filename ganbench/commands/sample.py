"""``ganbench sample RUN``: a sample grid, a latent interpolation or latent vector arithmetic."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("run_path", metavar="RUN")
    @click.option("--grid", default="8x8", show_default=True, metavar="ROWSxCOLUMNS",
                  help="Grid of samples; --arithmetic indexes its cells (0-based, row by row).")
    @click.option("--interpolate", is_flag=True, help="One row per pair of latent points, the path between them.")
    @click.option("--pairs", default=8, show_default=True, type=int, help="Rows of --interpolate.")
    @click.option("--steps", default=8, show_default=True, type=int, help="Columns of --interpolate.")
    @click.option("--linear", is_flag=True, help="Interpolate linearly instead of spherically.")
    @click.option("--arithmetic", default=None, metavar="EXPR",
                  help='Latent vector arithmetic on group means, e.g. "A-B+C" (DCGAN paper).')
    @click.option("--groups", default=None, metavar='"A=1,5,9 B=2,3"',
                  help="Grid cells of each group of --arithmetic (the grid of the same --grid and --seed).")
    @click.option("--seed", default=0, show_default=True, type=int, help="Seed of the latent vectors.")
    @click.option("--out", default=None, metavar="PATH", help="PNG to write (default: RUN/samples/...).")
    @click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N or mps.")
    def sample(run_path: str, grid: str, interpolate: bool, pairs: int, steps: int, linear: bool,
               arithmetic: str | None, groups: str | None, seed: int, out: str | None, device: str) -> None:
        """Draw pictures with a trained run's generator (EMA weights when the run kept them)."""
        from ganbench.trained.pictures import sample_run

        path = sample_run(run_path, grid=grid, interpolate=interpolate, pairs=pairs, steps=steps,
                          spherical=not linear, arithmetic=arithmetic, groups=groups, seed=seed, out=out,
                          device=device)
        click.echo(f"wrote {path}")
