"""Commands that plugins add through the ``register_commands`` hook.

Listing them means importing the plugins (and torch with them), so the CLI asks for them only
when a command is not a built-in one, or when ``--help`` lists every command."""

from __future__ import annotations

import click

_added: set[int] = set()  # the groups that already hold the plugins' commands


def add_plugin_commands(cli: click.Group) -> None:
    """Let every loaded plugin add its commands to ``cli`` (once per group)."""
    if id(cli) in _added:
        return
    from ganbench.plugin_host import plugins
    _added.add(id(cli))
    plugins.state().register_commands(cli)


def plugin_command_names(cli: click.Group) -> list[str]:
    add_plugin_commands(cli)
    return list(cli.commands)
