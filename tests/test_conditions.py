"""--where and --baseline read conditions with one parser: a comma before KEY=VALUE starts a condition,
a comma before a bare value adds an alternative."""

import pytest

from ganbench.errors import ConfigError
from ganbench.results.conditions import Condition, holds, parse_conditions


def test_items_with_a_key_start_conditions_and_bare_items_add_alternatives():
    assert parse_conditions(["arch=mlp,dcgan,stabilizers=none"], "--where") == [
        Condition("arch", ("mlp", "dcgan")), Condition("stabilizers", ("none",))]


def test_repeating_the_flag_adds_conditions_as_a_comma_does():
    assert parse_conditions(["arch=mlp", "stabilizers=none"], "--where") == \
        parse_conditions(["arch=mlp,stabilizers=none"], "--baseline")


def test_values_compare_as_numbers_and_booleans_in_any_case():
    assert holds(0.8, Condition("label-smoothing.real", ("0.80",)))
    assert holds(True, Condition("compile", ("TRUE",)))
    assert not holds(0.9, Condition("label-smoothing.real", ("0.8", "0.7")))


@pytest.mark.parametrize("text", ["dcgan", "=dcgan", "arch=dcgan,,loss=bce"])
def test_an_item_without_a_condition_to_join_is_one_sentence(text):
    with pytest.raises(ConfigError, match="expects KEY=VALUE items separated by commas"):
        parse_conditions([text], "--where")
