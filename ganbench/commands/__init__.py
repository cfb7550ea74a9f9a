"""CLI commands beyond run, list and plugins; each module has ``register(cli)``."""

COMMAND_MODULES: tuple[str, ...] = ()
