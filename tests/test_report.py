"""Pictures: curves.png per run, overlays of several runs, TensorBoard events, the HTML report."""

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from ganbench.cli import main
from ganbench.results import plots
from ganbench.results.compare import compare_results
from ganbench.results.report import html_report


def write_logged_run(results: Path, arch: str, seed: int, fid: float) -> Path:
    """A finished run with a log, two evaluations and a sample grid, written by hand."""
    run_id = f"{arch}-bce-ring8-none-s{seed}-0123456789"
    folder = results / run_id
    (folder / "samples").mkdir(parents=True)
    rows = [{"step": step, "images": step * 16, "d_loss_real": 0.7 - step / 100, "d_loss_fake": 0.6,
             "g_loss": 0.8 + step / 100, "d_acc_real": 0.5 + step / 200, "d_acc_fake": 0.4} for step in (2, 4, 6)]
    (folder / "metrics.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    (folder / "evaluations.jsonl").write_text(json.dumps({"step": 3, "metrics": {"fid": fid + 1.0}}) + "\n")
    Image.new("RGB", (16, 16), (200, 30, 30)).save(folder / "samples" / "step-000006.png")
    (folder / "config.json").write_text(json.dumps({"schema_version": 2, "run_id": run_id,
                                                     "arch": {"name": arch, "options": {}}}))
    (folder / "result.json").write_text(json.dumps({
        "run_id": run_id, "group": arch, "status": "finished", "arch": arch, "loss": "bce", "dataset": "ring8",
        "stabilizers": ["none"], "seed": seed, "steps": 6, "budget": {"steps": 6, "images": 96},
        "images_seen": 96, "wall_time_s": 1.0, "img_per_s": 96.0, "final": rows[-1],
        "metrics": {"fid": fid}, "directions": {"fid": "lower"}}))
    return folder


def png_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def test_curves_png_is_drawn_from_the_log(tmp_path):
    folder = write_logged_run(tmp_path, "mlp", 0, 2.0)
    target = plots.write_run_curves(folder)
    assert target == folder / "curves.png" and png_size(target) == (1000, 360)
    figure = plots.curves_figure([("run", plots.read_series(json.loads(line) for line in
                                                           (folder / "metrics.jsonl").read_text().splitlines()))])
    losses, accuracies = figure.axes
    assert sorted(line.get_label() for line in losses.lines) == ["d_loss_fake", "d_loss_real", "g_loss"]
    assert sorted(line.get_label() for line in accuracies.lines) == ["d_acc_fake", "d_acc_real"]
    assert list(losses.lines[0].get_xdata()) == [2, 4, 6]


def test_plot_overlays_several_runs(tmp_path, capsys):
    first, second = write_logged_run(tmp_path, "mlp", 0, 2.0), write_logged_run(tmp_path, "mlp", 1, 3.0)
    out = tmp_path / "both.png"
    main(["plot", str(first), str(second), "--out", str(out)])
    assert png_size(out) == (1000, 360) and "wrote" in capsys.readouterr().out
    figure = plots.curves_figure([(p.name, plots.read_series(json.loads(line) for line in
                                                             (p / "metrics.jsonl").read_text().splitlines()))
                                  for p in (first, second)])
    assert len(figure.axes[0].lines) == 2 * 3 and len(figure.axes[1].lines) == 2 * 2


def test_plot_of_a_folder_that_is_no_run_is_one_sentence(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["plot", str(tmp_path), "--out", str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "not a ganbench run directory" in err
    assert not (tmp_path / "x.png").exists()


class Counter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.captions: list[str] = []
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self._in_caption = tag == "figcaption"

    def handle_data(self, data):
        if self._in_caption:
            self.captions.append(data)
            self._in_caption = False


def test_the_html_report_has_curves_metric_plots_and_sample_grids(tmp_path):
    for seed in range(2):
        write_logged_run(tmp_path, "mlp", seed, 2.0 + seed)
        write_logged_run(tmp_path, "wide", seed, 4.0 + seed)
    comparison, _ = compare_results(tmp_path)
    counter = Counter()
    counter.feed(html_report(comparison))
    counter.close()
    assert counter.tags["tr"] == 1 + 2
    # Two loss-curve figures (one per configuration), one fid-vs-step plot, two sample grids.
    assert counter.tags["img"] == 2 + 1 + 2
    assert counter.captions.count("fid") == 1
    assert sum("arch=wide" in caption for caption in counter.captions) == 2
