"""``ganbench list``: the registered components of each kind, with their plugin and options."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from ganbench.errors import ConfigError
from ganbench.plugin_host.registry import KINDS, PLURALS

console = Console()
KIND_BY_NAME = {**{kind: kind for kind in KINDS}, **{plural: kind for kind, plural in PLURALS.items()}}


@click.command(name="list")
@click.argument("kind", required=False)
def list_components(kind: str | None) -> None:
    """List registered components: architectures, losses, stabilizers, evaluators, datasets, loggers."""
    if kind is not None and kind not in KIND_BY_NAME:
        raise ConfigError(f"unknown kind {kind!r}; choose one of {', '.join(PLURALS.values())}.")
    from ganbench.plugin_host import catalogue

    current = catalogue.current()  # imports the plugins only when what is installed changed
    kinds = [KIND_BY_NAME[kind]] if kind else list(KINDS)
    for each in kinds:
        table = Table(title=PLURALS[each], title_justify="left", show_header=True, header_style="bold")
        for column in ("name", "plugin", "description", "options"):
            table.add_column(column, overflow="fold")
        for row in current["components"][each]:
            table.add_row(row["name"], row["plugin"], row["description"], row["options"])
        console.print(table)
    from ganbench.plugin_host.plugins import broken_plugin_notices
    for notice in broken_plugin_notices(current["broken"]):
        click.echo(notice, err=True)


def register(cli: click.Group) -> None:
    cli.add_command(list_components)
