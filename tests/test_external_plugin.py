"""A third-party plugin written against ganbench 0.1's documented API (tests/external_plugin/,
frozen: do not edit it to make this pass) installs, passes its own tests and trains through the
command line, with DeprecationWarnings that name the new import paths and no other warning.

If this fails after a change to ganbench, that change breaks plugins: restore what it removed, or
raise API_VERSION and record the break in CHANGELOG.md."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PLUGIN = REPO / "tests" / "external_plugin" / "ganbench-holdout-example"
WARNING_LINE = re.compile(r"^\S.*:\d+: (\w+Warning): (.*)$")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The plugin pip-installed into a folder of its own (the shared environment stays untouched), and
    the environment a subprocess needs to find it through its entry point."""
    root = tmp_path_factory.mktemp("holdout")
    source = root / "source"
    shutil.copytree(PLUGIN, source)  # pip builds in the source folder; keep the repository clean
    site = root / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(source)], check=True, capture_output=True)
    python_path = [str(site), str(REPO), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(python_path), "GANBENCH_CACHE": str(root / "cache"),
                   "GANBENCH_LOAD_PLUGINS": "holdout"}
    return root, source, environment


def warnings_in(stderr: str) -> list[tuple[str, str]]:
    """(category, message) of every warning Python printed."""
    return [match.groups() for match in map(WARNING_LINE.match, stderr.splitlines()) if match]


@pytest.fixture(scope="module")
def finished(installed):
    """The plugin's own tests and a short training run through the command line, run side by side (each
    is mostly the start-up of a Python process with torch)."""
    root, source, environment = installed
    # Every warning but a DeprecationWarning fails the plugin's tests.
    own_tests = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                  "-W", "error", "-W", "default::DeprecationWarning", "tests"],
                                 cwd=source, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    training = subprocess.Popen(
        [sys.executable, "-m", "ganbench", "run", "--arch", "resnet-sn", "--stabilizer", "holdout:diffaug",
         "--evaluator", "holdout:density-coverage", "--dataset", "digits", "--resolution", "8", "--steps", "3",
         "--batch-size", "8", "--eval-samples", "32", "--results-dir", str(root / "runs")],
        env={**environment, "PYTHONWARNINGS": "default"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outputs = {name: (process.communicate(timeout=600), process.returncode)
               for name, process in (("own tests", own_tests), ("training", training))}
    return root, outputs


def test_the_plugin_passes_its_own_tests(finished):
    _, outputs = finished
    (stdout, stderr), returncode = outputs["own tests"]
    assert returncode == 0, stdout[-3000:] + stderr[-3000:]
    assert "4 passed" in stdout


def test_the_plugin_trains_through_the_cli_with_deprecation_warnings_only(finished):
    root, outputs = finished
    (_, stderr), returncode = outputs["training"]
    assert returncode == 0, stderr[-3000:]
    warnings = warnings_in(stderr)
    assert {category for category, _ in warnings} == {"DeprecationWarning"}, warnings
    assert all("import from ganbench.api" in message for _, message in warnings), warnings
    assert stderr.count("ganbench.evaluate.evaluator is deprecated") == 1  # once, naming the new path
    # Its names that ganbench has since taken stay reachable by their qualified names.
    assert "stabilizer 'diffaug' of plugin 'holdout' is reachable as 'holdout:diffaug'" in stderr
    [config_file] = (root / "runs").glob("*/config.json")
    config = json.loads(config_file.read_text())
    assert config["arch"]["name"] == "resnet-sn"
    assert [choice["name"] for choice in config["stabilizers"]] == ["holdout:diffaug"]
    assert config_file.parent.name.startswith("resnet-sn-bce-digits-holdout.diffaug-s0-")
    result = json.loads((config_file.parent / "result.json").read_text())
    assert {"pixel_density", "pixel_coverage"} <= set(result["metrics"])
