"""Loggers: what each tracker's own reader shows of a run, and that no logger can cost a run."""

from __future__ import annotations

import json
import logging
import struct
import sys
import time
from pathlib import Path

import pytest

from ganbench import testing
from ganbench.cli import main
from ganbench.config import Choice, RunConfig
from ganbench.resolve import resolve_config
from ganbench.engine.run import run
from ganbench.contracts.logger import Logger
from ganbench.contracts.run_result import RunStatus
from ganbench.commands.run_flags import plan_from_flags as plan


def ring_config(results: Path, **changes) -> RunConfig:
    """The MLP on ring8 for 6 steps: rows at steps 2, 3, 4, 6 (every interval's boundary), grids at 3
    and 6, one cheap evaluator."""
    values = dict(arch=Choice("mlp", {"hidden": 16}), dataset=Choice("ring8"), batch_size=16, steps=6,
                  log_every=2, sample_every=3, checkpoint_every=6, eval_samples=100, device="cpu",
                  latent_dim=4, results_dir=str(results), evaluators=[Choice("mode-coverage")])
    values.update(changes)
    return RunConfig(**values)


class Recording(Logger):
    """Remembers every call, in order."""

    name = "recording"
    description = "Keeps what it is told, for tests."
    calls: list = []

    def start(self, run):
        self.calls.append(("start", run.run_id, run.config.arch.name))

    def log_row(self, row):
        self.calls.append(("row", row["step"]))

    def log_samples(self, step, path, samples):
        self.calls.append(("samples", step, Path(path).is_file(), str(samples.device)))

    def log_evaluation(self, step, metrics):
        self.calls.append(("evaluation", step, sorted(metrics)))

    def finish(self, result):
        self.calls.append(("finish", result.status.value if result else None))


class Broken(Logger):
    """Raises from every method."""

    name = "broken"
    description = "Fails at everything, for tests."

    def start(self, run):
        raise RuntimeError("tracker unreachable")

    log_row = log_samples = log_evaluation = finish = start


def test_a_logger_hears_rows_grids_evaluations_and_the_result_in_order(tmp_path):
    Recording.calls = []
    with testing.temporarily_registered(Recording):
        report = run(ring_config(tmp_path, loggers=[Choice("recording")]), show_progress=False)
    assert report.result.status == RunStatus.FINISHED
    assert Recording.calls == [
        ("start", report.result.run_id, "mlp"), ("row", 2), ("row", 3), ("samples", 3, True, "cpu"), ("row", 4),
        ("row", 6), ("samples", 6, True, "cpu"), ("evaluation", 6, sorted(report.result.metrics)),
        ("finish", "finished")]


def test_a_broken_logger_is_reported_once_and_the_run_finishes(tmp_path, caplog):
    Recording.calls = []
    with testing.temporarily_registered(Broken, Recording), caplog.at_level(logging.WARNING, logger="ganbench"):
        report = run(ring_config(tmp_path, loggers=[Choice("broken"), Choice("recording")]), show_progress=False)
    assert report.result.status == RunStatus.FINISHED and report.result.metrics
    warnings = [record.getMessage() for record in caplog.records if "broken" in record.getMessage()]
    assert warnings == ["logger 'broken' failed in start (RuntimeError: tracker unreachable); it is switched off "
                        "for this run, which goes on."]
    assert Recording.calls[-1] == ("finish", "finished")  # the other logger heard everything


def test_loggers_do_not_change_the_run_id(tmp_path):
    plain = resolve_config(ring_config(tmp_path))
    logged = resolve_config(ring_config(tmp_path, loggers=[Choice("tensorboard"), Choice("mlflow")]))
    assert logged.run_id == plain.run_id
    assert [choice.name for choice in logged.loggers] == ["tensorboard", "mlflow"]


def test_a_suite_names_its_loggers_and_the_command_line_adds_options(tmp_path):
    suite = tmp_path / "suite.toml"
    suite.write_text('[sweep]\narch = "mlp"\ndataset = "ring8"\nseeds = 2\nloggers = ["tensorboard"]\n')
    values = {"arch": "dcgan", "loss": "bce", "dataset": "digits", "stabilizers": (), "arch_opt": (), "loss_opt": (),
              "data_opt": (), "stab_opt": (), "evaluators": (), "eval_opt": (), "loggers": (), "log_opt": (),
              "data_root": None, "download": False, "compile_": False, "channels_last": True, "sync_bn": False,
              "init_from": None, "results_dir": str(tmp_path)}
    configs = plan(suite, values, given=[])
    assert [[choice.name for choice in config.loggers] for config in configs] == [["tensorboard"]] * 2
    retyped = plan(suite, {**values, "loggers": ("mlflow",), "log_opt": ("mlflow.experiment=study",)},
                   given=["loggers", "log_opt"])
    assert retyped[0].loggers[0].to_dict() == {"name": "mlflow", "options": {"experiment": "study", "tracking_uri": ""}}
    assert [config.run_id for config in retyped] == [config.run_id for config in configs]


def test_a_missing_tracker_package_is_one_sentence_before_training(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import machinery reports it as not installed
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--arch", "mlp", "--dataset", "ring8", "--logger", "mlflow", "--results-dir", str(tmp_path / "r")])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "Error: logger 'mlflow' needs the mlflow package: pip install 'ganbench[mlflow]'.")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("name", ["wandb", "tensorboard"])
def test_every_tracker_package_is_checked_the_same_way(monkeypatch, name):
    monkeypatch.setitem(sys.modules, name, None)
    from ganbench.plugin_host import plugins
    with pytest.raises(Exception, match=rf"logger '{name}' needs the {name} package: pip install 'ganbench\[{name}\]'\."):
        plugins.registry().create("logger", name).check()


def test_the_contract_check_passes_a_working_logger_and_names_a_broken_one():
    testing.check_logger(Recording)
    with pytest.raises(AssertionError, match="logger 'broken' failed in start"):
        testing.check_logger(Broken)


def test_tensorboard_events_hold_the_scalars_the_grids_and_the_evaluation(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    report = run(ring_config(tmp_path, loggers=[Choice("tensorboard")]), show_progress=False)
    events = EventAccumulator(str(report.path / "tensorboard"), size_guidance={"images": 0})
    events.Reload()
    assert [event.step for event in events.Scalars("train/g_loss")] == [2, 3, 4, 6]
    assert events.Scalars("eval/modes_covered")[0].value == report.result.metrics["modes_covered"]
    assert [event.step for event in events.Images("samples")] == [3, 6]


def without_file_store_opt_in(monkeypatch) -> None:
    """As in a fresh shell whatever ran before, and the logger's opt-in undone after the test (setenv
    first, so that monkeypatch restores the variable's absence)."""
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "")
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE")


def test_mlflow_shows_the_config_the_curves_and_the_final_figures(tmp_path, monkeypatch):
    pytest.importorskip("mlflow")
    without_file_store_opt_in(monkeypatch)
    from mlflow.tracking import MlflowClient
    configs = [ring_config(tmp_path / "study", seed=seed, loggers=[Choice("mlflow")]) for seed in (0, 1)]
    reports = [run(config, show_progress=False) for config in configs]
    client = MlflowClient(tracking_uri=(tmp_path / "study" / "mlruns").as_uri())
    experiment = client.get_experiment_by_name("study")  # the results folder's name: one per sweep
    found = client.search_runs([experiment.experiment_id], order_by=["tags.seed"])
    assert [run.data.tags["seed"] for run in found] == ["0", "1"]
    assert {run.data.tags["ganbench.group"] for run in found} == {reports[0].result.group}
    first = found[0]
    assert first.info.status == "FINISHED" and first.info.run_name == reports[0].result.run_id
    assert first.data.params["arch"] == "mlp" and first.data.params["arch.hidden"] == "16"
    assert first.data.params["dataset"] == "ring8" and first.data.params["steps"] == "6"
    history = client.get_metric_history(first.info.run_id, "g_loss")
    logged = [json.loads(line) for line in (reports[0].path / "metrics.jsonl").read_text().splitlines()]
    assert [(m.step, m.value) for m in history] == [(row["step"], row["g_loss"]) for row in logged]
    assert first.data.metrics["modes_covered"] == reports[0].result.metrics["modes_covered"]
    assert first.data.metrics["final/wall_time_s"] == reports[0].result.wall_time_s
    artifacts = {item.path for folder in ("samples", "run") for item in client.list_artifacts(first.info.run_id, folder)}
    assert {"samples/step-000003.png", "samples/step-000006.png", "run/curves.png", "run/result.json"} <= artifacts


@pytest.mark.parametrize("spelling", ["file:{folder}", "{uri}", "{folder}"], ids=["file-DIR", "file-uri", "path"])
def test_mlflow_writes_to_a_folder_store_named_on_the_command_line(spelling, tmp_path, monkeypatch, capsys, caplog):
    """docs/loggers.md's ``--log-opt mlflow.tracking_uri=file:DIR``: MLflow 3 refuses a folder store
    unless MLFLOW_ALLOW_FILE_STORE is set, which once switched the logger off for a named folder."""
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient
    without_file_store_opt_in(monkeypatch)
    store = tmp_path / "tracking"
    uri = spelling.format(folder=store, uri=store.as_uri())
    with caplog.at_level(logging.WARNING, logger="ganbench"):
        main(["run", "--arch", "mlp", "--arch-opt", "hidden=16", "--dataset", "ring8", "--steps", "2",
              "--batch-size", "16", "--eval-samples", "64", "--evaluator", "mode-coverage", "--device", "cpu",
              "--logger", "mlflow", "--log-opt", f"mlflow.tracking_uri={uri}", "--log-opt", "mlflow.experiment=named",
              "--results-dir", str(tmp_path / "runs"), "--quiet"])
    assert not [record.getMessage() for record in caplog.records if "mlflow" in record.getMessage()]
    assert not (tmp_path / "runs" / "mlruns").exists()  # the named store, not the default beside the runs
    found = MlflowClient(tracking_uri=store.as_uri()).search_runs(
        [MlflowClient(tracking_uri=store.as_uri()).get_experiment_by_name("named").experiment_id])
    assert [run.info.status for run in found] == ["FINISHED"] and found[0].data.params["arch"] == "mlp"


def wandb_records(run_file: Path) -> list:
    """The records of an offline run's .wandb file: W&B's own protobuf Records, in the LevelDB log
    framing W&B writes (a 7-byte file header, then 32 KiB blocks of checksummed chunks)."""
    from wandb.proto import wandb_internal_pb2
    data = run_file.read_bytes()
    assert data[:4] == b":W&B"
    records, pending, position, block = [], b"", 7, 32768
    while position + 7 <= len(data):
        if block - position % block < 7:  # a block's tail too short for a header is padding
            position += block - position % block
            continue
        length, kind = struct.unpack("<HB", data[position + 4:position + 7])
        chunk = data[position + 7:position + 7 + length]
        position += 7 + length
        if kind == 0:  # zero padding at the end
            break
        pending = chunk if kind in (1, 2) else pending + chunk
        if kind in (1, 4):  # FULL or LAST: a whole record
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            records.append(record)
    return records


def finished_records(run_file: Path, patience: float = 20.0) -> list:
    """W&B's service process writes the file on its own time: wait for the run's exit record."""
    deadline = time.monotonic() + patience
    while True:
        records = wandb_records(run_file)
        if any(record.WhichOneof("record_type") == "exit" for record in records) or time.monotonic() > deadline:
            return records
        time.sleep(0.2)


def test_wandb_offline_run_holds_the_config_the_curves_and_the_summary(tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wandb-home"))
    monkeypatch.setenv("WANDB_SILENT", "true")
    report = run(ring_config(tmp_path / "study", loggers=[Choice("wandb")]), show_progress=False)
    (run_file,) = (tmp_path / "study" / "wandb").glob("offline-run-*/run-*.wandb")
    records = finished_records(run_file)
    opened = next(record.run for record in records if record.WhichOneof("record_type") == "run")
    assert opened.display_name == report.result.run_id and opened.run_group.endswith(report.result.group)
    updates = [opened.config] + [record.config for record in records if record.WhichOneof("record_type") == "config"]
    config = {item.key: json.loads(item.value_json) for update in updates for item in update.update}
    assert config["arch"] == "mlp" and config["arch.hidden"] == 16 and config["dataset"] == "ring8"
    history = [{item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in record.history.item}
               for record in records if record.WhichOneof("record_type") == "history"]
    logged = [json.loads(line) for line in (report.path / "metrics.jsonl").read_text().splitlines()]
    steps_with_loss = {row["_step"]: row["train/g_loss"] for row in history if "train/g_loss" in row}
    assert steps_with_loss == {row["step"]: row["g_loss"] for row in logged}
    images = {key.rsplit("/", 1)[0]: value for row in history for key, value in row.items() if key.endswith("/path")}
    assert {"samples", "curves"} <= set(images)  # W&B's image records point at the files it copied
    assert (run_file.parent / "files" / images["samples"]).is_file()
    summary = {item.key or "/".join(item.nested_key): json.loads(item.value_json) for record in records
               if record.WhichOneof("record_type") == "summary" for item in record.summary.update}
    assert summary["modes_covered"] == report.result.metrics["modes_covered"] and summary["status"] == "finished"
