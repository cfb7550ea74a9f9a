"""``ganbench controls``: evaluate reference generators (real data, noise, one mode or class, a
memorizer) with the runs' protocol, so that every table shows what its metrics say about them."""

from __future__ import annotations

import os

import click
from rich.console import Console


@click.command(name="controls")
@click.argument("results_dir", required=False, type=click.Path(file_okay=False))
@click.option("--dataset", default="digits", show_default=True, help="Dataset whose controls to evaluate.")
@click.option("--data-opt", multiple=True, metavar="KEY=VALUE", help="Dataset option, repeatable.")
@click.option("--data-root", default=None, help="Folder with the files of a file-based dataset.")
@click.option("--resolution", default="32", show_default=True, help="Image side in pixels (as the runs).")
@click.option("--control", "names", multiple=True, metavar="NAME",
              help="real, noise, one-mode, one-class, memorizer or a ladder step DEFECT@LEVEL (pixel-noise@0.1), "
                   "repeatable (default: every one of the first five that applies).")
@click.option("--evaluator", "evaluators", multiple=True, metavar="NAME",
              help="Evaluator, repeatable (default: every one that applies, as for runs).")
@click.option("--eval-opt", multiple=True, metavar="NAME.KEY=VALUE", help="Evaluator option.")
@click.option("--eval-samples", default="2000", show_default=True, help="Generated samples per evaluation.")
@click.option("--seeds", default="1", show_default=True, metavar="N", help="Sampling seeds 0..N-1 of each control.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N or mps.")
def controls(results_dir: str | None, dataset: str, data_opt: tuple[str, ...], data_root: str | None,
             resolution: str, names: tuple[str, ...], evaluators: tuple[str, ...], eval_opt: tuple[str, ...],
             eval_samples: str, seeds: str, device: str) -> None:
    """Evaluate the controls of a dataset into RESULTS_DIR (default: runs), as runs compare shows as marked rows."""
    from ganbench.commands.run_flags import parse_named_options
    from ganbench.config import Choice
    from ganbench.engine.control_run import controls_base_config, evaluate_controls
    from ganbench.options import parse_assignments

    eval_options = parse_named_options(eval_opt, "--eval-opt", list(evaluators), "evaluator")
    base = controls_base_config(Choice(dataset, parse_assignments(data_opt, "--data-opt")), data_root, resolution,
                                eval_samples, device, [Choice(name, eval_options.get(name, {})) for name in evaluators],
                                results_dir or os.environ.get("GANBENCH_RESULTS", "runs"))
    console = Console()
    for report in evaluate_controls(base, list(names), seeds):
        headline = ", ".join(f"{metric}={value:.4g}" for metric, value in list(report.result.metrics.items())[:3])
        state = "already evaluated" if report.skipped else "evaluated"
        console.print(f"{report.path.name}: {state}; {headline}")
    console.print(f"Next: ganbench compare {base.results_dir}")


def register(cli: click.Group) -> None:
    cli.add_command(controls)
