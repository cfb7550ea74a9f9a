"""Property-based: whatever a user types, the answer is a result or one sentence with exit 2."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganbench.config import RunConfig
from ganbench.errors import GanbenchError
from ganbench.options import build_options

text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)
number_like = st.one_of(text, st.integers(-10**6, 10**6).map(str), st.floats(allow_nan=True).map(str))
FIELDS = ["steps", "resolution", "batch_size", "seed", "latent_dim", "lr_g", "beta1", "n_critic", "precision",
          "latent_dist", "step_mode", "eval_every"]


def assert_result_or_one_sentence(result):
    assert result.code in (0, 2), result.err
    assert "Traceback" not in result.err + result.out
    if result.code == 2:
        assert len(result.err.strip().splitlines()) == 1
        assert result.err.startswith("Error: ")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=number_like)
def test_any_value_for_any_setting_is_accepted_or_refused_in_one_sentence(cli, tmp_path, field, value):
    flag = "--" + field.replace("_", "-")
    result = cli("run", "--dry-run", "--steps", "2", "--arch-opt", "base_channels=4",
                 "--resolution", "8", "--results-dir", str(tmp_path), flag, value)
    assert_result_or_one_sentence(result)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["--arch", "--loss", "--dataset", "--stabilizer", "--evaluator"]), name=text)
def test_any_component_name_is_accepted_or_refused_in_one_sentence(cli, tmp_path, kind, name):
    result = cli("run", "--dry-run", "--steps", "2", "--resolution", "8",
                 "--results-dir", str(tmp_path), kind, name)
    assert_result_or_one_sentence(result)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(assignment=st.one_of(text, st.tuples(text, number_like).map(lambda kv: f"{kv[0]}={kv[1]}")))
def test_any_architecture_option_string_is_accepted_or_refused_in_one_sentence(cli, tmp_path, assignment):
    result = cli("run", "--dry-run", "--steps", "2", "--resolution", "8",
                 "--results-dir", str(tmp_path), "--arch-opt", assignment)
    assert_result_or_one_sentence(result)


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(st.sampled_from(FIELDS + ["arch", "nonsense"]),
                            st.one_of(number_like, st.integers(), st.floats(), st.booleans(), st.none())))
def test_the_config_parser_gives_a_config_or_a_ganbench_error(data):
    try:
        RunConfig.from_dict(data).validate()
    except GanbenchError as error:
        assert str(error) and "\n" not in str(error)


@pytest.mark.parametrize("value", ["1e999", "-0", "0x10", " 7 ", "٣"])
def test_odd_numbers_are_handled(value):
    from ganbench_dcgan.dcgan import DCGANOptions
    try:
        build_options(DCGANOptions, {"base_channels": value}, "architecture 'dcgan'")
    except GanbenchError as error:
        assert "base_channels" in str(error)


@pytest.mark.parametrize("name", ["0,\x1e0", "a\rb", "x\u2028y", "p\x85q", "l\nm"])
def test_a_name_with_a_line_break_is_quoted_on_one_line(cli, tmp_path, name):
    # hypothesis found '0,\x1e0' (a record separator, which str.splitlines breaks at) split the refusal in two
    result = cli("run", "--dry-run", "--steps", "2", "--resolution", "8", "--results-dir", str(tmp_path),
                 "--arch", name)
    assert_result_or_one_sentence(result)
    assert result.code == 2
