"""The ``ganbench`` command group and its entry point, ``main``.

The commands live in ganbench.commands, one module each, and are imported only when needed; plugins
add commands through the ``register_commands`` hook. ``main`` turns every user error into one
sentence on stderr and exit status 2. Nothing imports this module but the entry points.
"""

from __future__ import annotations

import importlib
import sys

import click

from ganbench import __version__
from ganbench.commands import COMMAND_MODULES
from ganbench.engine.interrupt import stops_as_interrupt  # SIGTERM and Ctrl-C: the same stop
from ganbench.errors import GanbenchError, as_one_line, cannot_write_or_read


class StoppedByUser(BaseException):
    """Ctrl-C or SIGTERM carried past click to ``main``: click answers a KeyboardInterrupt with an empty
    line on stderr before its Abort, and the resume sentence must be the only line."""


class GanbenchGroup(click.Group):
    """Built-in commands imported on first use; plugin commands after the plugins are loaded."""

    def invoke(self, context: click.Context):
        try:
            return super().invoke(context)
        except KeyboardInterrupt as error:
            raise StoppedByUser from error

    def list_commands(self, context: click.Context) -> list[str]:
        from ganbench.plugin_host import catalogue
        return sorted({*COMMAND_MODULES, *self.commands, *catalogue.current()["commands"]})

    def format_commands(self, context: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``: plugin commands described from the plugin catalogue, so
        that listing them imports no plugin (and no torch) while the catalogue is current."""
        from ganbench.plugin_host import catalogue
        described = catalogue.current()["commands"]
        names = self.list_commands(context)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in COMMAND_MODULES or name in self.commands:
                command = self.get_command(context, name)
                if command is not None and not command.hidden:
                    rows.append((name, command.get_short_help_str(limit)))
            else:
                rows.append((name, click.utils.make_default_short_help(described[name], limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, context: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMAND_MODULES:
            importlib.import_module(COMMAND_MODULES[name]).register(self)
        if name not in self.commands:
            from ganbench.commands.plugin_commands import add_plugin_commands
            add_plugin_commands(self)
        return self.commands.get(name)


@click.group(cls=GanbenchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ganbench")
def cli() -> None:
    """ganbench: train, evaluate and compare GAN variants on equal terms."""


def _out_of_memory_errors() -> tuple[type, ...]:
    if "torch" not in sys.modules:  # nothing ran on a device, so nothing ran out of its memory
        return ()
    import torch
    return tuple(error for error in (getattr(torch, "OutOfMemoryError", None),
                                     getattr(torch.cuda, "OutOfMemoryError", None)) if error is not None)


INTERRUPTED = "Interrupted: run the same command again to resume from the last checkpoint."


def main(argv: list[str] | None = None) -> None:
    """Entry point: turns every user error into one sentence and exit status 2, and a stop (Ctrl-C,
    SIGTERM) at any phase into the resume sentence and exit status 130."""
    try:
        with stops_as_interrupt():
            cli.main(args=argv, prog_name="ganbench", standalone_mode=False)
    except (click.Abort, KeyboardInterrupt, StoppedByUser):  # before RuntimeError: click.Abort is one
        click.echo(INTERRUPTED, err=True)
        sys.exit(130)
    except GanbenchError as error:
        click.echo(f"Error: {as_one_line(str(error))}", err=True)
        sys.exit(error.exit_code)
    except _out_of_memory_errors() as error:
        click.echo(f"Error: the device ran out of memory ({str(error).splitlines()[0][:120]}); lower --batch-size "
                   f"or --resolution; checkpoints written before are intact.", err=True)
        sys.exit(2)
    except click.exceptions.NoArgsIsHelpError as error:  # pragma: no cover - depends on click version
        click.echo(error.ctx.get_help())
        sys.exit(0)
    except click.UsageError as error:
        click.echo(f"Error: {as_one_line(error.format_message())}", err=True)
        sys.exit(2)
    except RuntimeError as error:
        if "can't allocate memory" not in str(error):  # the CPU allocator's out-of-memory
            raise
        click.echo("Error: the machine ran out of memory; lower --batch-size or --resolution; "
                   "checkpoints written before are intact.", err=True)
        sys.exit(2)
    except OSError as error:  # full disk, read-only or missing folders: the environment, not a bug
        click.echo(f"Error: {as_one_line(cannot_write_or_read(error))}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as error:
        sys.exit(error.exit_code)
    except click.ClickException as error:
        click.echo(f"Error: {as_one_line(error.format_message())}", err=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
