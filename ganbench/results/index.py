"""The results index: one SQLite file that lists runs, their configurations and metrics.

Run directories stay the source of truth; the index only makes queries fast, and ``rebuild``
recreates it from them at any time. It runs in WAL mode with a busy timeout, so worker
processes that finish runs at the same moment each add their row without losing another's.

```
runs(run_id, path, grp, status, arch, loss, dataset, stabilizers, seed, steps, budget_steps,
     budget_images, images_seen, wall_time_s, img_per_s, control, config_json, result_mtime_ns)
metrics(run_id, name, value, direction)   direction: lower, higher, or NULL for a logged scalar
```
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterator

from ganbench.config import RunConfig
from ganbench.errors import CheckpointError
from ganbench.contracts.run_result import RunResult
from ganbench.results.run_dir import RunDir, read_json

INDEX_NAME = "index.sqlite"
SCHEMA_VERSION = 2  # 2: the control column
BUSY_TIMEOUT_MS = 60_000
FINAL_PREFIX = "final."  # the last logged scalars, indexed as metrics without a direction
RUN_COLUMNS = ("run_id", "path", "grp", "status", "arch", "loss", "dataset", "stabilizers", "seed", "steps",
               "budget_steps", "budget_images", "images_seen", "wall_time_s", "img_per_s", "control", "config_json",
               "result_mtime_ns")
SCHEMA = (
    "CREATE TABLE runs (run_id TEXT PRIMARY KEY, path TEXT NOT NULL, grp TEXT NOT NULL, status TEXT NOT NULL, "
    "arch TEXT, loss TEXT, dataset TEXT, stabilizers TEXT, seed INTEGER, steps INTEGER, budget_steps INTEGER, "
    "budget_images INTEGER, images_seen INTEGER, wall_time_s REAL, img_per_s REAL, control TEXT, config_json TEXT, "
    "result_mtime_ns INTEGER)",
    "CREATE TABLE metrics (run_id TEXT NOT NULL, name TEXT NOT NULL, value REAL, direction TEXT, "
    "PRIMARY KEY (run_id, name))",
    "CREATE INDEX runs_by_group ON runs (grp)",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)


@dataclasses.dataclass
class IndexedRun:
    """One row of ``runs`` with its metrics, as compare reads it."""

    run_id: str
    path: str
    grp: str
    status: str
    arch: str
    loss: str
    dataset: str
    stabilizers: str
    seed: int
    steps: int
    budget_steps: int | None
    budget_images: int | None
    images_seen: int | None
    wall_time_s: float | None
    img_per_s: float | None
    control: str | None  # the control's name, None for a trained run
    config: dict[str, Any]  # config.json as stored
    metrics: dict[str, float]
    directions: dict[str, str | None]

    @property
    def run_config(self) -> RunConfig:
        """The run's configuration, typed."""
        return RunConfig.from_json(self.config)


@dataclasses.dataclass
class RebuildReport:
    indexed: int
    skipped: list[tuple[Path, str]]  # (run directory, why) for every unreadable result.json


def default_index_path(results_dir: Path | str) -> Path:
    return Path(results_dir) / INDEX_NAME


@contextlib.contextmanager
def connect(index_path: Path | str) -> Iterator[sqlite3.Connection]:
    """A connection in WAL mode that waits for other writers instead of failing."""
    index_path = Path(index_path)
    index_path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(index_path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _enable_wal(connection)
        _ensure_schema(connection)
        yield connection
    finally:
        connection.close()


def _enable_wal(connection: sqlite3.Connection) -> None:
    # Switching the journal mode needs a moment alone with the file; a fresh index opened by
    # several workers at once can answer "locked" here without waiting, so try again.
    for attempt in range(200):
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 199:
                raise
            time.sleep(0.05)


def _ensure_schema(connection: sqlite3.Connection) -> None:
    """Create the tables; an index from another schema version is emptied (rebuild refills it)."""
    if connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    with transaction(connection):
        if connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return  # another process created it while this one waited for the lock
        connection.execute("DROP TABLE IF EXISTS metrics")
        connection.execute("DROP TABLE IF EXISTS runs")
        for statement in SCHEMA:
            connection.execute(statement)


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE takes the write lock at once, so two writers queue instead of deadlocking."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def upsert_run(run_path: Path | str, index_path: Path | str | None = None) -> None:
    """Add or replace one finished run; its result.json must exist and be readable."""
    run_path = Path(run_path).resolve()
    rows = run_rows(run_path)
    with connect(index_path or default_index_path(run_path.parent)) as connection, transaction(connection):
        _write(connection, *rows)


def rebuild(results_dir: Path | str, index_path: Path | str | None = None) -> RebuildReport:
    """Recreate the index from the run directories; an unreadable result.json is skipped and named."""
    results_dir = Path(results_dir)
    rows, skipped = [], []
    for run_path in result_directories(results_dir):
        try:
            rows.append(run_rows(run_path))
        except CheckpointError as error:
            skipped.append((run_path, str(error)))
    index_path = Path(index_path or default_index_path(results_dir))
    try:
        _replace_all(index_path, rows)
    except sqlite3.DatabaseError as error:
        if not is_unreadable(error):
            raise
        remove_index(index_path)  # not an SQLite file any more: start a new one
        _replace_all(index_path, rows)
    return RebuildReport(len(rows), skipped)


def _replace_all(index_path: Path, rows: list[tuple[dict[str, Any], list[tuple]]]) -> None:
    with connect(index_path) as connection, transaction(connection):
        connection.execute("DELETE FROM metrics")
        connection.execute("DELETE FROM runs")
        for run_row, metric_rows in rows:
            _write(connection, run_row, metric_rows)


def is_unreadable(error: sqlite3.DatabaseError) -> bool:
    """A file that is not (or no longer) an SQLite database; a busy or locked one is not unreadable."""
    return not isinstance(error, sqlite3.OperationalError)


def result_directories(results_dir: Path) -> list[Path]:
    """Every run directory under ``results_dir`` that has a result.json, by name."""
    if not results_dir.is_dir():
        return []
    return sorted(path.parent.resolve() for path in results_dir.glob("*/result.json"))


def run_rows(run_path: Path) -> tuple[dict[str, Any], list[tuple]]:
    """The runs row and the metrics rows of one run directory."""
    folder = RunDir(run_path)
    result = folder.read_result()
    if result is None:
        raise CheckpointError(f"{run_path} has no result.json; the run has not finished.")
    mtime = folder.result.stat().st_mtime_ns
    config = read_json(folder.config) if folder.config.exists() else {}
    try:
        run_row = _run_row(run_path, result, config, mtime)
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{folder.result} is corrupt: {type(error).__name__} {error}.") from None
    run_id = run_row["run_id"]
    metric_rows = [(run_id, str(name), _number(value), result.directions.get(name))
                   for name, value in result.metrics.items()]
    metric_rows += [(run_id, FINAL_PREFIX + str(name), _number(value), None)
                    for name, value in result.final.items() if name not in ("step", "images")]
    return run_row, metric_rows


def _run_row(run_path: Path, result: RunResult, config: dict[str, Any], mtime: int) -> dict[str, Any]:
    budget = result.budget or {}
    return {
        "run_id": str(result.run_id), "path": str(run_path), "grp": str(result.group),
        "status": result.status.value, "arch": str(result.arch), "loss": str(result.loss),
        "dataset": str(result.dataset), "stabilizers": "+".join(result.stabilizers) or "none",
        "seed": int(result.seed), "steps": int(result.steps),
        "budget_steps": budget.get("steps"), "budget_images": budget.get("images"),
        "images_seen": result.images_seen, "wall_time_s": _number(result.wall_time_s),
        "img_per_s": _number(result.img_per_s), "control": result.control,
        "config_json": json.dumps(config, sort_keys=True),
        "result_mtime_ns": mtime,
    }


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _write(connection: sqlite3.Connection, run_row: dict[str, Any], metric_rows: list[tuple]) -> None:
    placeholders = ", ".join("?" for _ in RUN_COLUMNS)
    connection.execute(f"INSERT OR REPLACE INTO runs ({', '.join(RUN_COLUMNS)}) VALUES ({placeholders})",
                       [run_row[column] for column in RUN_COLUMNS])
    connection.execute("DELETE FROM metrics WHERE run_id = ?", (run_row["run_id"],))
    connection.executemany("INSERT OR REPLACE INTO metrics (run_id, name, value, direction) VALUES (?, ?, ?, ?)",
                           metric_rows)


def is_stale(results_dir: Path | str, index_path: Path | str | None = None) -> bool:
    """True when the index is missing or disagrees with the run directories (new, changed or gone)."""
    results_dir = Path(results_dir)
    index_path = Path(index_path or default_index_path(results_dir))
    if not index_path.exists():
        return True
    on_disk = {str(path): (path / "result.json").stat().st_mtime_ns for path in result_directories(results_dir)}
    with connect(index_path) as connection:
        indexed = dict(connection.execute("SELECT path, result_mtime_ns FROM runs"))
    return on_disk != indexed


def ensure_index(results_dir: Path | str, index_path: Path | str | None = None) -> RebuildReport | None:
    """Rebuild the index when it is missing, stale or unreadable; returns the rebuild's report, or None."""
    index_path = Path(index_path or default_index_path(results_dir))
    try:
        stale = is_stale(results_dir, index_path)
    except sqlite3.DatabaseError as error:
        if not is_unreadable(error):
            raise
        stale = True  # rebuild replaces it: the run directories still hold everything
    return rebuild(results_dir, index_path) if stale else None


def remove_index(index_path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{index_path}{suffix}").unlink(missing_ok=True)


def load_runs(index_path: Path | str) -> list[IndexedRun]:
    """Every indexed run with its metrics, ordered by run id."""
    with connect(index_path) as connection:
        connection.row_factory = sqlite3.Row
        runs = connection.execute("SELECT * FROM runs ORDER BY run_id").fetchall()
        # rowid order: each run's metrics in the order its evaluators wrote them.
        metrics = connection.execute("SELECT run_id, name, value, direction FROM metrics ORDER BY rowid").fetchall()
    by_run: dict[str, list[sqlite3.Row]] = {}
    for row in metrics:
        by_run.setdefault(row["run_id"], []).append(row)
    return [_indexed_run(row, by_run.get(row["run_id"], [])) for row in runs]


def _indexed_run(row: sqlite3.Row, metric_rows: list[sqlite3.Row]) -> IndexedRun:
    values = {column: row[column] for column in RUN_COLUMNS if column not in ("config_json", "result_mtime_ns")}
    return IndexedRun(**values, config=json.loads(row["config_json"] or "{}"),
                      metrics={m["name"]: m["value"] for m in metric_rows if m["value"] is not None},
                      directions={m["name"]: m["direction"] for m in metric_rows})
