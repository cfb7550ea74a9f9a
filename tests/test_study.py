"""A suite's [study] table: the Holm family of its pages and the defects its question is about."""

from pathlib import Path

import pytest

from ganbench.errors import ConfigError
from ganbench.sweep.expand import Study, spec_from_suite, study_of_suite

REPO = Path(__file__).resolve().parent.parent


def suite_with(tmp_path: Path, study: str) -> Path:
    path = tmp_path / "suite.toml"
    path.write_text(f'{study}\n[sweep]\narch = "mlp"\ndataset = "ring8"\n')
    return path


def test_a_suite_without_a_study_adjusts_each_table_alone(tmp_path):
    assert study_of_suite(suite_with(tmp_path, "")) == Study("table", ())


def test_the_losses_study_declares_one_family_for_its_page():
    study = study_of_suite(REPO / "benchmarks" / "suites" / "losses.toml")
    assert study.family == "page" and "collapse" in study.asks_about


@pytest.mark.parametrize("study, message", [
    ('[study]\nfamily = "paper"', "family = 'paper': choose one of table, page"),
    ('[study]\nfamilly = "page"', "unknown key 'familly'; valid keys: family, asks_about"),
    ('[study]\nasks_about = ["colapse"]', "unknown ladder 'colapse'"),
    ('[study]\nasks_about = "collapse"', "asks_about must be a list of ladder names"),
])
def test_a_bad_study_stops_the_sweep_before_anything_trains(tmp_path, study, message):
    with pytest.raises(ConfigError, match=message):
        spec_from_suite(suite_with(tmp_path, study))
