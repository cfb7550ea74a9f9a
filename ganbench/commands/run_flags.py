"""The flags that describe one run, shared by ``ganbench run`` and ``ganbench sweep``.

They are declared here and translated into a configuration by ganbench.config
(``config_from_flags``), the one place that turns user input into a run."""

from __future__ import annotations

import click


def run_options(function):
    """The options that describe one run (shared by run and sweep)."""
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
        click.option("--logger", "loggers", multiple=True, metavar="NAME",
                     help="Experiment tracker fed as the run trains, repeatable: tensorboard, mlflow, wandb "
                          "(ganbench list loggers); not part of the run id."),
        click.option("--log-opt", multiple=True, metavar="NAME.KEY=VALUE",
                     help="Logger option, e.g. mlflow.tracking_uri=sqlite:///mlflow.db."),
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
        click.option("--nproc", "--gpus", "nproc", default=None,
                     help="Data-parallel processes: one per GPU, or CPU processes (gloo); under torchrun, its "
                          "world size  [default: 1]"),
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
