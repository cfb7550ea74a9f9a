"""``ganbench sweep``: train the product of architectures, losses, stabilizer sets, datasets, seeds
and any other setting, skip what finished, resume what was interrupted, and show it live.

The flags are read by ganbench.commands.run_flags (the grammar ``run`` shares); the sweep itself is
ganbench.sweep.flow."""

from __future__ import annotations

import click
from rich.console import Console

SET_HELP = "Any other run setting with one or several values, repeatable: --set lr_d=1e-4,2e-4."


def register(cli: click.Group) -> None:
    from ganbench.commands.run_flags import FLAG_GRAMMAR, run_options
    from ganbench.sweep.executor_choice import EXECUTORS

    @cli.command(help=f"""Train every combination of the listed settings over seeds, skipping what finished.

        Example: --arch dcgan,msg --stabilizer none,label-smoothing --seeds 3. {FLAG_GRAMMAR}
        SUITE is a TOML file (docs/sweeps.md) whose settings the flags you type replace.""")
    @click.argument("suite", required=False, type=click.Path(dir_okay=False))
    @run_options
    @click.option("--seeds", default=None, metavar="N", help="Train seeds 0..N-1 of every configuration.")
    @click.option("--set", "set_pairs", multiple=True, metavar="KEY=V1,V2", help=SET_HELP)
    @click.option("--executor", type=click.Choice(sorted(EXECUTORS)), default="local", show_default=True,
                  help="local: one run after another; processes: several worker processes; ray: one Ray task "
                       "per run (pip install 'ganbench[ray]').")
    @click.option("--workers", type=click.IntRange(min=1), default=None,
                  help="Worker processes (default: one per GPU, else half the CPU cores); each gets its share of "
                       "the free cores as threads; with ray and no --address, the CPUs of the local Ray instance.")
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
        from ganbench.commands.run_flags import plan_from_flags, typed_parameters
        from ganbench.sweep import flow
        from ganbench.sweep.executor_choice import make_executor
        from ganbench.sweep.live import SweepBoard, sweep_summary

        configs = plan_from_flags(suite, values, set_pairs, seeds, given=typed_parameters(context, values),
                                  budget=budget)
        planned = flow.with_controls(configs, with_controls)
        from ganbench.commands.run import tell_broken_plugins
        tell_broken_plugins()
        console = Console()
        if not dry_run:
            flow.migrate_results(planned.results_dir, lambda sentence: click.echo(sentence, err=True))
        console.print(f"sweep: {len(configs)} runs ({planned.configurations} configurations), executor {executor}, "
                      f"results in {planned.results_dir}")
        if dry_run:
            for config in planned.everything:
                click.echo(config.run_id)
            return
        if planned.controls:
            console.print(f"with {len(planned.controls)} control runs, evaluated by the same executor")
        board = SweepBoard(planned.everything)
        with board.live(Console(quiet=quiet)):  # --quiet: no live table, the summary still prints
            options = {"address": address, "cpus_per_trial": cpus_per_trial} if executor == "ray" else {}
            updates = flow.train(planned.everything, make_executor(executor, workers, **options), board.update)
        for line in sweep_summary(updates):
            console.print(line)
        flow.refuse_if_nothing_ran(updates)
        console.print(f"Results: {planned.results_dir} (index: {planned.results_dir}/index.sqlite)")
        console.print(f"Next: ganbench compare {planned.results_dir}")
