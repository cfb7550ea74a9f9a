"""``ganbench index``: bring the SQLite results index up to date with the run directories."""

from __future__ import annotations

import os
from pathlib import Path

import click


def register(cli: click.Group) -> None:
    @cli.command(name="index")
    @click.argument("results_dir", required=False, type=click.Path(file_okay=False))
    @click.option("--rebuild", is_flag=True, help="Rebuild from the run directories even if it looks current.")
    def index_command(results_dir: str | None, rebuild: bool) -> None:
        """Update RESULTS_DIR/index.sqlite (default: runs) from the run directories, the source of truth."""
        from ganbench.errors import ConfigError
        from ganbench.results import index
        from ganbench.results.migrate import migrate_and_tell

        folder = Path(results_dir or os.environ.get("GANBENCH_RESULTS", "runs"))
        if not folder.is_dir():
            raise ConfigError(f"results directory {folder} does not exist.")
        migration = migrate_and_tell(folder, click.echo, mention_skipped=True)
        rebuild = rebuild or bool(migration.migrated)
        report = index.rebuild(folder) if rebuild else index.ensure_index(folder)
        for path, reason in (report.skipped if report else []):
            click.echo(f"Warning: skipped {path.name}: {reason}", err=True)
        runs = index.load_runs(index.default_index_path(folder))
        state = "rebuilt" if report else "up to date"
        groups = len({run.grp for run in runs})
        click.echo(f"{index.default_index_path(folder)}: {state}, {len(runs)} runs in {groups} configurations.")
