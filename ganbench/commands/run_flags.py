"""The flags that describe runs, and the one grammar that reads them, for ``ganbench run`` and ``ganbench sweep``.

Both commands read their flags here into one :class:`~ganbench.sweep.expand.SweepSpec`, so every
flag means the same in both (``ganbench run`` is a sweep of one point):

- a comma gives alternatives: ``--arch dcgan,msg``, ``--stabilizer none,label-smoothing``,
  ``--arch-opt base_channels=32,64``, ``--steps 300,600``; a sweep trains each, ``run`` refuses them;
- ``+`` joins stabilizers into one set: ``--stabilizer dropout+d-noise``;
- a repeated flag adds to what the earlier ones gave: ``--stabilizer a --stabilizer b`` is the set
  ``a+b`` (with alternatives, each of the first with each of the second), ``--evaluator`` and
  ``--logger`` list several, ``--arch-opt`` and the other option flags set several keys;
- ``KEY=V1,V2`` gives alternatives of one option, ``K1=V,K2=W`` sets two options (an item with ``=``
  starts a new assignment).

The library never sees flags: it takes the spec (``ganbench.sweep``) or a resolved RunConfig.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterable

import click

FLAG_GRAMMAR = ("A comma gives alternatives (sweep trains each; run takes one), a+b joins stabilizers in one set, "
                "a repeated flag adds to the earlier ones.")


def run_options(function):
    """The options that describe runs (shared by run and sweep, with one meaning)."""
    options = [
        click.option("--arch", default="dcgan", show_default=True,
                     help="Architecture (ganbench list architectures); NAME,NAME: alternatives."),
        click.option("--arch-opt", multiple=True, metavar="KEY=VALUE",
                     help="Architecture option, repeatable; KEY=V1,V2: alternatives."),
        click.option("--loss", default="bce", show_default=True, help="Adversarial loss; NAME,NAME: alternatives."),
        click.option("--loss-opt", multiple=True, metavar="KEY=VALUE", help="Loss option, repeatable."),
        click.option("--stabilizer", "stabilizers", multiple=True, metavar="NAME",
                     help="Stabilizer (default: none). Repeated flags and a+b compose one set; "
                          "NAME,NAME: alternative sets, e.g. none,label-smoothing,dropout+d-noise."),
        click.option("--stab-opt", multiple=True, metavar="NAME.KEY=VALUE",
                     help="Stabilizer option, e.g. label-smoothing.real=0.8 (0.8,0.9: alternatives)."),
        click.option("--dataset", default="digits", show_default=True,
                     help="Dataset (embedded or from --data-root); NAME,NAME: alternatives."),
        click.option("--data-opt", multiple=True, metavar="KEY=VALUE", help="Dataset option, repeatable."),
        click.option("--data-root", default=None, help="Folder with the files of a file-based dataset."),
        click.option("--download", is_flag=True, help="Download the dataset into --data-root when possible."),
        click.option("--evaluator", "evaluators", multiple=True, metavar="NAME",
                     help="Evaluator, repeatable: each adds one (default: every one that applies)."),
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


# Click parameter -> the RunConfig field it sets (the rest share their field's name).
PARAM_FIELDS = {"arch_opt": "arch", "loss_opt": "loss", "data_opt": "dataset", "stab_opt": "stabilizers",
                "eval_opt": "evaluators", "log_opt": "loggers", "compile_": "compile"}
COMPONENT_FLAGS = {"arch": ("--arch", "arch_opt", "--arch-opt"), "loss": ("--loss", "loss_opt", "--loss-opt"),
                   "dataset": ("--dataset", "data_opt", "--data-opt")}
SCALAR_FLAGS = ("resolution", "batch_size", "steps", "seed", "latent_dim", "latent_dist", "lr_g", "lr_d",
                "beta1", "beta2", "n_critic", "step_mode", "device", "precision", "log_every", "sample_every",
                "checkpoint_every", "eval_every", "eval_samples", "nproc")
LITERAL_FLAGS = ("data_root", "download", "compile_", "channels_last", "sync_bn", "init_from", "results_dir")  # paths, switches
NAMED_OPTION_EXAMPLES = {"stabilizer": "label-smoothing.real=0.8", "logger": "mlflow.experiment=study"}
ONE_POINT = "run takes one configuration; use sweep for {flag}{text}."


FLAG_KINDS = {"--arch": "architecture", "--loss": "loss", "--dataset": "dataset", "--stabilizer": "stabilizer",
              "--evaluator": "evaluator", "--logger": "logger"}


def refuse_empty_component_name(flag: str) -> None:
    """``--stabilizer ''`` (an empty shell variable) names nothing: said with the names there are,
    never read as the baseline (resolution says the same of an empty name in a suite)."""
    kind = FLAG_KINDS.get(flag)
    if kind is not None:
        from ganbench.plugin_host import plugins
        from ganbench.resolve import refuse_empty_name
        refuse_empty_name(plugins.registry(), kind, "")


class FlagReader:
    """Reads flag values by the grammar above. ``one_point`` (``ganbench run``) refuses alternatives."""

    def __init__(self, one_point: bool) -> None:
        self.one_point = one_point
        self.written: dict[str, str] = {}  # component name -> the NAME.KEY=VALUE text that named it first

    def alternatives(self, text: Any, flag: str) -> list[str]:
        items = [item.strip() for item in str(text).split(",")]
        if not any(items):
            refuse_empty_component_name(flag)
            raise _config_error(f"{flag} needs at least one value, got {text!r}.")
        if not all(items):  # "dcgan," is a list that lost a name, not a list of one
            raise _config_error(f"{flag} {text!r} has an empty item; remove the stray comma or add the missing value.")
        if self.one_point and len(items) > 1:  # "--steps 4,8", "--arch-opt hidden=16,32"
            raise _config_error(ONE_POINT.format(flag=flag if flag.endswith("=") else flag + " ", text=text))
        return items

    def assignments(self, pairs: Iterable[str], flag: str, target: str = "") -> dict[str, list[str]]:
        """``KEY=V1,V2`` -> {KEY: [V1, V2]}; ``K1=V,K2=W`` -> two keys; later flags replace earlier keys."""
        from ganbench.options import parse_assignments
        lists: dict[str, list[str]] = {}
        for pair in pairs:
            for assignment in split_assignments(pair):
                for key, value in parse_assignments([assignment], flag).items():
                    # a key with a control character is quoted: the sentence stays on one line
                    shown = f"{target}{key}" if f"{target}{key}".isprintable() else repr(f"{target}{key}")
                    lists[key] = self.alternatives(value, f"{flag} {shown}=")
        return lists

    def component_axis(self, values: dict[str, Any], field: str) -> list[dict]:
        """``dcgan,msg`` with ``base_channels=8,16`` -> four choices: each name with each option combination."""
        flag, option_param, option_flag = COMPONENT_FLAGS[field]
        lists = self.assignments(values.get(option_param) or (), option_flag)
        return [{"name": name, "options": options}
                for name in self.alternatives(values[field], flag) for options in option_product(lists)]

    def stabilizer_axis(self, items: Iterable[str], option_pairs: Iterable[str]) -> list[list[dict]]:
        """Each flag's alternatives (``a,b+c``), the flags composed: every set of the product of the flags."""
        per_flag = [[parse_stabilizer_set(text) for text in self.alternatives(item, "--stabilizer")]
                    for item in items]
        sets = [sum(combination, []) for combination in itertools.product(*per_flag)] if per_flag else [[]]
        options = self.named_option_lists(option_pairs, "--stab-opt", "stabilizer")
        named = {name for names in sets for name in names}
        for name in options:
            if name not in named:
                if self.one_point:
                    raise _config_error(f"--stab-opt {self.written[name]!r} names stabilizer {name!r}, which is not "
                                        f"in this run; add --stabilizer {name}.")
                raise _config_error(f"--stab-opt names stabilizer {name!r}, which is in no stabilizer set of this "
                                    f"sweep; add it with --stabilizer {name}.")
        axis = []
        for names in sets:
            per_member = [[{"name": name, "options": chosen} for chosen in option_product(options.get(name, {}))]
                          for name in names]
            axis.extend(list(members) for members in itertools.product(*per_member))
        return axis

    def named_option_lists(self, pairs: Iterable[str], flag: str, kind: str) -> dict[str, dict[str, list[str]]]:
        """``NAME.KEY=V1,V2`` strings grouped by component name, each value a list of alternatives."""
        grouped: dict[str, dict[str, list[str]]] = {}
        for pair in pairs:
            for text in split_assignments(pair):
                target, dot, assignment = text.partition(".")
                if not dot or "=" not in assignment:
                    raise _config_error(f"{flag} expects NAME.KEY=VALUE, got {pair!r}.")
                if not target.strip():
                    raise _config_error(f"{flag} {pair!r} names no {kind}; write NAME.KEY=VALUE, e.g. "
                                        f"{flag} {NAMED_OPTION_EXAMPLES.get(kind, 'fid.samples=1000')}.")
                self.written.setdefault(target.strip(), pair)
                for key, values in self.assignments([assignment], flag, f"{target.strip()}.").items():
                    grouped.setdefault(target.strip(), {})[key] = values
        return grouped

    def components(self, names: Iterable[str], pairs: Iterable[str], flag: str, kind: str) -> list[dict]:
        """``--evaluator`` and ``--logger``: each flag adds one; what they set does not change training,
        so it takes no alternatives."""
        listed = list(names)
        for name in listed:
            if not name.strip():
                refuse_empty_component_name(f"--{kind}")
        if any("," in name for name in listed):
            text = next(name for name in listed if "," in name)
            raise _config_error(f"--{kind} {text}: this setting does not change what is trained, so it cannot be "
                                f"swept; give each {kind} its own --{kind} flag.")
        options = self.named_option_lists(pairs, flag, kind)
        for name, keys in options.items():
            if name not in listed:
                raise _config_error(f"{flag} {self.written[name]!r} names {kind} {name!r}, which is not in this run; "
                                    f"add --{kind} {name}.")
            for key, values in keys.items():
                if len(values) > 1:
                    raise _config_error(f"{flag} {name}.{key}: this setting does not change what is trained, so "
                                        f"it cannot be swept; give one value.")
        return [{"name": name, "options": {key: values[0] for key, values in options.get(name, {}).items()}}
                for name in listed]

    def set_axes(self, pairs: Iterable[str]) -> dict[str, list[str]]:
        """``--set lr_d=1e-4,2e-4``: any other RunConfig field, one or several values."""
        from ganbench.sweep.expand import FIELDS, HAS_OWN_FLAG, _refuse_unsweepable
        axes = {}
        for key, values in self.assignments(pairs, "--set").items():
            if key not in FIELDS:
                raise _config_error(f"--set {key}: no such run setting; valid settings: {', '.join(sorted(FIELDS))}.")
            if key in HAS_OWN_FLAG:
                flag = {"stabilizers": "stabilizer", "evaluators": "evaluator", "loggers": "logger"}.get(key, key)
                raise _config_error(f"--set {key}: use --{'seeds' if key == 'seed' else flag} for this setting.")
            _refuse_unsweepable(key, values, "--set")
            axes[key] = values
        return axes


def seed_range(text: Any) -> list[int]:
    """``--seeds N``: seeds 0..N-1."""
    from ganbench.options import coerce
    count = coerce(text, int, "--seeds")
    if count < 1:
        raise _config_error(f"--seeds must be a positive number of seeds, got {text!r}.")
    return list(range(count))


def split_assignments(text: str) -> list[str]:
    """``a=1,2,b=3`` -> ``["a=1,2", "b=3"]``: an item with ``=`` starts a new assignment."""
    parts: list[str] = []
    for item in str(text).split(","):
        if parts and "=" not in item:
            parts[-1] += "," + item
        else:
            parts.append(item)
    return parts


def parse_stabilizer_set(text: str) -> list[str]:
    names = [name.strip() for name in text.split("+")]
    if not all(names):
        raise _config_error(f"--stabilizer expects names joined by '+', got {text!r}.")
    return names


def option_product(lists: dict[str, list[Any]]) -> list[dict[str, Any]]:
    keys = sorted(lists)
    return [dict(zip(keys, values)) for values in itertools.product(*(lists[key] for key in keys))]


def _config_error(sentence: str) -> Exception:
    from ganbench.errors import ConfigError
    return ConfigError(sentence)


# From flags to a spec, a plan, or one configuration -----------------------------------------------------

def flag_spec(values: dict[str, Any], set_pairs: Iterable[str] = (), seeds: str | None = None,
              given: Iterable[str] | None = None, one_point: bool = False):
    """The :class:`SweepSpec` the flags ask for: settings with one value are fixed, with several an axis.

    ``given`` names the parameters the user typed; None takes every value, defaults included (no suite).
    With a suite, only what was typed overrides it."""
    from ganbench.config import RunConfig
    from ganbench.sweep.expand import SweepSpec
    reader = FlagReader(one_point)
    params = [name for name in (values if given is None else given) if name in values]
    fields = {PARAM_FIELDS.get(name, name) for name in params}
    fixed: dict[str, Any] = {}
    axes: dict[str, list[Any]] = {}
    for field in COMPONENT_FLAGS:
        if field in fields:
            axes[field] = reader.component_axis(values, field)
    if "stabilizers" in fields:
        axes["stabilizers"] = reader.stabilizer_axis(values.get("stabilizers") or (), values.get("stab_opt") or ())
    for field, names, pairs, flag, kind in (("evaluators", "evaluators", "eval_opt", "--eval-opt", "evaluator"),
                                            ("loggers", "loggers", "log_opt", "--log-opt", "logger")):
        if field in fields:
            chosen = reader.components(values.get(names) or (), values.get(pairs) or (), flag, kind)
            fixed[field] = chosen if chosen or field == "loggers" else None  # no evaluator: every one that applies
    for name in params:
        field = PARAM_FIELDS.get(name, name)
        if name in LITERAL_FLAGS:
            fixed[field] = values[name]
        elif name in SCALAR_FLAGS and values[name] is not None:
            choices = reader.alternatives(values[name], "--" + name.replace("_", "-"))
            # A setting that does not change what is trained would train the same run twice.
            if len(choices) > 1 and field not in RunConfig.NOT_IN_ID:
                axes[field] = choices
            elif len(choices) > 1:
                raise _config_error(f"--{name.replace('_', '-')} {values[name]}: this setting does not change what "
                                    f"is trained, so it cannot be swept; give one value.")
            else:
                fixed[field] = choices[0]
    if seeds is not None:
        fixed.pop("seed", None)
        axes["seed"] = seed_range(seeds)
    if set_pairs:
        if one_point:
            raise _config_error("run takes one configuration; --set belongs to sweep, give the setting's own flag.")
        axes.update(reader.set_axes(set_pairs))
    return SweepSpec(fixed, axes)



def raw_config_from_flags(values: dict[str, Any]) -> dict[str, Any]:
    """The one configuration that ``ganbench run``'s flags ask for, unresolved; alternatives refused."""
    spec = flag_spec(values, one_point=True)
    return {**spec.fixed, **{field: choices[0] for field, choices in spec.axes.items()}}


def config_from_flags(values: dict[str, Any], registry: Any = None):
    """The resolved configuration of ``ganbench run``'s flags: a sweep of one point, resolved once."""
    from ganbench.resolve import resolve_config
    return resolve_config(raw_config_from_flags(values), registry)


def plan_from_flags(suite: Any, values: dict[str, Any], set_pairs: Iterable[str] = (), seeds: str | None = None,
                    given: Iterable[str] | None = None, registry: Any = None, budget: str | None = None):
    """The runs of ``ganbench sweep``: the suite's (at ``budget``), with the flags the user typed
    (``given``) over it, or, without a suite, the flags' own alternatives."""
    from ganbench.sweep.flow import plan
    flags = flag_spec(values, set_pairs, seeds, given if suite is not None else None)
    return plan(suite, flags, budget=budget, registry=registry)


def parse_named_options(pairs: Any, flag: str, names: list[str], kind: str) -> dict[str, dict[str, str]]:
    """``NAME.KEY=VALUE`` strings grouped by component name, for commands that take one value each
    (``eval``, ``controls``)."""
    chosen = FlagReader(one_point=False).components(names, pairs, flag, kind)
    return {choice["name"]: choice["options"] for choice in chosen if choice["options"]}


def typed_parameters(context: click.Context, values: dict[str, Any]) -> list[str]:
    """The parameters the user typed (or set through the environment), not click's defaults."""
    return [name for name in values if context.get_parameter_source(name) in (
        click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT)]

