"""The component API reference is generated from the contract classes and complete; the table of
contract checks in the plugin tutorial names every parameter of every check."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from ganbench import testing
from ganbench.reference import api as api_reference
from ganbench.reference import hooks as hook_reference
from ganbench.data.spec import DataSpec
from ganbench.contracts.evaluator import Evaluator

DOCS = Path(__file__).resolve().parent.parent / "docs"
CHECKS = ("check_architecture", "check_loss", "check_stabilizer", "check_evaluator", "check_dataset", "check_logger")


def test_docs_api_md_is_generated_from_the_base_classes():
    assert (DOCS / "api.md").read_text() == api_reference.render(), (
        "docs/api.md is stale: run python -m ganbench.reference.api > docs/api.md")


def test_docs_hooks_md_is_generated_from_the_hookspecs():
    assert (DOCS / "hooks.md").read_text() == hook_reference.render(), (
        "docs/hooks.md is stale: run python -m ganbench.reference.hooks > docs/hooks.md")


def test_every_method_a_component_may_implement_says_when_it_is_called():
    assert api_reference.undocumented() == []


def test_the_reference_names_the_penalty_inputs_and_the_stabilizer_points():
    text = api_reference.render()
    for method in ("d_input", "targets", "penalties", "after_g_step", "sampling_generator", "build", "evaluate"):
        assert f"`{method}(" in text
    assert "the same D inputs as the loss" in text


@pytest.mark.parametrize("name", CHECKS)
def test_the_check_table_lists_every_parameter_of_each_check(name):
    table = (DOCS / "plugins.md").read_text()
    (row,) = [line for line in table.splitlines() if line.startswith(f"| `{name}(")]
    signature = row.split("`")[1]
    documented = set(re.findall(r"(\w+)=", signature)) | {"cls"} | ({"options"} if "**options" in signature else set())
    parameters = set(inspect.signature(getattr(testing, name)).parameters)
    assert parameters == documented, f"{name}: the table lists {sorted(documented)}, the code has {sorted(parameters)}"


class OnlyOnTinyVectors(Evaluator):
    """An evaluator that applies to no built-in default spec, as the check's advice describes."""

    name = "only-on-tiny-vectors"
    description = "The mean of the first coordinate of generated vectors."
    directions = {"first_mean": "lower"}
    headline = "first_mean"

    def applies_to(self, spec, dataset):
        return False

    def evaluate(self, ctx):
        samples, _ = ctx.sample()
        return {"first_mean": float(samples[:, 0].mean().abs())}


def test_check_evaluator_takes_the_dataspec_its_own_message_suggests():
    testing.check_evaluator(OnlyOnTinyVectors, dataset=DataSpec("tiny", "vector", (3,)), samples=16)
