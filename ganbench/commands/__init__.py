"""CLI commands beyond run, list and plugins; each module has ``register(cli)``."""

COMMAND_MODULES: tuple[str, ...] = (
    "ganbench.commands.sweep",
    "ganbench.commands.compare",
    "ganbench.commands.index",
    "ganbench.commands.plot",
    "ganbench.commands.sample",
    "ganbench.commands.eval",
    "ganbench.commands.plugin_scaffold",
)
