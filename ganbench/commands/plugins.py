"""``ganbench plugins``: list, install, uninstall and scaffold plugin packages."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from ganbench.commands.plugin_scaffold import plugins_new
from ganbench.plugin_host.registry import PLURALS

console = Console()


@click.group(name="plugins", invoke_without_command=True)
@click.pass_context
def plugins_command(context: click.Context) -> None:
    """Installed plugins: list, install, uninstall."""
    if context.invoked_subcommand is None:
        context.invoke(plugins_list)



@plugins_command.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins_list(as_json: bool) -> None:
    """Each plugin: package, version, what it registered, and its error if it broke."""
    from ganbench.plugin_host import plugins

    state = plugins.state()
    state.fill_registry()
    rows = [{"name": info.name, "package": info.package, "version": info.version, "builtin": info.builtin,
             "registered": info.registered, "error": info.error} for info in state.plugins.values()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("plugin", "package", "version", "registered", "status"):
        table.add_column(column, overflow="fold")
    for row in rows:
        registered = "; ".join(f"{PLURALS[kind]}: {', '.join(names)}" for kind, names in row["registered"].items())
        status = f"[red]broken: {row['error']}[/red]" if row["error"] else "ok"
        table.add_row(row["name"], row["package"], row["version"], registered, status)
    console.print(table)


@plugins_command.command(name="install")
@click.argument("packages", nargs=-1, required=True)
@click.option("-e", "--editable", is_flag=True, help="Install a local folder in editable mode.")
@click.option("-U", "--upgrade", is_flag=True)
def plugins_install(packages: tuple[str, ...], editable: bool, upgrade: bool) -> None:
    """Install plugin packages with pip into ganbench's own environment."""
    from ganbench.plugin_host.install import pip
    arguments = ["install", *(["--upgrade"] if upgrade else [])]
    for package in packages:
        arguments += ["-e", package] if editable else [package]
    printed = pip(arguments)
    click.echo(last_line(printed) or f"installed {', '.join(packages)}.")


@plugins_command.command(name="uninstall")
@click.argument("names", nargs=-1, required=True)
def plugins_uninstall(names: tuple[str, ...]) -> None:
    """Uninstall plugins, by the name ``ganbench plugins`` shows or by package name."""
    from ganbench.plugin_host.install import uninstall
    for package in uninstall(list(names)):
        click.echo(f"uninstalled {package}.")


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


plugins_command.add_command(plugins_new)


def register(cli: click.Group) -> None:
    cli.add_command(plugins_command)
