"""``ganbench compare``: one table of every configuration, mean ± 95% CI over seeds."""

from __future__ import annotations

import os
from pathlib import Path

import click


def register(cli: click.Group) -> None:
    from ganbench.results.render import FORMATS
    from ganbench.results.significance import CORRECTIONS

    @cli.command()
    @click.argument("results_dir", required=False, type=click.Path(file_okay=False))
    @click.option("--metric", "metrics", multiple=True, metavar="NAME",
                  help="Metric to show, repeatable (default: every evaluated metric).")
    @click.option("--where", multiple=True, metavar="KEY=VALUE",
                  help="Keep matching runs, repeatable: arch=msg, stabilizers=none, lr_d=1e-4, arch.base_channels=8; "
                       "arch=mlp,dcgan,stabilizers=none: mlp or dcgan, and no stabilizer (docs/sweeps.md).")
    @click.option("--sort", default=None, metavar="METRIC", help="Rank and sort by this metric (default: the first).")
    @click.option("--baseline", default=None, metavar="KEY=VALUE,...",
                  help='The row to test against, e.g. "arch=dcgan,stabilizers=none" (Welch\'s t-test); '
                       'the same conditions as --where.')
    @click.option("--correction", type=click.Choice(CORRECTIONS), default="holm", show_default=True,
                  help="Adjust the p-values of all row x metric tests of the table: Holm, Benjamini-Hochberg, or none.")
    @click.option("--power", multiple=True, metavar="METRIC=EFFECT",
                  help="Seeds a configuration needs to find this difference of means (80% power at the table's "
                       "corrected alpha), from the baseline's spread; repeatable; EFFECT alone: the ranked metric.")
    @click.option("--format", "output_format", type=click.Choice(FORMATS), default="terminal", show_default=True)
    @click.option("--output", type=click.Path(dir_okay=False), default=None, help="Write to this file.")
    def compare(results_dir: str | None, metrics: tuple[str, ...], where: tuple[str, ...], sort: str | None,
                baseline: str | None, correction: str, power: tuple[str, ...], output_format: str,
                output: str | None) -> None:
        """Group runs by configuration and compare them over seeds. RESULTS_DIR defaults to runs."""
        from ganbench.atomic import write_text
        from ganbench.results.compare import compare_results
        from ganbench.results.formats import print_terminal
        from ganbench.results.render import render

        folder = Path(results_dir or os.environ.get("GANBENCH_RESULTS", "runs"))
        if folder.is_dir():
            from ganbench.results.migrate import migrate_and_tell
            migrate_and_tell(folder, lambda sentence: click.echo(sentence, err=True))
        comparison, rebuilt = compare_results(folder, metrics, where, sort, baseline, correction, power)
        for path, reason in (rebuilt.skipped if rebuilt else []):
            click.echo(f"Warning: skipped {path.name}: {reason}", err=True)
        if output:
            write_text(Path(output), render(comparison, output_format))
            click.echo(f"wrote {output}")
        elif output_format == "terminal":
            print_terminal(comparison)
        else:
            click.echo(render(comparison, output_format), nl=False)
