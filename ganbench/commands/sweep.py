"""``ganbench sweep``: train the product of architectures, losses, stabilizer sets, datasets, seeds
and any other setting, skip what finished, resume what was interrupted, and show it live."""

from __future__ import annotations

import click
from rich.console import Console

SET_HELP = "Any other run setting with one or several values, repeatable: --set lr_d=1e-4,2e-4."


def register(cli: click.Group) -> None:
    from ganbench.commands.run_flags import run_options
    from ganbench.sweep.executor_choice import EXECUTORS

    @cli.command()
    @click.argument("suite", required=False, type=click.Path(dir_okay=False))
    @run_options
    @click.option("--seeds", default=None, metavar="N", help="Train seeds 0..N-1 of every configuration.")
    @click.option("--set", "set_pairs", multiple=True, metavar="KEY=V1,V2", help=SET_HELP)
    @click.option("--executor", type=click.Choice(sorted(EXECUTORS)), default="local", show_default=True,
                  help="local: one run after another; processes: several worker processes; ray: one Ray task "
                       "per run (pip install 'ganbench[ray]').")
    @click.option("--workers", type=click.IntRange(min=1), default=None,
                  help="Worker processes (default: one per GPU, else half the CPU cores); with ray and no "
                       "--address, the CPUs of the local Ray instance.")
    @click.option("--address", default=None, metavar="HOST:PORT", envvar="RAY_ADDRESS",
                  help="Ray: join this cluster (default: $RAY_ADDRESS, else start a local instance).")
    @click.option("--cpus-per-trial", type=click.IntRange(min=1), default=None,
                  help="Ray without GPUs: CPUs per run (default: 2, or the largest node's count if fewer).")
    @click.option("--budget", default=None, metavar="NAME",
                  help="Train the suite at its [budgets.NAME] settings (the suites here have 'gpu').")
    @click.option("--dry-run", is_flag=True, help="List the runs and train nothing.")
    @click.option("--quiet", is_flag=True, help="No live board; print only the summary.")
    @click.option("--controls", "with_controls", is_flag=True,
                  help="Also evaluate the controls (real, noise, one mode or class, memorizer) of each dataset, "
                       "seed and evaluation setting of the sweep, as ganbench controls does.")
    @click.pass_context
    def sweep(context: click.Context, suite: str | None, seeds: str | None, set_pairs: tuple[str, ...],
              executor: str, workers: int | None, address: str | None, cpus_per_trial: int | None,
              budget: str | None, dry_run: bool, quiet: bool, with_controls: bool, **values) -> None:
        """Train every combination of the listed settings over seeds, skipping what finished.

        Example: --arch dcgan,msg --stabilizer none,label-smoothing --seeds 3. Comma-separated lists
        sweep (--arch, --loss, --dataset, --stabilizer, where a+b is one set of two, and the values of
        --arch-opt, --loss-opt, --data-opt, --stab-opt and --set); SUITE is a TOML file
        (docs/sweeps.md) whose settings the flags you type replace."""
        from ganbench.sweep.executor_choice import make_executor
        from ganbench.sweep.executors import run_in_phases
        from ganbench.sweep.expand import count_groups, phases, plan
        from ganbench.sweep.live import SweepBoard, sweep_summary
        from ganbench.engine.control_run import controls_beside

        typed = [name for name in values if context.get_parameter_source(name) in (
            click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT)]
        configs = plan(suite, values, set_pairs, seeds, given=typed, budget=budget)
        from ganbench.commands.run import tell_broken_plugins
        tell_broken_plugins()
        results_dir = configs[-1].results_dir
        console = Console()
        if not dry_run:
            from ganbench.results.migrate import migrate_and_tell
            migrate_and_tell(results_dir, lambda sentence: click.echo(sentence, err=True))
        groups = count_groups(configs)
        console.print(f"sweep: {len(configs)} runs ({groups} configurations), executor {executor}, "
                      f"results in {results_dir}")
        controls = controls_beside(configs) if with_controls else []
        if dry_run:
            for config in [*configs, *controls]:
                click.echo(config.run_id)
            return
        if controls:
            console.print(f"with {len(controls)} control runs, evaluated by the same executor")
        everything = [*configs, *controls]  # controls are runs too: the workers evaluate them beside the rest
        board = SweepBoard(everything)
        with board.live(Console(quiet=quiet)):  # --quiet: no live table, the summary still prints
            options = {"address": address, "cpus_per_trial": cpus_per_trial} if executor == "ray" else {}
            # Sources first, all of them, so that no run waits on a source another worker is training.
            updates = run_in_phases(phases(everything), make_executor(executor, workers, **options), board.update)
        for line in sweep_summary(updates):
            console.print(line)
        refuse_if_nothing_ran(updates)
        console.print(f"Results: {results_dir} (index: {results_dir}/index.sqlite)")
        console.print(f"Next: ganbench compare {results_dir}")


def refuse_if_nothing_ran(updates) -> None:
    """A sweep in which every run failed produced no result: it fails too (exit 2), with the first
    reason, and points at no results folder (there may be none)."""
    from ganbench.errors import GanbenchError
    from ganbench.results.result import RunStatus
    if updates and all(update.state == RunStatus.FAILED for update in updates):
        reason = updates[0].message.rstrip(".") or "no reason given"
        raise GanbenchError(f"every run of the sweep failed ({len(updates)} of {len(updates)}); the first: {reason}.")
