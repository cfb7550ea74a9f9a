"""``ganbench plugins new`` end to end: the scaffold installs into a fresh virtual environment
that has ganbench, shows up in ``ganbench list``, trains, and uninstalls again."""

import json
import os
import site
import subprocess
import sys
import venv

import pytest

from ganbench.plugin_host import scaffold
from ganbench.errors import ConfigError


def fresh_environment_with_ganbench(folder):
    """A new venv whose interpreter also sees this environment's packages (ganbench, torch): a .pth
    file adds them as a site directory, so nothing is downloaded and ganbench is the one under test."""
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    target = subprocess.run([python, "-c", "import site; print(site.getsitepackages()[0])"], check=True,
                            capture_output=True, text=True).stdout.strip()
    with open(os.path.join(target, "ganbench-under-test.pth"), "w") as handle:
        handle.write(f"import site; site.addsitedir({site.getsitepackages()[0]!r})\n")
    return python


def ganbench(python, *args, cwd):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("GANBENCH_LOAD_PLUGINS", None)
    return subprocess.run([python, "-m", "ganbench", *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=600)


@pytest.mark.slow
def test_a_scaffolded_plugin_installs_lists_trains_and_uninstalls(tmp_path):
    folder = scaffold.new_plugin("toygan", scaffold.parse_kinds("architecture,dataset,evaluator"), tmp_path)
    python = fresh_environment_with_ganbench(tmp_path / "env")

    installed = ganbench(python, "plugins", "install", "-e", str(folder), cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    listing = ganbench(python, "plugins", "list", "--json", cwd=tmp_path)
    plugin = {row["name"]: row for row in json.loads(listing.stdout)}["toygan"]
    assert not plugin["error"] and plugin["package"] == "ganbench-toygan"
    assert plugin["registered"]["architecture"] == ["toygan"]

    trained = ganbench(python, "run", "--arch", "toygan", "--dataset", "toygan-circle", "--steps", "6",
                       "--log-every", "2", "--quiet", "--results-dir", "runs", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    (result,) = (tmp_path / "runs").glob("*/result.json")
    record = json.loads(result.read_text())
    assert record["status"] == "finished" and "toygan_mean_gap" in record["metrics"]
    assert record["environment"]["plugins"]["toygan"] == "0.1.0"

    removed = ganbench(python, "plugins", "uninstall", "ganbench-toygan", cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    gone = ganbench(python, "run", "--arch", "toygan", "--dataset", "toygan-circle", "--steps", "2", cwd=tmp_path)
    assert gone.returncode == 2 and "Unknown architecture 'toygan'" in gone.stderr


def test_a_plugin_name_that_is_not_kebab_case_is_refused():
    with pytest.raises(ConfigError):
        scaffold.new_plugin("Toy_GAN", ["architecture"], ".")


def test_an_existing_folder_is_never_overwritten(tmp_path):
    scaffold.new_plugin("toygan", ["loss"], tmp_path)
    with pytest.raises(ConfigError, match="exists"):
        scaffold.new_plugin("toygan", ["loss"], tmp_path)
