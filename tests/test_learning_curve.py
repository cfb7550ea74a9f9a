"""The reproductions' learning-curve table keeps configurations apart when they differ in a run
setting or an arch option (beta1, g_norm), not only in loss or stabilizers."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.reproductions.learning_curve import collect, markdown


def write_run(results: Path, name: str, seed: int, fids: dict[int, float], beta1: float = 0.5,
              arch_options: dict | None = None) -> None:
    """A finished run's config.json, evaluations.jsonl (all steps but the last) and result.json."""
    run = results / name
    run.mkdir(parents=True)
    config = {"arch": {"name": "dcgan", "options": arch_options or {"base_channels": 32}}, "loss": {"name": "bce"},
              "stabilizers": [], "beta1": beta1, "seed": seed, "run_id": name, "group": name[:-3],
              "results_dir": str(results), "control": None}
    (run / "config.json").write_text(json.dumps(config))
    *middle, last = sorted(fids)
    (run / "evaluations.jsonl").write_text(
        "".join(json.dumps({"step": step, "metrics": {"domain_fid": fids[step]}}) + "\n" for step in middle))
    (run / "result.json").write_text(json.dumps({"status": "finished", "steps": last,
                                                 "metrics": {"domain_fid": fids[last]}}))


def test_runs_that_differ_in_beta1_get_one_column_each(tmp_path):
    write_run(tmp_path, "a-s0", 0, {100: 500.0, 200: 40.0}, beta1=0.5)
    write_run(tmp_path, "a-s1", 1, {100: 300.0, 200: 30.0}, beta1=0.5)
    write_run(tmp_path, "b-s0", 0, {100: 700.0, 200: 150.0}, beta1=0.9)
    curves = collect(tmp_path, "domain_fid")
    assert set(curves) == {"bce + none, beta1=0.5", "bce + none, beta1=0.9"}
    table = markdown(curves, "domain_fid")
    assert "| 200 | 35.00 ± 7.07 (n=2) | 150.00 (n=1) |" in table


def test_runs_that_differ_in_an_arch_option_are_named_by_it(tmp_path):
    # An option added later is absent from config.json at its default: that column says "default",
    # as compare's settings column does.
    write_run(tmp_path, "a-s0", 0, {100: 50.0}, arch_options={"base_channels": 32})
    write_run(tmp_path, "b-s0", 0, {100: 90.0}, arch_options={"base_channels": 32, "g_norm": "none"})
    assert set(collect(tmp_path, "domain_fid")) == {"bce + none, arch.g_norm=default",
                                                    "bce + none, arch.g_norm=none"}


def test_runs_that_differ_only_in_seed_share_a_column_without_settings_in_its_name(tmp_path):
    write_run(tmp_path, "a-s0", 0, {100: 50.0})
    write_run(tmp_path, "a-s1", 1, {100: 70.0})
    assert dict(collect(tmp_path, "domain_fid")) == {"bce + none": {100: [50.0, 70.0]}}
