"""Every module path that moved keeps working for a release: importing it warns once, with a
DeprecationWarning that names the new path, and every name it gives is the new module's own object
(a class from the old path is the class ganbench.api exports, so isinstance and subclassing agree)."""

from __future__ import annotations

import importlib
import sys
import warnings

import pytest

import ganbench.api
from ganbench.moved import COVERED_BY_THE_API, MOVED_MODULES


def import_afresh(name: str) -> tuple[object, list[warnings.WarningMessage]]:
    """Import ``name`` as a first import would, recording every warning it gives."""
    sys.modules.pop(name, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(name)
    return module, caught


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_an_old_path_warns_once_naming_the_new_one(old):
    module, caught = import_afresh(old)
    assert [warning.category for warning in caught] == [DeprecationWarning], [str(w.message) for w in caught]
    message = str(caught[0].message)
    assert message.startswith(f"{old} is deprecated")
    assert f"the code now lives in {MOVED_MODULES[old]}" in message
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        importlib.import_module(old)  # already imported: no second warning
    assert again == []


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_an_old_path_gives_the_new_modules_own_objects(old):
    module, _ = import_afresh(old)
    new = importlib.import_module(MOVED_MODULES[old])
    public = [name for name in vars(new) if not name.startswith("_")]
    assert public
    assert all(getattr(module, name) is getattr(new, name) for name in public)
    assert set(public) <= set(dir(module))


def test_the_contracts_from_an_old_path_are_the_public_api_classes():
    for old, name in (("ganbench.architecture", "Architecture"), ("ganbench.loss", "Penalty"),
                      ("ganbench.stabilizer", "Stabilizer"), ("ganbench.evaluate.evaluator", "EvalContext"),
                      ("ganbench.evaluator", "Evaluator"), ("ganbench.data.dataset", "Dataset"),
                      ("ganbench.logger", "RunStart")):
        module, _ = import_afresh(old)
        assert getattr(module, name) is getattr(ganbench.api, name), (old, name)


def test_the_advice_is_ganbench_api_where_it_exports_every_name():
    for old in COVERED_BY_THE_API:
        _, caught = import_afresh(old)
        assert "import from ganbench.api instead" in str(caught[0].message)
        new = importlib.import_module(MOVED_MODULES[old])
        contract_names = [name for name, value in vars(new).items() if isinstance(value, type)
                          and value.__module__ == new.__name__ and not name.startswith("_")]
        assert set(contract_names) <= set(ganbench.api.__all__), (old, set(contract_names) - set(ganbench.api.__all__))


def test_a_name_the_new_module_lacks_is_an_attribute_error_naming_both_paths():
    module, _ = import_afresh("ganbench.architecture")
    with pytest.raises(AttributeError, match="'ganbench.architecture' \\(now 'ganbench.contracts.architecture'\\)"):
        module.NoSuchThing


def test_the_old_hookspecs_path_still_serves_pluggy():
    import pluggy
    module, _ = import_afresh("ganbench.hookspecs")
    manager = pluggy.PluginManager("ganbench")
    manager.add_hookspecs(module)
    assert hasattr(manager.hook, "register_stabilizers")
