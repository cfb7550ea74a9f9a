"""``ganbench eval RUN``: evaluate a finished run again and merge the figures into its result.json;
``ganbench eval --samples PATH --dataset NAME``: evaluate samples made anywhere like a run on that data."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    @cli.command(name="eval")
    @click.argument("run_path", metavar="RUN", required=False)
    @click.option("--samples", default=None, metavar="PATH",
                  help="Evaluate these samples instead of a run: a folder of images, .npz/.npy/.pt, or 2-D points.")
    @click.option("--dataset", default=None, help="With --samples: the data set whose run protocol scores them.")
    @click.option("--data-opt", multiple=True, metavar="KEY=VALUE", help="With --samples: dataset option.")
    @click.option("--data-root", default=None, help="With --samples: folder of a file-based dataset.")
    @click.option("--resolution", default="32", show_default=True, help="With --samples: image side in pixels.")
    @click.option("--name", default=None, help="With --samples: the row's name in compare (default: the file's).")
    @click.option("--results-dir", default=None, help="With --samples: where its run directory goes (default: runs).")
    @click.option("--evaluator", "evaluators", multiple=True, metavar="NAME",
                  help="Evaluator, repeatable (default: the run's own).")
    @click.option("--eval-opt", multiple=True, metavar="NAME.KEY=VALUE", help="Evaluator option.")
    @click.option("--eval-samples", default=None, help="Generated samples per evaluation (default: the run's).")
    @click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, cuda:N or mps.")
    def evaluate_run(run_path: str | None, samples: str | None, dataset: str | None, data_opt: tuple[str, ...],
                     data_root: str | None, resolution: str, name: str | None, results_dir: str | None,
                     evaluators: tuple[str, ...], eval_opt: tuple[str, ...], eval_samples: str | None,
                     device: str) -> None:
        """Recompute figures of a finished RUN from its last checkpoint (the others are kept), or score
        --samples made anywhere with the protocol of a run on --dataset."""
        from rich.console import Console

        from ganbench.commands.run_flags import parse_named_options
        from ganbench.errors import ConfigError
        console = Console()
        if (run_path is None) == (samples is None):
            raise ConfigError("give either a RUN directory or --samples PATH with --dataset, not both or neither.")
        if samples is not None:
            evaluate_external(samples, dataset, data_opt, data_root, resolution, name, results_dir, evaluators,
                              eval_opt, eval_samples, device, console)
            return
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


def evaluate_external(samples: str, dataset: str | None, data_opt, data_root, resolution: str, name: str | None,
                      results_dir: str | None, evaluators, eval_opt, eval_samples: str | None, device: str,
                      console) -> None:
    """``ganbench eval --samples``: a run directory for the samples, beside the trained runs."""
    import os

    from ganbench.commands.run_flags import parse_named_options
    from ganbench.config import Choice
    from ganbench.resolve import resolve_config
    from ganbench.engine.external_run import evaluate_samples
    from ganbench.errors import ConfigError
    from ganbench.options import parse_assignments

    if dataset is None:
        raise ConfigError("--samples needs --dataset: the data set whose run protocol scores them.")
    options = parse_named_options(eval_opt, "--eval-opt", list(evaluators), "evaluator")
    base = resolve_config({
        "dataset": Choice(dataset, parse_assignments(data_opt, "--data-opt")).to_dict(), "data_root": data_root,
        "resolution": resolution, "device": device, **({"eval_samples": eval_samples} if eval_samples else {}),
        "evaluators": [{"name": item, "options": options.get(item, {})} for item in evaluators] or None,
        "results_dir": results_dir or os.environ.get("GANBENCH_RESULTS", "runs")})
    report = evaluate_samples(samples, base, name)
    state = "already evaluated" if report.skipped else "evaluated"
    console.print(f"{report.path}: {state} as {report.result.arch}")
    for metric, value in report.result.metrics.items():
        console.print(f"  {metric}: {value:.4g}")
