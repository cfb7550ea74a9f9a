"""``ganbench compare``: one table of every configuration, mean ± 95% CI over seeds."""

from __future__ import annotations

import os
from pathlib import Path

import click


def register(cli: click.Group) -> None:
    from ganbench.results.family import FAMILY_SCOPES
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
    @click.option("--by", multiple=True, metavar="KEY",
                  help="One table per value of KEY (dataset, resolution, any --where key), repeatable.")
    @click.option("--family", type=click.Choice(FAMILY_SCOPES), default=None,
                  help="table: adjust each table alone (the default); page: all tables of this command as one family.")
    @click.option("--study", "study_suite", type=click.Path(dir_okay=False), default=None, metavar="SUITE",
                  help="Take --family and the defects the study asks about from this suite's [study] table.")
    @click.option("--format", "output_format", type=click.Choice(FORMATS), default="terminal", show_default=True)
    @click.option("--output", type=click.Path(dir_okay=False), default=None, help="Write to this file.")
    def compare(results_dir: str | None, metrics: tuple[str, ...], where: tuple[str, ...], sort: str | None,
                baseline: str | None, correction: str, power: tuple[str, ...], by: tuple[str, ...],
                family: str | None, study_suite: str | None, output_format: str, output: str | None) -> None:
        """Group runs by configuration and compare them over seeds. RESULTS_DIR defaults to runs."""
        from ganbench.atomic import write_text
        from ganbench.errors import ConfigError
        from ganbench.results.split import compare_tables
        from ganbench.sweep.expand import Study, study_of_suite

        folder = Path(results_dir or os.environ.get("GANBENCH_RESULTS", "runs"))
        if study_suite and not Path(study_suite).is_file():
            raise ConfigError(f"--study {study_suite}: no such suite file.")
        study = study_of_suite(study_suite) if study_suite else Study()
        if by and output_format == "html":
            raise ConfigError("--by with --format html: an HTML report holds one table; use --format markdown, "
                              "or --where for one table.")
        if folder.is_dir():
            from ganbench.results.migrate import migrate_and_tell
            migrate_and_tell(folder, lambda sentence: click.echo(sentence, err=True))
        tables, rebuilt = compare_tables(folder, metrics, where, sort, baseline, correction, power, by,
                                         family or study.family, study.asks_about)
        for path, reason in (rebuilt.skipped if rebuilt else []):
            click.echo(f"Warning: skipped {path.name}: {reason}", err=True)
        if output:
            write_text(Path(output), "\n".join(rendered(heading, table, output_format) for heading, table in tables))
            click.echo(f"wrote {output}")
        elif output_format == "terminal":
            show_terminal(tables)
        else:
            click.echo("\n".join(rendered(heading, table, output_format) for heading, table in tables), nl=False)


def rendered(heading: str, comparison, output_format: str) -> str:
    """One table as text, under its --by heading when it has one."""
    from ganbench.results.render import render
    text = render(comparison, output_format)
    if not heading:
        return text
    marks = {"markdown": f"### {heading}\n\n", "csv": f"# {heading}\n", "latex": f"% {heading}\n",
             "terminal": f"== {heading} ==\n"}
    return marks[output_format] + text


def show_terminal(tables: list) -> None:
    from rich.console import Console

    from ganbench.results.formats import print_terminal
    console = Console()
    for heading, comparison in tables:
        if heading:
            console.rule(heading)
        print_terminal(comparison, console)
