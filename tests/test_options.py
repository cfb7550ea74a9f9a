"""Typed options: strings from the CLI become the declared types, or one clear error."""

import dataclasses
from typing import Literal

import pytest

from ganbench.errors import ConfigError
from ganbench.options import build_options, describe_options, parse_assignments


@dataclasses.dataclass(frozen=True)
class Example:
    channels: int = 64
    rate: float = 0.5
    flag: bool = False
    mode: Literal["a", "b"] = "a"
    betas: tuple[float, float] = (0.5, 0.999)
    name: str | None = None

    def __post_init__(self):
        if self.channels <= 0:
            raise ValueError("channels must be positive")


def test_strings_become_declared_types():
    options = build_options(Example, {"channels": "32", "rate": "0.25", "flag": "true", "mode": "b",
                                      "betas": "0,0.9", "name": "x"}, "thing 'x'")
    assert options == Example(32, 0.25, True, "b", (0.0, 0.9), "x")


def test_unknown_option_lists_the_valid_ones():
    with pytest.raises(ConfigError) as error:
        build_options(Example, {"chanels": "3"}, "architecture 'dcgan'")
    assert "no option 'chanels'" in str(error.value)
    assert "channels, rate, flag, mode, betas, name" in str(error.value)


@pytest.mark.parametrize("key, value, expected", [
    ("channels", "3.5", "must be an integer"),
    ("rate", "fast", "must be a number"),
    ("rate", "nan", "finite"),
    ("flag", "maybe", "true or false"),
    ("mode", "c", "one of a, b"),
    ("betas", "0.5", "needs 2"),
])
def test_wrong_type_says_so(key, value, expected):
    with pytest.raises(ConfigError, match=expected):
        build_options(Example, {key: value}, "thing")


def test_validation_in_post_init_becomes_a_config_error():
    with pytest.raises(ConfigError, match="channels must be positive"):
        build_options(Example, {"channels": "-1"}, "thing")


def test_parse_assignments_refuses_a_missing_equals():
    assert parse_assignments(["a=1", " b = two "], "--x") == {"a": "1", "b": "two"}
    with pytest.raises(ConfigError, match="expects key=value"):
        parse_assignments(["a"], "--arch-opt")


def test_describe_options_gives_defaults():
    rows = describe_options(Example)
    assert ("channels", "int", 64) in rows
    assert ("mode", "a|b", "a") in rows
