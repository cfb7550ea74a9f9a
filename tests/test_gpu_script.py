"""The GPU script (benchmarks/gpu): its time budget starts work only when it fits, a dry run on the CPU
writes the figures files the pages render, and every reproduction page renders its GPU section from
such a file, never from a typed number."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
import torch

from benchmarks.gpu.__main__ import main
from benchmarks.gpu.page_section import NOT_RUN, render
from benchmarks.gpu.reproductions import CostModel, group_of, suite_names
from benchmarks.gpu.time_budget import TimeBudget, run_what_fits
from benchmarks.render_results import GPU_BLOCK, render_gpu_sections

REPO = Path(__file__).resolve().parent.parent


class FakeClock:
    """A clock that moves only when work is done."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_budget_stops_starting_work_whose_estimate_no_longer_fits():
    clock = FakeClock()
    budget = TimeBudget(70, clock=clock)
    durations = {"a": 30, "b": 30, "c": 30, "d": 5}
    started = []

    def start(work: str) -> None:
        started.append(work)
        clock.now += durations[work]

    skipped = run_what_fits(budget, durations, durations.get, start)
    assert started == ["a", "b", "d"]  # after a and b 10 s are left: c (30 s) is not started, d (5 s) is
    assert [(left.work, left.estimate, left.available) for left in skipped] == [("c", 30, 10)]


def test_once_a_seed_of_a_suite_is_left_out_its_later_seeds_are_too():
    from benchmarks.gpu.reproductions import EqualSeeds
    clock = FakeClock()
    budget = TimeBudget(100, clock=clock)
    # (suite, seed, seconds): seed 0 of the slow configuration does not fit after the cheap one
    works = [("s", 0, 50), ("s", 0, 80), ("s", 1, 10), ("t", 0, 10), ("t", 1, 10)]
    seeds, started = EqualSeeds(), []

    def start(work) -> None:
        started.append(work)
        clock.now += work[2]

    run_what_fits(budget, works, lambda work: work[2] if seeds.allows(work[0], work[1]) else float("inf"), start,
                  left_out=lambda work: seeds.left_out(work[0], work[1]))
    assert started == [("s", 0, 50), ("t", 0, 10), ("t", 1, 10)]  # s's seed 1 would have fitted, but alone


def test_a_run_is_worth_starting_only_with_the_rest_of_its_seed():
    from benchmarks.gpu.reproductions import Suite, rest_of_the_seed
    from ganbench.config import Choice, RunConfig
    runs = [RunConfig(arch=Choice("mlp"), dataset=Choice("ring8"), lr_g=lr, seed=seed)
            for seed in (0, 1) for lr in (1e-4, 2e-4, 3e-4)]
    costs = CostModel()
    for config, seconds in zip(runs[:3], (10.0, 20.0, 30.0)):
        costs.learn(config, seconds)  # seed 1 of each configuration is estimated the same
    suite = Suite("s", Path("s.toml"), runs, [], "runs/s")
    assert rest_of_the_seed(suite, runs[0], costs, started=set()) == 60.0
    assert rest_of_the_seed(suite, runs[1], costs, started={runs[0].run_id}) == 50.0
    assert rest_of_the_seed(suite, runs[3], costs, started={config.run_id for config in runs[:3]}) == 60.0


def test_the_reserve_is_kept_for_the_figures_written_after_the_last_run():
    clock = FakeClock()
    budget = TimeBudget(60, reserve=20, clock=clock)
    assert budget.fits(40) and not budget.fits(41)
    clock.now += 100
    assert budget.remaining() == 0 and not budget.fits(0)


def test_a_configuration_is_estimated_from_its_probe_then_from_its_first_run():
    from ganbench.config import Choice, RunConfig
    config = RunConfig(arch=Choice("mlp"), dataset=Choice("ring8"), steps=1000, eval_every=250)
    costs = CostModel()
    costs.seconds_per_step[group_of(config)] = 0.01  # as if probed
    assert costs.estimate(config) == pytest.approx(1000 * 0.01 * 1.3 + 5 * 3.0)
    costs.learn(config, 42.0)
    assert costs.estimate(RunConfig(arch=Choice("mlp"), dataset=Choice("ring8"), steps=1000, eval_every=250,
                                    seed=3)) == 42.0  # another seed of the same configuration


@pytest.mark.slow
def test_a_dry_run_on_the_cpu_writes_the_figures_the_pages_read_and_a_second_call_trains_nothing_again(
        tmp_path, shared_data, capsys):
    figures, runs = tmp_path / "figures", tmp_path / "runs"
    argv = ["--device", "cpu", "--minutes", "2", "--only", "unrolled-ring", "--seeds", "1", "--steps", "4",
            "--eval-every", "2", "--speed-steps", "2", "--speed-resolution", "16", "--data-root", str(shared_data), "--figures", str(figures),
            "--runs", str(runs)]
    assert main(argv) == 0
    speed = json.loads((figures / "speed.json").read_text())
    assert speed["kind"] == "speed" and speed["device"] == "cpu" and speed["torch"] == torch.__version__
    assert speed["command"] == "python -m benchmarks.gpu " + " ".join(argv)
    assert speed["resolution"] == 16 and speed["steps"] == 2
    assert speed["ganbench_img_s"] > 0 and speed["reference_img_s"] > 0
    assert speed["ratio_loop"] == pytest.approx(speed["ganbench_img_s"] / speed["reference_img_s"], rel=0.01)

    unrolled = json.loads((figures / "unrolled-ring.json").read_text())
    assert unrolled["suite"] == "benchmarks/reproductions/unrolled-ring.toml" and unrolled["budget"] == "gpu"
    assert unrolled["steps"] == 4 and unrolled["seeds"] == 1 and unrolled["date"].endswith("UTC")
    # k = 0, 5 and 10 (the gpu budget's three) and the four controls of ring8, all finished
    assert unrolled["runs"] == {"planned": 7, "finished": 7, "failed": 0, "not_finished": 0}
    assert "control:one-mode" in unrolled["comparison"]["markdown"]
    assert "unrolled.k=10" in unrolled["comparison"]["markdown"]
    section = render(figures / "unrolled-ring.json")
    assert "7 of 7 runs finished" in section and "steps = 4" in section

    with tarfile.open(figures / "runs-gpu.tar.gz") as archive:
        names = archive.getnames()
    assert sum(name.endswith("/result.json") for name in names) == 7
    assert not any("checkpoints" in name for name in names)

    # The same call again (as with the archive carried back into a later GPU call): everything is skipped.
    results = sorted(runs.rglob("result.json"))
    written = [path.stat().st_mtime_ns for path in results]
    assert main([*argv, "--skip-speed"]) == 0
    assert [path.stat().st_mtime_ns for path in results] == written
    assert json.loads((figures / "unrolled-ring.json").read_text())["runs"]["finished"] == 7


def test_runs_that_do_not_fit_are_left_out_and_the_page_says_so(tmp_path):
    figures = tmp_path / "figures"
    # 1 s in all with a 20 s reserve: no run can start, but the figures file is still written.
    assert main(["--device", "cpu", "--minutes", str(1 / 60), "--only", "unrolled-ring", "--seeds", "1",
                 "--steps", "2", "--skip-speed", "--figures", str(figures), "--runs", str(tmp_path / "runs")]) == 0
    unrolled = json.loads((figures / "unrolled-ring.json").read_text())
    assert unrolled["runs"] == {"planned": 7, "finished": 0, "failed": 0, "not_finished": 7}
    assert "0 of 7 runs finished" in render(figures / "unrolled-ring.json")


def test_an_unknown_reproduction_is_refused_in_one_sentence(capsys):
    assert main(["--device", "cpu", "--only", "pacgan", "--skip-speed"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--only 'pacgan' names no reproduction" in err and "pacgan-ring" in err


@pytest.mark.parametrize("flags, sentence", [(["--seeds", "0"], "--seeds must be positive, got 0."),
                                             (["--minutes", "-1"], "--minutes must be positive, got -1.0."),
                                             (["--device", "tpu"], "--device must be cuda, cuda:N or cpu, got 'tpu'.")])
def test_a_bad_number_or_device_is_refused_in_one_sentence(capsys, flags, sentence):
    assert main(["--device", "cpu", "--skip-speed", *flags]) == 2
    assert capsys.readouterr().err == f"Error: {sentence}\n"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_asking_for_a_gpu_where_there_is_none_is_refused_in_one_sentence(capsys):
    assert main(["--skip-speed"]) == 2
    assert "torch sees no CUDA GPU here" in capsys.readouterr().err


def test_without_figures_a_section_says_the_gpu_run_has_not_happened(tmp_path):
    assert render(tmp_path / "absent.json") == NOT_RUN
    assert NOT_RUN.startswith("Not run: no GPU was lent to this project yet.")


PAGES_AND_FIGURES = [(f"reproduction-{name}.md", f"results/gpu/{name}.json") for name in suite_names()] + [
    ("performance.md", "results/gpu/speed.json")]


@pytest.mark.parametrize("page, figures", PAGES_AND_FIGURES, ids=lambda value: value)
def test_every_page_waiting_for_a_gpu_renders_its_section_from_its_figures_file(page, figures):
    blocks = list(GPU_BLOCK.finditer((REPO / "results" / page).read_text()))
    assert [block.group("figures") for block in blocks] == [figures]
    assert blocks[0].group("section") == render(REPO / figures)  # nothing typed by hand


def test_a_gpu_block_is_replaced_between_its_markers_and_nowhere_else(tmp_path):
    text = f"before\n<!-- ganbench gpu {tmp_path / 'absent.json'} -->\nold words\n<!-- end gpu -->\nafter\n"
    assert render_gpu_sections(text) == text.replace("old words\n", NOT_RUN)


def test_a_reproduction_whose_package_is_missing_is_not_run_and_its_page_says_why(tmp_path, monkeypatch):
    from benchmarks.gpu import reproductions
    monkeypatch.setitem(reproductions.NEEDS, "unrolled-ring", ["a_package_no_machine_has"])
    figures = tmp_path / "figures"
    assert main(["--device", "cpu", "--only", "unrolled-ring", "--skip-speed", "--figures", str(figures),
                 "--runs", str(tmp_path / "runs")]) == 0
    assert not (tmp_path / "runs").exists()
    assert "not run, the Python package a_package_no_machine_has is not installed" in render(
        figures / "unrolled-ring.json")
