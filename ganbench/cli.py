"""The ``ganbench`` command line: a thin shell over the library.

Every user error ends as one sentence on stderr and exit status 2 (see ``main``).
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ganbench import __version__, plugins
from ganbench.config import Choice, RunConfig
from ganbench.errors import ConfigError, GanbenchError
from ganbench.options import describe_options, parse_assignments
from ganbench.registry import KINDS, PLURALS

console = Console()
KIND_BY_NAME = {**{kind: kind for kind in KINDS}, **{plural: kind for kind, plural in PLURALS.items()}}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ganbench")
def cli() -> None:
    """ganbench: train, evaluate and compare GAN variants on equal terms."""


def run_options(function):
    """The options that describe one run (shared by run and, later, sweep)."""
    options = [
        click.option("--arch", default="dcgan", show_default=True, help="Architecture (ganbench list architectures)."),
        click.option("--arch-opt", multiple=True, metavar="KEY=VALUE", help="Architecture option, repeatable."),
        click.option("--loss", default="bce", show_default=True, help="Adversarial loss."),
        click.option("--loss-opt", multiple=True, metavar="KEY=VALUE", help="Loss option, repeatable."),
        click.option("--stabilizer", "stabilizers", multiple=True, metavar="NAME",
                     help="Stabilizer, repeatable; they compose (default: none)."),
        click.option("--stab-opt", multiple=True, metavar="NAME.KEY=VALUE",
                     help="Stabilizer option, e.g. label-smoothing.real=0.8."),
        click.option("--dataset", default="digits", show_default=True, help="Dataset (embedded or from --data-root)."),
        click.option("--data-opt", multiple=True, metavar="KEY=VALUE", help="Dataset option, repeatable."),
        click.option("--data-root", default=None, help="Folder with the files of a file-based dataset."),
        click.option("--download", is_flag=True, help="Download the dataset into --data-root when possible."),
        click.option("--evaluator", "evaluators", multiple=True, metavar="NAME",
                     help="Evaluator, repeatable (default: every one that applies)."),
        click.option("--eval-opt", multiple=True, metavar="NAME.KEY=VALUE", help="Evaluator option."),
        click.option("--resolution", default="32", show_default=True, help="Image side in pixels."),
        click.option("--batch-size", default="64", show_default=True),
        click.option("--steps", default="1000", show_default=True, help="Budget in generator steps."),
        click.option("--seed", default="0", show_default=True),
        click.option("--latent-dim", default="100", show_default=True),
        click.option("--latent-dist", default="normal", show_default=True, help="normal or uniform."),
        click.option("--lr-g", default=None, help="G learning rate (default: the loss's, else 2e-4)."),
        click.option("--lr-d", default=None, help="D learning rate (default: the loss's, else 2e-4)."),
        click.option("--beta1", default=None, help="Adam beta1 (default: the loss's, else 0.5)."),
        click.option("--beta2", default=None, help="Adam beta2 (default: the loss's, else 0.999)."),
        click.option("--n-critic", default=None, help="D steps per G step (default: the loss's, else 1)."),
        click.option("--step-mode", default="joint", show_default=True,
                     help="joint: G reuses D's fake batch; separate: G draws a fresh one."),
        click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N or mps."),
        click.option("--precision", default="fp32", show_default=True, help="fp32, bf16 or fp16."),
        click.option("--compile/--no-compile", "compile_", default=False, help="torch.compile the models."),
        click.option("--channels-last/--no-channels-last", default=True, show_default=True,
                     help="NHWC memory layout for image models (faster convolutions on CPU and GPU)."),
        click.option("--nproc", "--gpus", "nproc", default="1", show_default=True,
                     help="Data-parallel processes: one per GPU, or CPU processes (gloo)."),
        click.option("--sync-bn/--no-sync-bn", default=False, help="Synchronise batch norm across GPUs."),
        click.option("--log-every", default="50", show_default=True, help="Steps between metrics.jsonl lines."),
        click.option("--sample-every", default="500", show_default=True, help="Steps between sample grids."),
        click.option("--checkpoint-every", default="500", show_default=True, help="Steps between checkpoints."),
        click.option("--eval-every", default="0", show_default=True, help="Steps between evaluations (0: end only)."),
        click.option("--eval-samples", default="2000", show_default=True, help="Generated samples per evaluation."),
        click.option("--init-from", default=None, metavar="RUN", help="Start from another run's weights."),
        click.option("--results-dir", default="runs", show_default=True, envvar="GANBENCH_RESULTS",
                     help="Where run directories go."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def config_from_options(values: dict) -> RunConfig:
    """A RunConfig from the CLI's raw strings; types are checked by RunConfig.from_dict."""
    stabilizers = [name for name in values["stabilizers"] if name] or []
    stab_options = parse_named_options(values["stab_opt"], "--stab-opt", stabilizers, "stabilizer")
    evaluators = list(values["evaluators"]) or None
    eval_options = parse_named_options(values["eval_opt"], "--eval-opt", evaluators or [], "evaluator")
    raw = {
        "arch": Choice(values["arch"], parse_assignments(values["arch_opt"], "--arch-opt")).to_dict(),
        "loss": Choice(values["loss"], parse_assignments(values["loss_opt"], "--loss-opt")).to_dict(),
        "dataset": Choice(values["dataset"], parse_assignments(values["data_opt"], "--data-opt")).to_dict(),
        "stabilizers": [{"name": name, "options": stab_options.get(name, {})} for name in stabilizers],
        "evaluators": None if evaluators is None else [
            {"name": name, "options": eval_options.get(name, {})} for name in evaluators],
        "data_root": values["data_root"], "download": values["download"],
        "compile": values["compile_"], "channels_last": values["channels_last"], "sync_bn": values["sync_bn"],
        "init_from": values["init_from"], "results_dir": values["results_dir"],
    }
    for name in ("resolution", "batch_size", "steps", "seed", "latent_dim", "latent_dist", "lr_g", "lr_d",
                 "beta1", "beta2", "n_critic", "step_mode", "device", "precision", "log_every", "sample_every",
                 "checkpoint_every", "eval_every", "eval_samples", "nproc"):
        if values[name] is not None:
            raw[name] = values[name]
    return RunConfig.from_dict(raw)


def parse_named_options(pairs, flag: str, names: list[str], kind: str) -> dict[str, dict[str, str]]:
    """``NAME.KEY=VALUE`` strings grouped by component name."""
    grouped: dict[str, dict[str, str]] = {}
    for pair in pairs:
        target, dot, assignment = pair.partition(".")
        if not dot or "=" not in assignment:
            raise ConfigError(f"{flag} expects NAME.KEY=VALUE, got {pair!r}.")
        if target not in names:
            raise ConfigError(f"{flag} {pair!r} names {kind} {target!r}, which is not in this run; add --{kind} {target}.")
        grouped.setdefault(target, {}).update(parse_assignments([assignment], flag))
    return grouped


@cli.command()
@run_options
@click.option("--restart", is_flag=True, help="Delete this configuration's run directory and train from scratch.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--dry-run", is_flag=True, help="Validate and print the configuration as JSON, train nothing.")
@click.option("--profile", "profile_steps", default=None, type=click.IntRange(1, 1000), metavar="STEPS",
              help="Profile STEPS training steps (after a warm-up), write a Chrome trace, print where time goes.")
def run(restart: bool, quiet: bool, dry_run: bool, profile_steps: int | None, **values) -> None:
    """Train one GAN and evaluate it. Defaults: dcgan on the embedded digits at 32 px."""
    from ganbench.engine.setup import prepare

    config = config_from_options(values)
    if dry_run:
        prepare(config)
        click.echo(json.dumps({"run_id": config.run_id, **config.to_dict()}, indent=2))
        return
    if profile_steps:
        from ganbench.engine.profile import profile_steps as profile
        trace = Path(config.results_dir) / f"profile-{config.run_id}.json"
        click.echo(profile(prepare(config), profile_steps, trace))
        click.echo(f"Chrome trace (open in chrome://tracing or ui.perfetto.dev): {trace}")
        return
    report = run_distributed_or_single(config, show_progress=not quiet, restart=restart)
    if report is not None:
        print_run_summary(report)


def run_distributed_or_single(config: RunConfig, show_progress: bool, restart: bool):
    """One process, the ranks torchrun started, or ``nproc`` local processes launched here."""
    from ganbench.engine import distributed
    from ganbench.engine.run import RunReport, run as run_training
    from ganbench.engine.setup import prepare
    from ganbench.results.run_dir import RunDir

    launched = distributed.ranks_from_environment()
    if config.nproc == 1 or launched.distributed:
        if launched.distributed and launched.world_size != config.nproc:
            raise ConfigError(f"torchrun started {launched.world_size} processes but --nproc is {config.nproc}.")
        report = run_training(config, show_progress=show_progress, restart=restart, ranks=launched)
        return report if launched.main else None
    prepare(config)  # refuse bad input here, before any worker starts
    distributed.launch(config.nproc, functools.partial(_train_rank, config.to_dict(), show_progress, restart))
    folder = RunDir(Path(config.results_dir) / config.run_id)
    return RunReport(folder.path, folder.read_result() or {})


def _train_rank(config: dict, show_progress: bool, restart: bool, ranks) -> None:
    from ganbench.engine.distributed import shut_down
    from ganbench.engine.run import run as run_training
    try:
        run_training(RunConfig.from_dict(config), show_progress=show_progress, restart=restart, ranks=ranks)
    finally:
        shut_down()


def print_run_summary(report) -> None:
    result = report.result
    state = "already finished" if report.skipped else result["status"]
    console.print(f"[bold]{result['run_id']}[/bold]: {state} after {result['steps']} steps")
    console.print(f"run directory: {report.path}")
    if result["status"] == "diverged":
        console.print(f"[red]diverged at step {result['diverged_at']}[/red]; last good checkpoint: "
                      f"{result['last_good_checkpoint']}")
    figures = {"wall time (s)": result["wall_time_s"], "img/s": result["img_per_s"],
               **{key: value for key, value in result["final"].items() if key not in ("step", "images")},
               **result["metrics"]}
    table = Table(show_header=True, header_style="bold")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        table.add_row(key, "-" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value))
    console.print(table)


@cli.command(name="list")
@click.argument("kind", required=False)
def list_components(kind: str | None) -> None:
    """List registered components: architectures, losses, stabilizers, evaluators, datasets."""
    if kind is not None and kind not in KIND_BY_NAME:
        raise ConfigError(f"unknown kind {kind!r}; choose one of {', '.join(PLURALS.values())}.")
    registry = plugins.registry()
    kinds = [KIND_BY_NAME[kind]] if kind else list(KINDS)
    for each in kinds:
        table = Table(title=PLURALS[each], title_justify="left", show_header=True, header_style="bold")
        for column in ("name", "plugin", "description", "options"):
            table.add_column(column, overflow="fold")
        for entry in registry.entries(each):
            options = ", ".join(f"{name}={default}" for name, _, default in describe_options(entry.cls.Options))
            table.add_row(entry.name, entry.plugin, entry.description, options)
        console.print(table)
    broken = [info for info in plugins.state().plugins.values() if info.error]
    for info in broken:
        console.print(f"[yellow]plugin {info.name!r} did not load: {info.error}[/yellow]")


@cli.group(invoke_without_command=True)
@click.pass_context
def plugins_command(context: click.Context) -> None:
    """Installed plugins: list, install, uninstall."""
    if context.invoked_subcommand is None:
        context.invoke(plugins_list)


cli.add_command(plugins_command, name="plugins")


@plugins_command.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins_list(as_json: bool) -> None:
    """Each plugin: package, version, what it registered, and its error if it broke."""
    state = plugins.state()
    state.fill_registry()
    rows = [{"name": info.name, "package": info.package, "version": info.version, "builtin": info.builtin,
             "registered": info.registered, "error": info.error} for info in state.plugins.values()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("plugin", "package", "version", "registered", "status"):
        table.add_column(column, overflow="fold")
    for row in rows:
        registered = "; ".join(f"{PLURALS[kind]}: {', '.join(names)}" for kind, names in row["registered"].items())
        status = f"[red]broken: {row['error']}[/red]" if row["error"] else "ok"
        table.add_row(row["name"], row["package"], row["version"], registered, status)
    console.print(table)


@plugins_command.command(name="install")
@click.argument("packages", nargs=-1, required=True)
@click.option("-e", "--editable", is_flag=True, help="Install a local folder in editable mode.")
@click.option("-U", "--upgrade", is_flag=True)
def plugins_install(packages: tuple[str, ...], editable: bool, upgrade: bool) -> None:
    """Install plugin packages with pip into ganbench's own environment."""
    from ganbench.plugin_install import pip
    arguments = ["install", *(["--upgrade"] if upgrade else [])]
    for package in packages:
        arguments += ["-e", package] if editable else [package]
    pip(arguments)


@plugins_command.command(name="uninstall")
@click.argument("packages", nargs=-1, required=True)
def plugins_uninstall(packages: tuple[str, ...]) -> None:
    """Uninstall plugin packages from ganbench's environment."""
    from ganbench.plugin_install import pip
    pip(["uninstall", "-y", *packages])


def _add_command_modules() -> None:
    import importlib

    from ganbench.commands import COMMAND_MODULES
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(cli)


_add_command_modules()
plugins.state().register_commands(cli)


def _out_of_memory_errors() -> tuple[type, ...]:
    import torch
    return tuple(error for error in (getattr(torch, "OutOfMemoryError", None),
                                     getattr(torch.cuda, "OutOfMemoryError", None)) if error is not None)


def main(argv: list[str] | None = None) -> None:
    """Entry point: turns every user error into one sentence and exit status 2."""
    try:
        cli.main(args=argv, prog_name="ganbench", standalone_mode=False)
    except GanbenchError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(error.exit_code)
    except _out_of_memory_errors() as error:
        click.echo(f"Error: the device ran out of memory ({str(error).splitlines()[0][:120]}); lower --batch-size "
                   f"or --resolution; the last checkpoint is intact.", err=True)
        sys.exit(2)
    except click.exceptions.NoArgsIsHelpError as error:  # pragma: no cover - depends on click version
        click.echo(error.ctx.get_help())
        sys.exit(0)
    except click.UsageError as error:
        click.echo(f"Error: {error.format_message()}", err=True)
        sys.exit(2)
    except RuntimeError as error:
        if "can't allocate memory" not in str(error):  # the CPU allocator's out-of-memory
            raise
        click.echo("Error: the machine ran out of memory; lower --batch-size or --resolution; "
                   "the last checkpoint is intact.", err=True)
        sys.exit(2)
    except OSError as error:  # full disk, read-only or missing folders: the environment, not a bug
        where = f" {error.filename}" if error.filename else ""
        click.echo(f"Error: cannot write or read{where}: {error.strerror or error}.", err=True)
        sys.exit(2)
    except click.exceptions.Exit as error:
        sys.exit(error.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("Interrupted: run the same command again to resume from the last checkpoint.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        click.echo(f"Error: {error.format_message()}", err=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
