"""The package's layering, read from its source: no import cycles between modules or between its
subpackages, and the command line is imported by nothing but its entry points.

Every import counts: at the top, inside a function, and under ``if TYPE_CHECKING:``. A type-only
import runs only for a type checker, but it still says that one module needs the other, and two
modules that need each other are one module in two files."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ganbench

PACKAGE = Path(ganbench.__file__).parent
ENTRY_POINTS = {"ganbench.__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Every ganbench module that ``path`` imports: at the top, inside a function or for type checkers only."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names)
    return {imported for imported in found if imported in modules and imported != name}


# The Python API's entry points (docs/python.md): ``ganbench.run``/``compare`` through the root package's
# module __getattr__, and ``ganbench.sweep(...)`` through the sweep package, which is callable because
# ``ganbench.sweep`` names it. Each forwards a call to ganbench.python_api, which sits above both; the
# import runs on the first call, never while importing, so these two edges are not layers.
LAZY_FACADES = {("ganbench", "ganbench.python_api"), ("ganbench.sweep", "ganbench.python_api")}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: {target for target in imports_of(path, set(paths)) if (name, target) not in LAZY_FACADES}
            for name, path in paths.items()}


def unit(module: str) -> str:
    """The subpackage (ganbench.engine) or top-level module (ganbench.config) a module belongs to."""
    return ".".join(module.split(".")[:2])


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_another_that_imports_it_back():
    assert cycles(import_graph()) == []


def test_subpackages_form_layers_without_cycles():
    graph: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        if module == "ganbench":
            continue  # the package itself holds only the version and the hook marker
        graph.setdefault(unit(module), set()).update(unit(target) for target in targets
                                                     if unit(target) != unit(module) and target != "ganbench")
    assert cycles(graph) == []


def test_only_the_entry_points_import_the_command_line():
    importers = sorted(module for module, targets in import_graph().items() if "ganbench.cli" in targets)
    assert set(importers) <= ENTRY_POINTS, importers


def test_a_type_only_import_counts(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "ganbench")
    module = tmp_path / "ganbench" / "typed.py"
    module.parent.mkdir()
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ganbench.config import RunConfig\n")
    assert imports_of(module, {"ganbench.config"}) == {"ganbench.config"}


def imported_names(path: Path) -> set[str]:
    """Every ganbench module that ``path`` names in an absolute import, wherever the import sits."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("ganbench."))
        elif isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").startswith("ganbench."):
            names.add(node.module)
    return names


def test_every_module_an_import_names_exists():
    # an import inside a function runs only when that function does: after a module moves, a stale path
    # there breaks one command at run time, where no import of the package would notice it
    # (the package, its benchmarks and the plugin packages of this repository)
    modules = {module_name(path) for path in PACKAGE.rglob("*.py")}
    repo = PACKAGE.parent
    sources = [*PACKAGE.rglob("*.py"), *(repo / "benchmarks").rglob("*.py"), *(repo / "plugins").rglob("*.py")]
    stale = sorted(f"{path.relative_to(repo)}: {name}" for path in sources
                   for name in imported_names(path) if name not in modules)
    assert stale == []


def test_the_checker_finds_a_cycle_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_help_and_the_command_modules_do_not_import_torch():
    code = ("import sys; from ganbench.cli import cli; import click; "
            "ctx = click.Context(cli); [cli.get_command(ctx, name) for name in "
            "__import__('ganbench.commands', fromlist=['x']).COMMAND_MODULES]; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
