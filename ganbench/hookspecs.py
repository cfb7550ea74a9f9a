"""The hooks a ganbench plugin may implement.

Each hook hands the plugin a ``register`` callback; the plugin calls it once per component
class it provides: ``register(MyArchitecture)``. Built-in components register through these
same hooks. The hook reference in docs/ is generated from these docstrings.
"""

import pluggy

hookspec = pluggy.HookspecMarker("ganbench")


@hookspec
def register_architectures(register):
    """Register Architecture subclasses.

    :param register: call ``register(cls)`` for each ganbench.architecture.Architecture subclass.
    """


@hookspec
def register_losses(register):
    """Register Loss subclasses.

    :param register: call ``register(cls)`` for each ganbench.loss.Loss subclass.
    """


@hookspec
def register_stabilizers(register):
    """Register Stabilizer subclasses.

    :param register: call ``register(cls)`` for each ganbench.stabilizer.Stabilizer subclass.
    """


@hookspec
def register_evaluators(register):
    """Register Evaluator subclasses.

    :param register: call ``register(cls)`` for each ganbench.evaluate.evaluator.Evaluator subclass.
    """


@hookspec
def register_datasets(register):
    """Register Dataset subclasses.

    :param register: call ``register(cls)`` for each ganbench.data.dataset.Dataset subclass.
    """


@hookspec
def register_commands(cli):
    """Add click commands to the ``ganbench`` command group.

    :param cli: the click group; decorate functions with ``@cli.command()``.
    """
