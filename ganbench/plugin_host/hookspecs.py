"""The hooks a ganbench plugin may implement.

Each hook hands the plugin a ``register`` callback; the plugin calls it once per component
class it provides: ``register(MyArchitecture)``. Built-in components register through these
same hooks. The hook reference in docs/hooks.md is generated from these docstrings
(``python -m ganbench.reference.hooks``), so each follows one template: a summary line,
``:param:`` lines, then the semantics.
"""

import pluggy

hookspec = pluggy.HookspecMarker("ganbench")


@hookspec
def register_architectures(register):
    """Register Architecture subclasses: generator and discriminator factories.

    :param register: call ``register(cls)`` once for each ``ganbench.api.Architecture``
        subclass; pass the class, not an instance.

    Called once per process, the first time ganbench needs its registry, for every plugin;
    built-ins first, then installed plugins in the order of their entry-point names.
    ``register`` checks the class at once: it must subclass the base class, have a kebab-case
    ``name``, a one-line ``description`` and a dataclass ``Options``. Every component is
    reachable as ``PLUGIN:NAME``; a name that a built-in or an earlier plugin holds stays theirs,
    and this plugin's component is reachable by its qualified name alone (a one-line notice says
    so). If ``register`` refuses a class, or the hook raises, the plugin is marked broken
    (``ganbench plugins`` shows the error), everything it registered is dropped, and every other
    plugin still works.
    The architecture's ``check(spec)`` and ``build(request)`` raise
    ``ganbench.api.Incompatible`` with one sentence for data they cannot serve.
    """


@hookspec
def register_losses(register):
    """Register Loss subclasses: adversarial objectives on discriminator logits.

    :param register: call ``register(cls)`` once for each ``ganbench.api.Loss`` subclass.

    Same calling rules as ``register_architectures``. A loss sets ``uses_targets`` (False for
    losses without real/fake targets, such as hinge), ``needs_per_sample_critic`` (True for
    gradient penalties, which forbid batch norm in D) and ``recommended`` optimizer settings.
    """


@hookspec
def register_stabilizers(register):
    """Register Stabilizer subclasses: training tricks that act at named points of the step.

    :param register: call ``register(cls)`` once for each ``ganbench.api.Stabilizer``
        subclass.

    Same calling rules as ``register_architectures``. Stabilizers compose: the engine calls
    every stabilizer of a run at each point, in ascending ``order``, and ``check`` refuses a
    combination that cannot work with ``ganbench.api.Incompatible``.
    """


@hookspec
def register_evaluators(register):
    """Register Evaluator subclasses: measurements of a trained generator.

    :param register: call ``register(cls)`` once for each
        ``ganbench.api.Evaluator`` subclass.

    Same calling rules as ``register_architectures``. ``evaluate(ctx)`` returns a flat dict of
    floats; ``directions`` declares for each metric whether "lower" or "higher" is better, and
    ``applies_to(spec, dataset)`` decides whether the evaluator runs by default on that data.
    Metric names must be unique across all evaluators.
    """


@hookspec
def register_datasets(register):
    """Register Dataset subclasses: data specs and sources of batches.

    :param register: call ``register(cls)`` once for each ``ganbench.api.Dataset``
        subclass.

    Same calling rules as ``register_architectures``. ``load(request)`` returns a
    ``ganbench.api.DataSource`` whose batches are float tensors in [-1, 1] with int64
    labels or None; a dataset that needs files it cannot find raises
    ``ganbench.api.DataError`` saying which files to put where.
    """


@hookspec
def register_loggers(register):
    """Register Logger subclasses: experiment trackers that receive a run as it trains.

    :param register: call ``register(cls)`` once for each ``ganbench.api.Logger`` subclass.

    Same calling rules as ``register_architectures``. A run uses the loggers the user names
    (``--logger NAME``, ``loggers = [...]`` in a suite); they never change the run id. ``check()``
    runs at set-up, before training, and refuses a logger that cannot work (its package missing)
    with one sentence. Then, in the process that owns the run directory, ``start`` receives the
    resolved configuration, ``log_row`` each row written to metrics.jsonl (at log intervals
    only), ``log_samples`` each sample grid, ``log_evaluation`` each evaluation and ``finish``
    the RunResult. A logger that raises is reported once, as a warning naming it, and switched
    off for the rest of the run; the run itself goes on.
    """


@hookspec
def register_commands(cli):
    """Add click commands to the ``ganbench`` command group.

    :param cli: the ``click.Group`` behind ``ganbench``; decorate functions with
        ``@cli.command()`` or call ``cli.add_command(command)``.

    Called once when the command line starts, after the built-in commands exist, for every
    loaded plugin. A hook that raises marks its plugin broken; the other commands still work.
    A command should stay thin: call a library function that the plugin's tests call too, and
    raise a ``ganbench.api.GanbenchError`` subclass with one sentence for a user's mistake.
    """
