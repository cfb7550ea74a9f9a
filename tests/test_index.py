"""The SQLite results index: concurrent writers lose nothing, rebuild equals the incremental index,
corrupt files are skipped by name, and the index notices when it is stale."""

import json
import multiprocessing
import sqlite3
from pathlib import Path

from ganbench.results import index


def write_result(results: Path, number: int, metrics: dict | None = None) -> Path:
    run_id = f"mlp-bce-ring8-none-s{number}-{number:010d}"
    folder = results / run_id
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"schema_version": 2, "run_id": run_id, "group": "g", "steps": 10,
                                                     "seed": number}))
    result = {"run_id": run_id, "group": f"g{number % 3}", "status": "finished", "arch": "mlp", "loss": "bce",
              "dataset": "ring8", "stabilizers": ["none"], "seed": number, "steps": 10,
              "budget": {"steps": 10, "images": 640}, "images_seen": 640, "wall_time_s": 1.5, "img_per_s": 400.0,
              "final": {"step": 10, "images": 640, "g_loss": 0.5 + number},
              "metrics": metrics if metrics is not None else {"modes_covered": float(number % 8), "fid": 1.0 * number},
              "directions": {"modes_covered": "higher", "fid": "lower"}}
    (folder / "result.json").write_text(json.dumps(result))
    return folder


def upsert_many(paths: list[str]) -> None:
    for path in paths:
        index.upsert_run(path)


def snapshot(index_path: Path) -> list:
    return sorted((run.run_id, run.status, run.seed, run.grp, sorted(run.metrics.items()), run.config["steps"])
                  for run in index.load_runs(index_path))


def test_four_processes_writing_at_once_lose_no_row(tmp_path):
    paths = [str(write_result(tmp_path, number)) for number in range(100)]
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=upsert_many, args=(paths[start::4],)) for start in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    runs = index.load_runs(tmp_path / "index.sqlite")
    assert len(runs) == 100
    assert sum(len(run.metrics) for run in runs) == 100 * 3  # two metrics and final.g_loss each
    with sqlite3.connect(tmp_path / "index.sqlite") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_rebuild_equals_the_incremental_index(tmp_path):
    for number in range(6):
        index.upsert_run(write_result(tmp_path, number))
    incremental = snapshot(tmp_path / "index.sqlite")
    report = index.rebuild(tmp_path)
    assert report.indexed == 6 and report.skipped == []
    assert snapshot(tmp_path / "index.sqlite") == incremental


def test_upsert_replaces_a_runs_metrics(tmp_path):
    folder = write_result(tmp_path, 1)
    index.upsert_run(folder)
    result = json.loads((folder / "result.json").read_text())
    result["metrics"] = {"fid": 9.0}
    (folder / "result.json").write_text(json.dumps(result))
    index.upsert_run(folder)
    (run,) = index.load_runs(tmp_path / "index.sqlite")
    assert run.metrics == {"fid": 9.0, "final.g_loss": 1.5}
    assert run.directions["final.g_loss"] is None and run.directions["fid"] == "lower"


def test_a_corrupt_result_is_skipped_and_named(tmp_path):
    write_result(tmp_path, 1)
    broken = write_result(tmp_path, 2)
    (broken / "result.json").write_text('{"run_id": "cut in ha')
    missing_fields = write_result(tmp_path, 3)
    (missing_fields / "result.json").write_text('{"status": "finished"}')
    report = index.rebuild(tmp_path)
    assert report.indexed == 1
    assert sorted(path.name for path, _ in report.skipped) == [broken.name, missing_fields.name]
    assert all("corrupt" in reason for _, reason in report.skipped)
    assert [run.seed for run in index.load_runs(tmp_path / "index.sqlite")] == [1]


def test_the_index_knows_when_it_is_stale(tmp_path):
    write_result(tmp_path, 1)
    assert index.is_stale(tmp_path)  # no index yet
    assert index.ensure_index(tmp_path).indexed == 1
    assert not index.is_stale(tmp_path)
    write_result(tmp_path, 2)  # a run finished without the index hearing of it
    assert index.is_stale(tmp_path)
    assert index.ensure_index(tmp_path).indexed == 2


def test_an_index_that_is_not_sqlite_is_rebuilt(tmp_path):
    write_result(tmp_path, 1)
    (tmp_path / "index.sqlite").write_bytes(b"this is not a database" * 100)
    assert index.ensure_index(tmp_path).indexed == 1
    assert len(index.load_runs(tmp_path / "index.sqlite")) == 1


def test_index_command_rebuilds_and_reports(tmp_path, capsys):
    from ganbench.cli import main
    write_result(tmp_path, 1)
    broken = write_result(tmp_path, 2)
    (broken / "result.json").write_text("not json")
    main(["index", "--rebuild", str(tmp_path)])
    captured = capsys.readouterr()
    assert "rebuilt, 1 runs in 1 configurations" in captured.out
    assert f"skipped {broken.name}" in captured.err
