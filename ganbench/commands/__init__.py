"""The CLI's commands, one module each; each module has ``register(cli)``, which adds its command.

The CLI imports a command's module only when that command runs or ``--help`` lists it, and the
modules import torch only inside their functions, so that ``ganbench --help`` stays fast."""

COMMAND_MODULES: dict[str, str] = {
    "run": "ganbench.commands.run",
    "sweep": "ganbench.commands.sweep",
    "compare": "ganbench.commands.compare",
    "report": "ganbench.commands.report",
    "index": "ganbench.commands.index",
    "plot": "ganbench.commands.plot",
    "sample": "ganbench.commands.sample",
    "eval": "ganbench.commands.eval",
    "controls": "ganbench.commands.controls",
    "calibrate": "ganbench.commands.calibrate",
    "list": "ganbench.commands.list",
    "plugins": "ganbench.commands.plugins",
}
