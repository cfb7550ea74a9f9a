"""``ganbench calibrate``: run the ladders of a data set and print what each metric sees."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import click


@click.command(name="calibrate")
@click.argument("results_dir", required=False, type=click.Path(file_okay=False))
@click.option("--dataset", default="digits", show_default=True, help="Dataset whose metrics to calibrate.")
@click.option("--data-opt", multiple=True, metavar="KEY=VALUE", help="Dataset option, repeatable.")
@click.option("--data-root", default=None, help="Folder with the files of a file-based dataset.")
@click.option("--resolution", default="32", show_default=True, help="Image side in pixels (as the runs).")
@click.option("--evaluator", "evaluators", multiple=True, metavar="NAME",
              help="Evaluator, repeatable (default: every one that applies, as for runs).")
@click.option("--eval-opt", multiple=True, metavar="NAME.KEY=VALUE", help="Evaluator option.")
@click.option("--eval-samples", default="2000", show_default=True, help="Generated samples per evaluation.")
@click.option("--ladder", "ladders", multiple=True, metavar="NAME",
              help="Only this ladder (pixel-noise, blur, classes-dropped, ...), repeatable (default: all that apply).")
@click.option("--seeds", default="3", show_default=True, metavar="N", help="Sampling seeds 0..N-1 of every step.")
@click.option("--conditional", is_flag=True,
              help="Run every step as a class-conditional generator (DEFECT@LEVEL+labels), for CAS and intra-FID.")
@click.option("--format", "output_format", type=click.Choice(("terminal", "markdown", "csv", "html")),
              default="terminal", show_default=True)
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Also write calibration.json and the table as .md, .csv and .html into this folder.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N or mps.")
def calibrate(results_dir: str | None, dataset: str, data_opt: tuple[str, ...], data_root: str | None,
              resolution: str, evaluators: tuple[str, ...], eval_opt: tuple[str, ...], eval_samples: str,
              ladders: tuple[str, ...], seeds: str, conditional: bool, output_format: str, out_dir: str | None,
              device: str) -> None:
    """Evaluate every ladder step into RESULTS_DIR/calibration (default: runs) and print, per metric, what it sees."""
    from rich.console import Console

    from ganbench.commands.run_flags import parse_named_options
    from ganbench.config import Choice
    from ganbench.resolve import resolve_config
    from ganbench.engine.ladder_run import CALIBRATION_FOLDER, calibrate as run_calibration, validate_defect_names
    from ganbench.errors import ConfigError
    from ganbench.options import coerce, parse_assignments
    from ganbench.atomic import write_json, write_text
    from ganbench.results.calibration_table import render, to_terminal

    count = coerce(seeds, int, "--seeds")
    if count < 1:
        raise ConfigError(f"--seeds must be a positive number of seeds, got {seeds!r}.")
    validate_defect_names(list(ladders))
    eval_options = parse_named_options(eval_opt, "--eval-opt", list(evaluators), "evaluator")
    root = Path(results_dir or os.environ.get("GANBENCH_RESULTS", "runs"))
    base = resolve_config({
        "dataset": Choice(dataset, parse_assignments(data_opt, "--data-opt")).to_dict(), "data_root": data_root,
        "resolution": resolution, "eval_samples": eval_samples, "device": device,
        "evaluators": [{"name": name, "options": eval_options.get(name, {})} for name in evaluators] or None,
        "results_dir": str(root / CALIBRATION_FOLDER)})
    console = Console(stderr=True)
    command = "ganbench " + " ".join(shlex.quote(arg) for arg in sys.argv[1:]) if sys.argv[1:] else ""

    def progress(name: str, seed: int, report) -> None:
        console.print(f"{name} seed {seed}: {'already evaluated' if report.skipped else 'evaluated'}")

    document = run_calibration(base, count, list(ladders), command, progress, labelled=conditional)
    if out_dir:
        folder = Path(out_dir)
        write_json(folder / "calibration.json", document)
        for extension, name in (("md", "markdown"), ("csv", "csv"), ("html", "html")):
            write_text(folder / f"calibration.{extension}", render(document, name))
    if output_format == "terminal":
        to_terminal(document)
    else:
        click.echo(render(document, output_format), nl=False)


def register(cli: click.Group) -> None:
    cli.add_command(calibrate)
