"""``ganbench eval RUN``: evaluate a finished run again and merge the figures into its result.json."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    @cli.command(name="eval")
    @click.argument("run_path", metavar="RUN")
    @click.option("--evaluator", "evaluators", multiple=True, metavar="NAME",
                  help="Evaluator, repeatable (default: the run's own).")
    @click.option("--eval-opt", multiple=True, metavar="NAME.KEY=VALUE", help="Evaluator option.")
    @click.option("--eval-samples", default=None, help="Generated samples per evaluation (default: the run's).")
    @click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N or mps.")
    def evaluate_run(run_path: str, evaluators: tuple[str, ...], eval_opt: tuple[str, ...],
                     eval_samples: str | None, device: str) -> None:
        """Recompute figures of a finished run from its last checkpoint; the others are kept."""
        from rich.console import Console

        from ganbench.commands.run_flags import parse_named_options
        console = Console()
        from ganbench.config import Choice
        from ganbench.trained.reevaluate import reevaluate
        from ganbench.options import coerce

        names = list(evaluators)
        options = parse_named_options(eval_opt, "--eval-opt", names, "evaluator")
        choices = [Choice(name, options.get(name, {})) for name in names] or None
        samples = None if eval_samples is None else coerce(eval_samples, int, "eval_samples")
        _, evaluation = reevaluate(run_path, choices, samples, device)
        console.print(f"updated {run_path}/result.json ({evaluation.seconds:.1f} s)")
        for metric, value in evaluation.metrics.items():
            console.print(f"  {metric}: {value:.4g}")
