"""``ganbench run``: train one GAN and evaluate it."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ganbench.commands.run_flags import FLAG_GRAMMAR, config_from_flags, run_options
from ganbench.contracts.run_result import RunStatus

console = Console()


@click.command(help=f"""Train one GAN and evaluate it. Defaults: dcgan on the embedded digits at 32 px.

    {FLAG_GRAMMAR}""")
@run_options
@click.option("--restart", is_flag=True, help="Delete this configuration's run directory and train from scratch.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--dry-run", is_flag=True, help="Validate and print the configuration as JSON, train nothing.")
@click.option("--profile", "profile_steps", default=None, type=click.IntRange(1, 1000), metavar="STEPS",
              help="Profile STEPS training steps (after a warm-up), write a Chrome trace, print where time goes.")
def run(restart: bool, quiet: bool, dry_run: bool, profile_steps: int | None, **values) -> None:
    from ganbench.engine.launch import migrate_before_looking_for_runs, nproc_for_this_process
    from ganbench.engine.launch import run_distributed_or_single
    from ganbench.engine.setup import prepare

    config = config_from_flags({**values, "nproc": nproc_for_this_process(values.get("nproc"))})
    tell_broken_plugins()
    if dry_run:
        prepare(config)
        click.echo(json.dumps(config.to_json(), indent=2))
        return
    if profile_steps:
        from ganbench.engine.profile import profile_steps as profile
        trace = Path(config.results_dir) / f"profile-{config.run_id}.json"
        click.echo(profile(prepare(config), profile_steps, trace))
        click.echo(f"Chrome trace (open in chrome://tracing or ui.perfetto.dev): {trace}")
        return
    migrate_before_looking_for_runs(config.results_dir, lambda sentence: click.echo(sentence, err=True))
    report = run_distributed_or_single(config, show_progress=not quiet, restart=restart)
    if report is not None and report.result is not None:
        print_run_summary(report)


def tell_broken_plugins() -> None:
    """Once per command, after the plugins loaded: a broken plugin is not silent until it is needed."""
    from ganbench.engine.distributed import ranks_from_environment
    from ganbench.plugin_host.plugins import broken_plugin_notices
    if not ranks_from_environment().main:  # under torchrun every rank runs the command; one says it
        return
    for notice in broken_plugin_notices():
        click.echo(notice, err=True)


def print_run_summary(report) -> None:
    result = report.result
    state = "already finished" if report.skipped else result.status.value
    console.print(f"[bold]{result.run_id}[/bold]: {state} after {result.steps} steps")
    console.print(f"run directory: {report.path}")
    if result.status == RunStatus.DIVERGED:
        console.print(f"[red]diverged at step {result.diverged_at}[/red]; last good checkpoint: "
                      f"{result.last_good_checkpoint}")
    figures = {"train time (s)": result.train_time_s, "eval time (s)": result.eval_time_s,
               "total time (s)": result.total_time_s, "img/s": result.img_per_s,
               **{key: value for key, value in result.final.items() if key not in ("step", "images")},
               **result.metrics}
    table = Table(show_header=True, header_style="bold")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        table.add_row(key, "-" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value))
    console.print(table)


def register(cli: click.Group) -> None:
    cli.add_command(run)
