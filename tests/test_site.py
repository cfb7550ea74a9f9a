"""``ganbench report``: a static site of a results folder, checked as files and as a browser shows it."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from ganbench.cli import main
from ganbench.config import Choice, RunConfig
from ganbench.engine.run import run


class Elements(HTMLParser):
    """The tables, and the pictures with the files they point at, of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables = 0
        self.images: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            self.tables += 1
        elif tag == "img":
            self.images.append(unquote(attributes["src"]))
        elif tag == "a":
            self.links.append(unquote(attributes["href"]))


def elements_of(text: str) -> Elements:
    parser = Elements()
    parser.feed(text)
    return parser


@pytest.fixture(scope="module")
def results(tmp_path_factory, repository_plugins):
    """Two configurations of the MLP on ring8, two seeds each, a few steps; the folder's name needs escaping."""
    folder = tmp_path_factory.mktemp("site") / "<b>study&co"
    for stabilizers in ([], [Choice("instance-noise")]):
        for seed in (0, 1):
            run(RunConfig(arch=Choice("mlp", {"hidden": 16}), dataset=Choice("ring8"), stabilizers=stabilizers,
                          seed=seed, batch_size=16, steps=6, log_every=2, sample_every=6, checkpoint_every=6,
                          eval_samples=100, latent_dim=4, device="cpu", evaluators=[Choice("mode-coverage")],
                          results_dir=str(folder)), show_progress=False)
    return folder


@pytest.fixture(scope="module")
def site(results, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "site"
    main_exit = None
    try:
        main(["report", str(results), "--out", str(out)])
    except SystemExit as exit_info:
        main_exit = exit_info.code
    assert main_exit in (None, 0)
    return out


def test_the_index_holds_compare_table_and_a_picture_per_configuration(site):
    text = (site / "index.html").read_text()
    page = elements_of(text)
    assert page.tables == 1 and len(page.images) == 2
    assert all((site / image).is_file() for image in page.images)
    assert "&lt;b&gt;study&amp;co" in text and "<b>study" not in text  # every name escaped
    assert "mode" in text and "instance-noise" in text  # compare's columns and labels


def test_each_configuration_shows_every_seed_side_by_side_and_the_curves_overlaid(site):
    pages = sorted((site / "configs").glob("*.html"))
    assert len(pages) == 2
    for configuration in pages:
        page = elements_of(configuration.read_text())
        grids = [image for image in page.images if "samples-s" in image]
        assert [Path(image).name for image in grids] == ["samples-s0.png", "samples-s1.png"]
        assert any(image.endswith("curves.png") for image in page.images)
        assert all((configuration.parent / image).is_file() for image in page.images)
        assert all((configuration.parent / target).is_file() for target in page.links)  # no dead link


def test_each_run_has_a_page_with_its_config_protocol_and_figures(site, results):
    pages = sorted((site / "runs").glob("*.html"))
    assert len(pages) == 4
    text = pages[0].read_text()
    assert "<h2>Configuration</h2>" in text and "<h2>Protocol</h2>" in text and "modes_covered" in text
    assert all((pages[0].parent / image).is_file() for image in elements_of(text).images)


def test_pictures_are_files_not_inline_data(site):
    for html_page in site.rglob("*.html"):
        assert "data:image" not in html_page.read_text() and "base64" not in html_page.read_text()


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


NEEDS_CHROMIUM = pytest.mark.skipif(chromium() is None,
                                    reason="needs Debian's chromium on PATH (apt-get install chromium)")


def browser_flags(profile: Path) -> list[str]:
    """Headless Chromium that logs the page's console to stderr (as INFO:CONSOLE lines)."""
    return [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
            f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0"]


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@NEEDS_CHROMIUM
def test_the_browser_check_would_see_a_console_error(tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html><body><script>missingFunction();</script></body></html>")
    dumped = subprocess.run([*browser_flags(tmp_path / "profile"), "--dump-dom", broken.as_uri()],
                            capture_output=True, text=True, timeout=120)
    assert any("missingFunction" in line for line in console_lines(dumped.stderr))


@NEEDS_CHROMIUM
def test_a_browser_opens_the_index_without_errors_and_sees_the_table_and_pictures(site, tmp_path):
    flags = browser_flags(tmp_path / "profile")
    index = (site / "index.html").as_uri()
    shot = tmp_path / "index.png"
    taken = subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1280,900", index],
                           capture_output=True, text=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 10_000, taken.stderr[-2000:]
    dumped = subprocess.run([*flags, "--dump-dom", index], capture_output=True, text=True, timeout=120)
    assert console_lines(dumped.stderr) == []  # no script error, no console message at all
    page = elements_of(dumped.stdout)  # the DOM the browser built, not the file we wrote
    assert page.tables == 1 and len(page.images) == 2
    assert all((site / image).is_file() for image in page.images)  # Chromium does not log a missing file: check it
    assert re.search(r"<td[^>]*>\s*<a href=\"configs/", dumped.stdout)


def test_a_stored_calibration_gets_a_page_linked_from_the_index(results, tmp_path):
    import json

    from ganbench.results.site import write_site
    folder = tmp_path / "results"
    shutil.copytree(results, folder)
    (folder / "calibration").mkdir()
    reading = {"direction": "higher", "blind_to": ["mode-spread"], "rewards": [],
               "defects": {"mode-spread": {"worse_correlation": None, "smallest_step": None, "verdict": "blind",
                                           "clean_mean": 8.0, "steps": []}}}
    (folder / "calibration" / "ring8.json").write_text(json.dumps(
        {"dataset": "ring8", "resolution": 32, "seeds": 3, "evaluators": ["mode-coverage"], "alpha": 0.05,
         "family": "Holm over each metric's tests", "protocol": {"data_kind": "vector"},
         "ladders": {"mode-spread": {"level_means": "spread", "levels": [2.0]}},
         "metrics": {"modes_covered": reading}}))
    out = tmp_path / "site"
    index = write_site(folder, out)
    assert "calibration/ring8.html" in elements_of(index.read_text()).links
    calibration = (out / "calibration" / "ring8.html").read_text()
    assert elements_of(calibration).tables == 1
    assert "modes_covered" in calibration and "mode-spread" in calibration and "Calibration of ring8" in calibration
