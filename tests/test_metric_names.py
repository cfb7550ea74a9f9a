"""One meaning per metric name in a run (issue 17, item 6)."""

import re
from pathlib import Path

import pytest

from ganbench.plugin_host import plugins
from ganbench.errors import EvaluationError
from ganbench.evaluate.collected_metrics import CollectedMetrics


class Reporter:
    def __init__(self, name, directions):
        self.name, self.directions = name, directions


def test_two_evaluators_reporting_one_name_is_an_error_with_a_sentence():
    collected = CollectedMetrics()
    collected.add(Reporter("domain-fid", {"fid": "lower"}), {"fid": 3.0})
    with pytest.raises(EvaluationError, match=r"evaluators 'domain-fid' and 'fid' both report the metric 'fid'"):
        collected.add(Reporter("fid", {"fid": "lower"}), {"fid": 40.0})
    assert collected.metrics == {"fid": 3.0}


def test_a_direction_is_recorded_only_where_the_evaluator_declares_one():
    collected = CollectedMetrics()
    collected.add(Reporter("stability", {"collapse": "lower"}), {"collapse": 0.0, "stability_g_loss_mean": 0.7})
    assert collected.directions == {"collapse": "lower"}  # the mean has no better direction
    assert set(collected.metrics) == {"collapse", "stability_g_loss_mean"}


def test_every_built_in_evaluator_declares_a_headline_among_its_directions():
    for entry in plugins.registry().entries("evaluator"):
        assert entry.cls.headline in entry.cls.directions, entry.name


def documented_metric_names(text: str) -> set[str]:
    """Backticked names in the metrics column of the evaluator tables of docs/metrics.md."""
    names = set()
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`") and re.match(r"`[a-z0-9-]+`", cells[0]):
            names.update(name for name in re.findall(r"`([^`]+)`", cells[1]) if "*" not in name)
    return names


def test_metric_names_in_the_docs_are_metric_names_in_the_code():
    declared = {name for entry in plugins.registry().entries("evaluator") for name in entry.cls.directions}
    documented = documented_metric_names((Path(__file__).parent.parent / "docs" / "metrics.md").read_text())
    assert "modes_covered" in documented
    assert documented <= declared, sorted(documented - declared)
