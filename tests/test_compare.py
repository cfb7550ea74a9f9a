"""ganbench compare on hand-written results: statistics, ranks, significance, filters, formats."""

import csv
import io
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ganbench.errors import ConfigError
from ganbench.results.compare import compare, compare_results
from ganbench.results.render import render
from ganbench.results.index import ensure_index, load_runs

DIRECTIONS = {"fid": "lower", "modes": "higher", "collapse": "lower", "modes_covered": "higher", "g_loss_mean": None}


def write_run(results: Path, arch: str, seed: int, metrics: dict, stabilizers=("none",), status="finished",
              lr_d=None, images=1920, arch_options=None) -> Path:
    """A run directory as the engine leaves it, written by hand."""
    group = f"{arch}-{'+'.join(stabilizers)}-{lr_d}" + "".join(f"-{key}{value}" for key, value in
                                                               sorted((arch_options or {}).items()))
    run_id = f"{group}-s{seed}"
    folder = results / run_id
    folder.mkdir(parents=True)
    config = {"schema_version": 2, "run_id": run_id, "group": group,
              "arch": {"name": arch, "options": dict(arch_options or {})},
              "loss": {"name": "bce", "options": {}}, "dataset": {"name": "ring8", "options": {}},
              "stabilizers": [{"name": name, "options": {}} for name in stabilizers if name != "none"],
              "seed": seed, "steps": 30, "batch_size": 64, "lr_d": lr_d}
    result = {"run_id": run_id, "group": group, "status": status, "arch": arch, "loss": "bce",
              "dataset": "ring8", "stabilizers": list(stabilizers), "seed": seed,
              "steps": 30 if status == "finished" else 12,
              "budget": {"steps": 30, "images": 1920, "batch_size": 64, "n_critic": 1},
              "images_seen": images if status == "finished" else 768, "wall_time_s": 2.0 + seed, "img_per_s": 900.0,
              "final": {"step": 30, "g_loss": 0.7}, "metrics": metrics if status == "finished" else {},
              "directions": {name: DIRECTIONS[name] for name in metrics} if status == "finished" else {},
              "diverged_at": 12 if status == "diverged" else None}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "result.json").write_text(json.dumps(result))
    return folder


@pytest.fixture
def results(tmp_path) -> Path:
    """Three configurations: a baseline (fid 1,2,3), a clearly better one, and one with a diverged seed."""
    for seed, fid in enumerate([1.0, 2.0, 3.0]):
        write_run(tmp_path, "mlp", seed, {"fid": fid, "modes": 4.0 + seed})
    for seed, fid in enumerate([10.0, 11.0, 12.0]):
        write_run(tmp_path, "wide", seed, {"fid": fid, "modes": 8.0}, stabilizers=("minibatch-std",))
    for seed, fid in enumerate([1.6, 2.6]):
        write_run(tmp_path, "deep", seed, {"fid": fid, "modes": 6.0})
    write_run(tmp_path, "deep", 2, {}, status="diverged")
    return tmp_path


def comparison_of(results: Path, **options):
    comparison, _ = compare_results(results, **options)
    return comparison


def group_of(comparison, arch: str):
    return next(group for group in comparison.groups if group.label["arch"] == arch)


def test_mean_and_confidence_interval_match_hand_computed_values(results):
    summary = group_of(comparison_of(results), "mlp").metrics["fid"]
    assert summary.n == 3 and summary.mean == pytest.approx(2.0) and summary.std == pytest.approx(1.0)
    # t(0.975, 2) = 4.303; 4.303 * 1 / sqrt(3) = 2.484
    assert summary.ci == pytest.approx(4.3027 / math.sqrt(3), abs=1e-3)
    assert summary.ci == pytest.approx(2.484, abs=1e-3)


def test_ranks_and_best_follow_each_metrics_direction(results):
    comparison = comparison_of(results)
    assert group_of(comparison, "mlp").metrics["fid"].rank == 1  # lower fid is better
    assert group_of(comparison, "wide").metrics["fid"].rank == 3
    assert group_of(comparison, "wide").metrics["modes"].rank == 1  # more modes is better
    assert group_of(comparison, "wide").metrics["modes"].best
    assert not group_of(comparison, "mlp").metrics["modes"].best
    assert [group.label["arch"] for group in comparison.groups] == ["mlp", "deep", "wide"]  # sorted by fid
    assert comparison.groups[0].rank == 1


def test_sort_by_a_higher_is_better_metric_puts_the_largest_first(results):
    comparison = comparison_of(results, sort="modes")
    assert [group.label["arch"] for group in comparison.groups] == ["wide", "deep", "mlp"]


def test_welch_mark_against_a_named_baseline(results):
    comparison = comparison_of(results, baseline="arch=mlp,stabilizers=none")
    wide, deep = group_of(comparison, "wide").metrics["fid"], group_of(comparison, "deep").metrics["fid"]
    from scipy import stats
    # By hand: t = (11 - 2) / sqrt(1/3 + 1/3) = 11.02 with Welch's 4 degrees of freedom.
    assert wide.p_value == pytest.approx(2 * stats.t.sf(9 / math.sqrt(2 / 3), 4), rel=1e-6)
    assert wide.significant and not deep.significant
    assert group_of(comparison, "mlp").baseline
    assert "Welch's t-test" in " ".join(comparison.notes())
    assert "11.00 ± 2.48 *" in render(comparison, "markdown")


def test_diverged_runs_are_counted_and_have_no_metrics(results):
    deep = group_of(comparison_of(results), "deep")
    assert deep.n == 3 and deep.diverged == 1 and deep.metrics["fid"].n == 2
    assert "(n=2)" in render(comparison_of(results), "markdown")


def test_where_filters_by_column_setting_and_alternatives(results):
    assert [g.label["arch"] for g in comparison_of(results, where=["arch=mlp"]).groups] == ["mlp"]
    assert len(comparison_of(results, where=["arch=mlp,wide"]).groups) == 2
    assert len(comparison_of(results, where=["stabilizers=minibatch-std"]).groups) == 1
    assert len(comparison_of(results, where=["status=diverged"]).groups) == 1
    assert len(comparison_of(results, where=["batch_size=64"]).groups) == 3
    with pytest.raises(ConfigError, match="'colour' is not a run setting"):
        comparison_of(results, where=["colour=red"])
    with pytest.raises(ConfigError, match="no run matches"):
        comparison_of(results, where=["arch=none-such"])


def test_baseline_must_name_exactly_one_configuration(results):
    with pytest.raises(ConfigError, match="matches no configuration"):
        comparison_of(results, baseline="arch=absent")
    with pytest.raises(ConfigError, match="matches 2 configurations"):
        comparison_of(results, baseline="stabilizers=none")


def test_metric_choice_and_unknown_metric(results):
    comparison = comparison_of(results, metrics=["modes"])
    assert comparison.metrics == ["modes"]
    with pytest.raises(ConfigError, match="'fidd' is not in these runs; available: .*fid"):
        comparison_of(results, metrics=["fidd"])
    logged = comparison_of(results, metrics=["final.g_loss"])  # a logged scalar: shown, not ranked
    assert group_of(logged, "mlp").metrics["final.g_loss"].rank is None


def test_settings_that_tell_configurations_apart_get_a_column(tmp_path):
    for seed in range(2):
        write_run(tmp_path, "mlp", seed, {"fid": 1.0 + seed}, lr_d=0.0001)
        write_run(tmp_path, "mlp", seed, {"fid": 2.0 + seed}, lr_d=0.0004)
    comparison = comparison_of(tmp_path)
    assert sorted(group.settings for group in comparison.groups) == ["lr_d=0.0001", "lr_d=0.0004"]
    assert len(comparison_of(tmp_path, where=["lr_d=1e-4"]).groups) == 1


def test_an_option_added_later_tells_its_component_apart_from_the_default(tmp_path):
    # dcgan's g_norm is left out of config.json at its default ("batch"): the plain dcgan rows must
    # still read as different from g_norm=none, not as two identical rows.
    for seed in range(2):
        write_run(tmp_path, "dcgan", seed, {"fid": 1.0 + seed})
        write_run(tmp_path, "dcgan", seed, {"fid": 5.0 + seed}, arch_options={"g_norm": "none"})
    comparison = comparison_of(tmp_path)
    assert sorted(group.settings for group in comparison.groups) == ["arch.g_norm=default", "arch.g_norm=none"]


def test_an_option_of_another_component_still_tells_nothing_apart(tmp_path):
    for seed in range(2):
        write_run(tmp_path, "mlp", seed, {"fid": 1.0 + seed})
        write_run(tmp_path, "dcgan", seed, {"fid": 5.0 + seed}, arch_options={"g_norm": "none"})
    assert [group.settings for group in comparison_of(tmp_path).groups] == ["", ""]


# Formats ------------------------------------------------------------------------------------------------

def test_csv_parses_back_with_full_precision(results):
    rows = list(csv.DictReader(io.StringIO(render(comparison_of(results), "csv"))))
    assert len(rows) == 3
    mlp = next(row for row in rows if row["arch"] == "mlp")
    assert float(mlp["fid_mean"]) == pytest.approx(2.0)
    assert float(mlp["fid_ci95"]) == pytest.approx(2.484, abs=1e-3)
    assert mlp["fid_rank"] == "1" and mlp["fid_best"] == "1" and mlp["n"] == "3"
    deep = next(row for row in rows if row["arch"] == "deep")
    assert deep["diverged"] == "1" and deep["fid_n"] == "2"


def test_markdown_table_has_a_regular_shape(results):
    text = render(comparison_of(results, baseline="arch=mlp,stabilizers=none"), "markdown")
    table = [line for line in text.splitlines() if line.startswith("|")]
    pipes = {len(re.findall(r"(?<!\\)\|", line)) for line in table}
    assert len(pipes) == 1 and len(table) == 2 + 3
    assert re.fullmatch(r"\|( ---:? \|)+", table[1])
    assert "**2.00 ± 2.48**" in text  # the best fid in bold
    assert "Welch's t-test" in text


class StrictHTML(HTMLParser):
    """Fails on a closing tag that does not match the open one; counts rows and images."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack, self.rows, self.images = [], 0, 0

    def handle_starttag(self, tag, attrs):
        self.rows += tag == "tr"
        self.images += tag == "img"
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"


def parse_html(text: str) -> StrictHTML:
    parser = StrictHTML()
    parser.feed(text)
    parser.close()
    assert parser.stack == []
    return parser


def test_html_parses_with_one_row_per_configuration_and_escapes_names(results):
    write_run(results, "<b>bold&", 0, {"fid": 5.0})
    text = render(comparison_of(results), "html")
    parser = parse_html(text)
    assert parser.rows == 1 + 4
    assert "&lt;b&gt;bold&amp;" in text and "<b>bold" not in text


def test_latex_has_a_tabular_with_every_row(results):
    text = render(comparison_of(results, baseline="arch=mlp,stabilizers=none"), "latex")
    assert r"\begin{tabular}" in text and r"\end{tabular}" in text
    assert text.count(r" \\") == 1 + 3
    assert r"$\pm$" in text and r"\textbf{" in text and "Welch" in text
    assert "minibatch-std" in text and "_" not in text.replace(r"\_", "")


def test_terminal_table_names_every_configuration(results):
    text = render(comparison_of(results), "terminal", width=200)
    assert "wide" in text and "2.00 ± 2.48" in text and "Student t" in text
    narrow = render(comparison_of(results), "terminal", width=60)  # turned: one column per configuration
    assert "fid" in narrow and "wide" in narrow


# The command ---------------------------------------------------------------------------------------------

def test_compare_command_writes_every_format(results, cli, tmp_path):
    code, out, _ = cli("compare", str(results), "--format", "csv")
    assert code == 0 and len(list(csv.reader(io.StringIO(out)))) == 4
    target = tmp_path / "report.html"
    code, out, _ = cli("compare", str(results), "--format", "html", "--output", str(target))
    assert code == 0 and parse_html(target.read_text()).rows == 4
    code, out, _ = cli("compare", str(results), "--where", "arch=mlp")
    assert code == 0 and "mlp" in out


@pytest.mark.parametrize("args, message", [
    (["--metric", "nope"], "'nope' is not in these runs"),
    (["--where", "arch"], "--where expects KEY=VALUE items"),
    (["--sort", "nope"], "--sort 'nope' is not a metric"),
    (["--baseline", "arch"], "--baseline expects KEY=VALUE items"),
    (["--format", "pdf"], "pdf"),
])
def test_compare_mistakes_are_one_sentence(results, cli, args, message):
    code, out, err = cli("compare", str(results), *args)
    assert code == 2 and message in err and "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


def test_compare_of_a_missing_directory_is_one_sentence(tmp_path, cli):
    code, _, err = cli("compare", str(tmp_path / "absent"))
    assert code == 2 and "does not exist" in err


def test_compare_sees_a_run_added_after_the_index(results):
    assert ensure_index(results) is not None  # built
    assert ensure_index(results) is None  # current: nothing to do
    write_run(results, "late", 0, {"fid": 4.0})
    assert "late" in {group.label["arch"] for group in comparison_of(results).groups}
    assert len(load_runs(results / "index.sqlite")) == 10


def test_compare_library_takes_runs_directly(results):
    ensure_index(results)
    comparison = compare(load_runs(results / "index.sqlite"), metrics=["fid"])
    assert comparison.sort_metric == "fid" and len(comparison.groups) == 3


def test_the_star_uses_the_holm_adjusted_p_over_the_tables_family(results):
    raw = comparison_of(results, baseline="arch=mlp,stabilizers=none", correction="none")
    holm = comparison_of(results, baseline="arch=mlp,stabilizers=none")
    assert holm.correction == "holm" and holm.tests == 4  # 2 rows x 2 metrics
    p_values = sorted((g.metrics[m].p_value, g.label["arch"], m) for g in raw.groups for m in ("fid", "modes")
                      if g.metrics[m].p_value is not None)
    smallest, arch, metric = p_values[0]
    assert group_of(holm, arch).metrics[metric].p_adjusted == pytest.approx(min(1.0, 4 * smallest))
    notes = " ".join(holm.notes())
    assert "Holm-Bonferroni adjusted over the family of 4 tests: 2 rows × 2 metrics" in notes


def test_a_compare_table_shows_the_effect_size_and_adjusted_p(results):
    comparison = comparison_of(results, baseline="arch=mlp,stabilizers=none", correction="bh")
    wide = group_of(comparison, "wide").metrics["fid"]
    assert wide.difference.value == pytest.approx(9.0)
    assert (wide.difference.low, wide.difference.high) == pytest.approx((6.733, 11.267), abs=1e-3)
    markdown = render(comparison, "markdown")
    assert "| Δ fid | Δ modes |" in markdown
    assert f"+9 [+6.73, +11.3] p={wide.p_adjusted:.2g}" in markdown
    assert "Benjamini-Hochberg" in markdown
    row = next(r for r in csv.DictReader(io.StringIO(render(comparison, "csv"))) if r["arch"] == "wide")
    assert float(row["fid_diff"]) == pytest.approx(9.0) and float(row["fid_p_bh"]) == pytest.approx(wide.p_adjusted)
    assert float(row["fid_diff_ci95_low"]) == pytest.approx(6.733, abs=1e-3)
    for output_format in ("latex", "html", "terminal"):
        assert "+6.73, +11.3" in render(comparison, output_format)


def test_two_constant_groups_get_no_star_and_no_p_value(tmp_path):
    for seed in range(3):
        write_run(tmp_path, "mlp", seed, {"fid": 1.0, "modes": 4.0})
        write_run(tmp_path, "wide", seed, {"fid": 2.0, "modes": 8.0})
    comparison = comparison_of(tmp_path, baseline="arch=mlp")
    wide = group_of(comparison, "wide").metrics["fid"]
    assert wide.p_value is None and not wide.significant and wide.difference.value == 1.0
    assert comparison.tests == 0 and comparison.untested == 2
    from ganbench.results.formats import table_cells
    assert not any(cell.text.endswith(" *") for row in table_cells(comparison)[1] for cell in row)
    assert "no test: no variance" in render(comparison, "markdown")


def test_compare_command_takes_a_correction(results, cli):
    code, out, _ = cli("compare", str(results), "--baseline", "arch=mlp,stabilizers=none",
                       "--correction", "bh", "--format", "markdown")
    assert code == 0 and "Benjamini-Hochberg" in out


def test_without_sort_the_table_ranks_by_the_evaluators_headline_not_a_flag(tmp_path):
    # collapse (a 0/1 flag) comes first and every row would tie; mode-coverage declares modes_covered.
    for seed in range(2):
        write_run(tmp_path, "mlp", seed, {"collapse": 0.0, "modes_covered": 3.0 + seed})
        write_run(tmp_path, "wide", seed, {"collapse": 0.0, "modes_covered": 7.0 + seed})
    comparison = comparison_of(tmp_path)
    assert comparison.sort_metric == "modes_covered"
    assert [group.label["arch"] for group in comparison.groups] == ["wide", "mlp"]
    assert [group.rank for group in comparison.groups] == [1, 2]
    assert "the headline metric its evaluator declares" in " ".join(comparison.notes())


def test_a_metric_without_a_declared_direction_is_shown_but_never_ranked_or_starred(tmp_path):
    for seed in range(3):
        write_run(tmp_path, "mlp", seed, {"fid": 1.0 + seed, "g_loss_mean": 0.1 * seed})
        write_run(tmp_path, "wide", seed, {"fid": 9.0 + seed, "g_loss_mean": 5.0 + seed})
    comparison = comparison_of(tmp_path, metrics=["fid", "g_loss_mean"], baseline="arch=mlp")
    wide = group_of(comparison, "wide").metrics["g_loss_mean"]
    assert wide.rank is None and not wide.best and wide.p_value is None and not wide.significant
    assert comparison.tests == 1  # fid only
    assert "| g_loss_mean |" in render(comparison, "markdown")
    with pytest.raises(ConfigError, match="'g_loss_mean' declares no better direction"):
        comparison_of(tmp_path, sort="g_loss_mean")


# Several tables from one command (--by) and their family (--family, --study) -------------------------------

@pytest.fixture
def two_sizes(tmp_path) -> Path:
    """The same two architectures at two widths: a study that reads one table per width."""
    for width, shift in ((8, 0.0), (16, 5.0)):
        for seed, fid in enumerate([1.0, 2.0, 3.0]):
            write_run(tmp_path, "mlp", seed, {"fid": fid + shift}, arch_options={"width": width})
        for seed, fid in enumerate([6.0, 7.5, 8.0]):
            write_run(tmp_path, "wide", seed, {"fid": fid + shift}, arch_options={"width": width})
    return tmp_path


def tables_of(results: Path, **options):
    from ganbench.results.split import compare_tables
    settings = {"metrics": ["fid"], "where": [], "sort": None, "baseline": "arch=mlp", "correction": "holm",
                "power": [], "by": ["arch.width"], "family": "table", **options}
    return compare_tables(results, **settings)[0]


def test_by_prints_one_table_per_value_each_as_its_where_would(two_sizes):
    tables = tables_of(two_sizes)
    assert [heading for heading, _ in tables] == ["arch.width=8", "arch.width=16"]
    for heading, table in tables:
        alone = comparison_of(two_sizes, metrics=["fid"], where=[heading], baseline="arch=mlp")
        assert group_of(table, "wide").metrics["fid"].p_adjusted == group_of(alone, "wide").metrics["fid"].p_adjusted
        assert len(table.groups) == 2


def test_family_page_adjusts_every_table_of_the_command_as_one_family(two_sizes):
    alone = [group_of(table, "wide").metrics["fid"] for _, table in tables_of(two_sizes)]
    together = [group_of(table, "wide").metrics["fid"] for _, table in tables_of(two_sizes, family="page")]
    raw = sorted(summary.p_value for summary in alone)
    assert sorted(summary.p_adjusted for summary in together) == pytest.approx([2 * raw[0], max(2 * raw[0], raw[1])])
    assert all(summary.p_adjusted == summary.p_value for summary in alone)  # one test per table: nothing to adjust


def test_the_command_takes_the_family_from_a_studys_suite(two_sizes, cli, tmp_path):
    suite = tmp_path / "study.toml"
    suite.write_text('[study]\nfamily = "page"\n\n[sweep]\narch = "mlp"\n')
    code, out, err = cli("compare", str(two_sizes), "--by", "arch.width", "--baseline", "arch=mlp", "--metric", "fid",
                         "--study", str(suite), "--format", "markdown")
    assert code == 0, err
    assert out.count("### arch.width=") == 2
    assert out.count("over the family of 2 tests of this command, across its 2 tables") == 2


@pytest.mark.parametrize("args, message", [
    (["--by", "nope"], "--by 'nope' is not a setting of these runs"),
    (["--by", "arch.width", "--format", "html"], "an HTML report holds one table"),
    (["--study", "absent.toml"], "--study absent.toml: no such suite file"),
])
def test_by_and_study_mistakes_are_one_sentence(two_sizes, cli, args, message):
    code, out, err = cli("compare", str(two_sizes), *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
