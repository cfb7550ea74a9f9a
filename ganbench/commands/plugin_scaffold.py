"""``ganbench plugins new NAME``: scaffold a plugin package (see ganbench.plugin_host.scaffold)."""

from __future__ import annotations

import click

from ganbench.plugin_host.scaffold import KINDS


@click.command(name="new")
@click.argument("name")
@click.option("--kinds", default=",".join(KINDS), show_default=True, metavar="KIND,...",
              help="Example components to include: architecture, loss, stabilizer, evaluator, dataset.")
@click.option("--dir", "directory", default=".", show_default=True, metavar="PATH",
              help="Folder in which ganbench-NAME/ is created.")
def plugins_new(name: str, kinds: str, directory: str) -> None:
    """Write ganbench-NAME/: a plugin package with an example of each kind, tests and a README."""
    from ganbench.plugin_host import scaffold

    chosen = scaffold.parse_kinds(kinds)
    folder = scaffold.new_plugin(name, chosen, directory)
    names = scaffold.plugin_names(name)
    click.echo(f"Created {folder}/ with: " + ", ".join(
        f"{kind} {scaffold.component_name(names, kind)}" for kind in chosen) + ".")
    click.echo("Next:")
    click.echo(f"  ganbench plugins install -e {folder}")
    click.echo("  ganbench list")
    click.echo(f"  cd {folder} && python -m pytest")
