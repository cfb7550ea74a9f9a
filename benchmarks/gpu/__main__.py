"""The GPU script: one command that, on a machine with a GPU, measures what the pages are waiting for.

    python -m benchmarks.gpu --minutes 8 --figures "$OUT"          (docs/gpu.md)

In this order, within ``--minutes`` of wall-clock time: prints the device; runs the dcgan 64 px speed
benchmark against the PyTorch examples' loop (benchmarks/gpu/speed.py); then trains the reproductions
of benchmarks/reproductions/ at their ``[budgets.gpu]`` settings, seed by seed, starting a run only
when its estimate fits in the time left (benchmarks/gpu/time_budget.py). After every run it rewrites
the figures files (one JSON per reproduction, speed.json) atomically, so a command killed at any point
leaves whole files; the pages render them with ``python -m benchmarks.render_results``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import shlex
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.gpu import reproductions, speed
from benchmarks.gpu.checkout_plugins import register_checkout_plugins
from benchmarks.gpu.time_budget import TimeBudget, run_what_fits
from ganbench.errors import ConfigError, GanbenchError

REPO = Path(__file__).resolve().parents[2]
RUN_FILES = ("config.json", "result.json", "evaluations.jsonl", "metrics.jsonl")  # what compare and a resume read


def default_data_root() -> Path:
    """.gpu/data, the folder `make gpu-carry` fills to travel to a lent machine, else the shared data."""
    carried = REPO / ".gpu" / "data"
    return carried if carried.is_dir() else REPO.parent / "shared" / "data"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=8.0, help="wall-clock budget of the whole script")
    parser.add_argument("--device", default="cuda", help="cuda (the point), or cpu for a dry run")
    parser.add_argument("--figures", type=Path, default=REPO / "results" / "gpu", help="where the figures files go")
    parser.add_argument("--runs", type=Path, default=Path("runs") / "gpu", help="run directories (resumable)")
    parser.add_argument("--only", action="append", default=[], metavar="SUITE",
                        help=f"a reproduction to run (repeatable); default all: {', '.join(reproductions.suite_names())}")
    parser.add_argument("--seeds", type=int, default=None, help="fewer seeds than the gpu budget's")
    parser.add_argument("--steps", type=int, default=None, help="dry run: replace the gpu budget's steps")
    parser.add_argument("--eval-every", type=int, default=None, help="dry run: replace the gpu budget's eval_every")
    parser.add_argument("--speed-steps", type=int, default=300, help="steps of each loop in the speed benchmark")
    parser.add_argument("--speed-resolution", type=int, default=speed.RESOLUTION, help="dry run: a smaller image")
    parser.add_argument("--skip-speed", action="store_true", help="leave out the speed benchmark")
    parser.add_argument("--data-root", type=Path, default=default_data_root(),
                        help="the folder holding MNIST/raw (the speed benchmark's data); default .gpu/data "
                             "(make gpu-carry) when present, else ../shared/data")
    parser.add_argument("--reserve", type=float, default=20.0, help="seconds kept for the last figures")
    return parser.parse_args(argv)


def check(args: argparse.Namespace) -> None:
    """Refuse, in one sentence, what cannot work, before any time is spent."""
    for flag in ("minutes", "seeds", "steps", "eval_every", "speed_steps", "speed_resolution"):
        value = getattr(args, flag)
        if value is not None and value <= 0:
            raise ConfigError(f"--{flag.replace('_', '-')} must be positive, got {value}.")
    if not re.fullmatch(r"cpu|cuda(:\d+)?", args.device):
        raise ConfigError(f"--device must be cuda, cuda:N or cpu, got {args.device!r}.")
    unknown = sorted(set(args.only) - set(reproductions.suite_names()))
    if unknown:
        raise ConfigError(f"--only {unknown[0]!r} names no reproduction; they are: "
                          f"{', '.join(reproductions.suite_names())}.")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("torch sees no CUDA GPU here; run this on a machine with one, or pass --device cpu "
                          "for a dry run.")


def environment(args: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    """Where and how the figures were made: every figures file starts with this."""
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else (platform.processor() or "cpu")
    return {"device": str(device), "device_name": name, "torch": torch.__version__,
            "python": platform.python_version(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": shlex.join(["python", "-m", "benchmarks.gpu", *argv]), "minutes_given": args.minutes}


def write_json(path: Path, data: dict) -> None:
    """Whole or not at all: a command killed mid-write leaves the previous file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
    os.replace(staging, path)


def run_speed(args: argparse.Namespace, env: dict) -> None:
    print(f"speed: dcgan {args.speed_resolution} px, ganbench against the reference loop, {args.speed_steps} steps "
          f"each", flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="ganbench-speed-") as scratch:  # the run itself is not kept
            figures = speed.dcgan_against_the_reference_loop(args.data_root, Path(scratch), args.device,
                                                             args.speed_steps, args.speed_resolution)
    except GanbenchError as error:
        figures = {"skipped": str(error)}
    print(f"speed: {figures}", flush=True)
    write_json(args.figures / "speed.json", {"kind": "speed", **env, **figures})


def suite_figures(suite: reproductions.Suite, env: dict, failures: dict[str, str],
                  overrides: dict[str, Any]) -> dict[str, Any]:
    """The page's figures: how many runs finished, and the suite's compare over them."""
    from ganbench.sweep.executors import finished_update
    finished = [config for config in suite.everything if finished_update(config) is not None]
    failed = [message for config in suite.everything if (message := failures.get(config.run_id))]
    return {"kind": "reproduction", **env, "suite": str(suite.path.relative_to(REPO)), "budget": reproductions.BUDGET,
            "steps": suite.runs[0].steps, "seeds": len({config.seed for config in suite.runs}),
            "overrides": overrides,
            "runs": {"planned": len(suite.everything), "finished": len(finished), "failed": len(failed),
                     "not_finished": len(suite.everything) - len(finished) - len(failed)},
            "failures": failed, "comparison": reproductions.comparison(suite)}


def archive_finished_runs(runs_root: Path, archive: Path) -> None:
    """The small files of every run (no checkpoints, no samples) in one archive: carried back into a later
    call (docs/gpu.md), they let it skip what finished."""
    staging = archive.with_name(f".{archive.name}.tmp")
    with tarfile.open(staging, "w:gz") as tar:
        for path in sorted(runs_root.rglob("*")):
            if path.name in RUN_FILES and (path.parent / "result.json").is_file():
                tar.add(path, arcname=str(path.relative_to(runs_root)))  # tar xzf ... -C runs/gpu puts it back
    os.replace(staging, archive)


def runnable_suites(args: argparse.Namespace, env: dict, overrides: dict[str, Any]) -> list[reproductions.Suite]:
    """The reproductions asked for; one whose evaluators need a package this machine lacks gets a figures
    file that says so instead."""
    suites = []
    for name in args.only or reproductions.suite_names():
        missing = [module for module in reproductions.NEEDS.get(name, []) if not module_available(module)]
        if missing:
            reason = f"the Python package {missing[0]} is not installed on this machine (docs/gpu.md: carry its wheel)."
            print(f"{name}: {reason}", flush=True)
            write_json(args.figures / f"{name}.json", {"kind": "reproduction", **env, "skipped": reason})
        else:
            suites.append(reproductions.load_suite(name, args.device, args.runs, dict(overrides)))
    return suites


def run_reproductions(args: argparse.Namespace, env: dict, budget: TimeBudget) -> None:
    overrides = {key: value for key, value in (("steps", args.steps), ("eval_every", args.eval_every),
                                               ("seeds", args.seeds)) if value is not None}
    suites = runnable_suites(args, env, overrides)
    costs = reproductions.CostModel(probe_steps=min(reproductions.PROBE_STEPS, args.steps or reproductions.PROBE_STEPS))
    cost_of_a_seed = {suite.name: sum(costs.estimate(config) for config in suite.runs
                                      if config.seed == suite.runs[0].seed) for suite in suites}
    for suite in suites:
        print(f"{suite.name}: {len(suite.everything)} runs, about {cost_of_a_seed[suite.name]:.0f} s a seed", flush=True)
    failures: dict[str, str] = {}

    started: set[str] = set()

    def start(work: tuple[reproductions.Suite, Any]) -> None:
        suite, config = work
        started.add(config.run_id)
        update = train(config, costs, failures)
        print(f"{suite.name}: {reproductions.label_of(config)} seed {config.seed}: {update.state.value} "
              f"({budget.remaining():.0f} s left)", flush=True)
        write_json(args.figures / f"{suite.name}.json", suite_figures(suite, env, failures, overrides))
        archive_finished_runs(args.runs, args.figures / "runs-gpu.tar.gz")

    seeds = reproductions.EqualSeeds()

    def estimate(work: tuple[reproductions.Suite, Any]) -> float:
        suite, config = work
        if not seeds.allows(suite.name, config.seed):
            return math.inf
        return reproductions.rest_of_the_seed(suite, config, costs, started)

    skipped = run_what_fits(budget, reproductions.ordered_work(suites, cost_of_a_seed), estimate, start,
                            left_out=lambda work: seeds.left_out(work[0].name, work[1].seed))
    tell_what_was_left_out(skipped)
    for suite in suites:  # also the suites none of whose runs fitted: their pages say so
        write_json(args.figures / f"{suite.name}.json", suite_figures(suite, env, failures, overrides))


def tell_what_was_left_out(skipped: list) -> None:
    """Each run left out for time with what it needed; the later seeds of its suite in one line."""
    later: dict[str, list[int]] = {}
    for left in skipped:
        suite, config = left.work
        if left.estimate < math.inf:
            print(f"{suite.name}: {reproductions.label_of(config)} seed {config.seed}: not started, about "
                  f"{left.estimate:.0f} s needed (with the rest of its seed), {left.available:.0f} s left for runs",
                  flush=True)
        else:
            later.setdefault(suite.name, []).append(config.seed)
    for name, seeds in later.items():
        print(f"{name}: {len(seeds)} runs of seeds {min(seeds)} to {max(seeds)} not started: an earlier seed did "
              f"not fit", flush=True)


def train(config, costs: reproductions.CostModel, failures: dict[str, str]):
    """One run in this process (a failure is recorded, never raised), its time taught to the cost model."""
    from ganbench.contracts.run_result import RunStatus
    from ganbench.sweep.executors import train_one
    started = time.perf_counter()
    update = train_one(config)
    if update.state == RunStatus.INTERRUPTED:
        raise KeyboardInterrupt  # Ctrl-C or a signal stops the script, not just this run
    if update.state == RunStatus.FAILED:
        failures[config.run_id] = f"{config.run_id}: {update.message}"
    elif not update.skipped:
        costs.learn(config, time.perf_counter() - started)
    return update


def module_available(name: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(name) is not None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    try:
        check(args)
        budget = TimeBudget(args.minutes * 60, reserve=args.reserve)
        register_checkout_plugins()
        env = environment(args, argv)
        print(f"device: {env['device_name']} ({env['device']}), torch {env['torch']}, {args.minutes} minutes", flush=True)
        if not args.skip_speed:
            run_speed(args, env)
        run_reproductions(args, env, budget)
    except GanbenchError as error:
        print(f"Error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("Stopped: the run in progress saved its checkpoint; the same command resumes it.", file=sys.stderr)
        return 130
    print(f"done in {args.minutes * 60 - budget.remaining():.0f} s; figures in {args.figures}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
