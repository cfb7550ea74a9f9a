"""``ganbench plugins new``: write a plugin package that works before its author changes a line.

The package has the layout of the repository's own plugins (plugins/ganbench-dcgan):
``pyproject.toml`` with the ``ganbench`` entry point, one module per example component, an
``__init__.py`` with the hook implementations and ``GANBENCH_API_VERSION``, tests that call
``ganbench.testing``'s contract checks, and a README with a usage line. The example modules are
templates under ``ganbench/plugin_host/scaffold_templates``; the files that depend on which kinds were asked
for are composed here.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import string
import tempfile
from pathlib import Path

import ganbench
from ganbench.plugin_host import plugins
from ganbench.errors import ConfigError
from ganbench.plugin_host.registry import KINDS as ALL_KINDS, PLURALS

TEMPLATES = Path(__file__).parent / "scaffold_templates"
PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclasses.dataclass(frozen=True)
class Example:
    """One example component: its module, class and registered name (templates of PluginNames)."""

    kind: str
    module: str  # file name without .py, under the package
    cls: str  # class name; ${prefix} is the plugin's CamelCase name
    name: str  # registered name; ${name} is the plugin's name
    check: str  # the ganbench.testing call of its test, with the options it checks

    def render(self, names: "PluginNames", text: str) -> str:
        return string.Template(text).substitute(names.substitutions())


EXAMPLES = {
    "architecture": Example("architecture", "architecture", "${prefix}Architecture", "${name}",
                            "testing.check_architecture(${prefix}Architecture, hidden=16)"),
    "loss": Example("loss", "loss", "${prefix}Loss", "${name}-loss", "testing.check_loss(${prefix}Loss)"),
    "stabilizer": Example("stabilizer", "stabilizer", "${prefix}Noise", "${name}-noise",
                          "testing.check_stabilizer(${prefix}Noise)"),
    "evaluator": Example("evaluator", "evaluator", "${prefix}Moments", "${name}-moments",
                         "testing.check_evaluator(${prefix}Moments)"),
    "dataset": Example("dataset", "dataset", "${prefix}Circle", "${name}-circle",
                       "testing.check_dataset(${prefix}Circle)"),
}
# The kinds a new plugin gets an example of (loggers have no template yet: docs/loggers.md shows one).
KINDS = tuple(kind for kind in ALL_KINDS if kind in EXAMPLES)


@dataclasses.dataclass(frozen=True)
class PluginNames:
    """Every spelling of a plugin's name: ``mine`` -> ganbench-mine, ganbench_mine, Mine."""

    name: str  # kebab-case: entry-point name and prefix of the component names

    @property
    def package(self) -> str:
        return f"ganbench-{self.name}"

    @property
    def module(self) -> str:
        return f"ganbench_{self.name.replace('-', '_')}"

    @property
    def prefix(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("-"))

    def substitutions(self) -> dict[str, str]:
        return {"name": self.name, "package": self.package, "module": self.module, "entry": self.name,
                "prefix": self.prefix, "metric": self.name.replace("-", "_"),
                "description": f"{self.prefix}: a ganbench plugin", "ganbench_version": ganbench.__version__,
                "api_version": str(ganbench.API_VERSION)}


def plugin_names(name: str) -> PluginNames:
    """Validate a plugin name (a leading ``ganbench-`` is dropped: the package gets it anyway)."""
    short = name.removeprefix("ganbench-")
    if not PLUGIN_NAME.match(short):
        raise ConfigError(f"plugin name {name!r} is not valid: use lowercase letters, digits and hyphens, "
                          f"starting with a letter (e.g. 'my-gan').")
    return PluginNames(short)


def parse_kinds(text: str) -> tuple[str, ...]:
    """Kinds from a comma-separated list, singular or plural, in the order of KINDS."""
    by_name = {**{kind: kind for kind in KINDS}, **{plural: kind for kind, plural in PLURALS.items() if kind in KINDS}}
    asked = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in asked if part not in by_name]
    if unknown or not asked:
        raise ConfigError(f"--kinds takes a comma-separated list of {', '.join(KINDS)}; got {text!r}.")
    chosen = {by_name[part] for part in asked}
    return tuple(kind for kind in KINDS if kind in chosen)


def component_name(names: PluginNames, kind: str) -> str:
    return string.Template(EXAMPLES[kind].name).substitute(names.substitutions())


def refuse_taken_names(names: PluginNames, kinds: tuple[str, ...]) -> None:
    """The example components must not clash with a component that is already installed."""
    registry = plugins.registry()
    for kind in kinds:
        wanted = component_name(names, kind)
        if wanted in registry.names(kind):
            owner = registry.get(kind, wanted).plugin
            raise ConfigError(f"{kind} {wanted!r} is already registered by plugin {owner!r}; "
                              f"choose another plugin name.")


def render_files(names: PluginNames, kinds: tuple[str, ...]) -> dict[str, str]:
    """Relative path -> text of every file of the package."""
    files = {"pyproject.toml": render_template("pyproject.toml.tmpl", names),
             f"{names.module}/__init__.py": init_module(names, kinds),
             f"tests/test_{names.module.removeprefix('ganbench_')}.py": test_module(names, kinds),
             "README.md": readme(names, kinds)}
    for kind in kinds:
        files[f"{names.module}/{EXAMPLES[kind].module}.py"] = render_template(f"{EXAMPLES[kind].module}.py.tmpl", names)
    return files


def render_template(file_name: str, names: PluginNames) -> str:
    return string.Template((TEMPLATES / file_name).read_text()).substitute(names.substitutions())


def init_module(names: PluginNames, kinds: tuple[str, ...]) -> str:
    lines = [f'"""{names.package}: a ganbench plugin.', "",
             f"Registered with ganbench through the ``ganbench`` entry point in pyproject.toml; each hook",
             f"below hands ganbench the component classes of one kind.", '"""', "",
             "from ganbench.api import hookimpl"]
    for kind in kinds:
        example = EXAMPLES[kind]
        lines.append(f"from {names.module}.{example.module} import {example.render(names, example.cls)}")
    lines += ["", f"GANBENCH_API_VERSION = {ganbench.API_VERSION}  # the plugin API this package needs; "
              f"an older ganbench refuses it with a sentence", '__version__ = "0.1.0"']
    for kind in kinds:
        example = EXAMPLES[kind]
        lines += ["", "", "@hookimpl", f"def register_{PLURALS[kind]}(register):",
                  f"    register({example.render(names, example.cls)})"]
    return "\n".join(lines) + "\n"


def test_module(names: PluginNames, kinds: tuple[str, ...]) -> str:
    lines = [f'"""{names.package} keeps the ganbench contracts: the checks register each component for',
             'their duration and train it for a few steps on the CPU, so nothing needs installing."""', "",
             "from ganbench.api import testing"]
    for kind in kinds:
        example = EXAMPLES[kind]
        lines.append(f"from {names.module}.{example.module} import {example.render(names, example.cls)}")
    for kind in kinds:
        example = EXAMPLES[kind]
        lines += ["", "", f"def test_the_{kind}_keeps_the_contract():", f"    {example.render(names, example.check)}"]
    return "\n".join(lines) + "\n"


def usage_lines(names: PluginNames, kinds: tuple[str, ...]) -> list[str]:
    """One ``ganbench run`` line per example, on data it serves."""
    get = {kind: component_name(names, kind) for kind in kinds}
    arch = get.get("architecture", "mlp")
    data = get.get("dataset", "ring8")
    lines = []
    if "architecture" in kinds:
        lines.append(f"ganbench run --arch {arch} --dataset {data}")
    if "loss" in kinds:
        lines.append(f"ganbench run --arch {arch} --dataset {data} --loss {get['loss']}")
    if "stabilizer" in kinds:
        lines.append(f"ganbench run --arch {arch} --dataset {data} --stabilizer {get['stabilizer']}")
    if "evaluator" in kinds:
        lines.append(f"ganbench run --arch {arch} --dataset {data} --evaluator {get['evaluator']}")
    if "dataset" in kinds and "architecture" not in kinds:
        lines.append(f"ganbench run --arch {arch} --dataset {data}")
    return lines


def readme(names: PluginNames, kinds: tuple[str, ...]) -> str:
    provided = "\n".join(f"- {kind} **`{component_name(names, kind)}`** "
                         f"(`{names.module}/{EXAMPLES[kind].module}.py`)" for kind in kinds)
    return "\n".join([
        f"# {names.package}", "",
        "A plugin for ganbench, the GAN benchmark suite. It provides:", "", provided, "",
        "## Usage", "", "```", f"ganbench plugins install -e ./{names.package}", *usage_lines(names, kinds),
        f"ganbench sweep --arch {component_name(names, 'architecture') if 'architecture' in kinds else 'mlp'},mlp "
        f"--dataset {component_name(names, 'dataset') if 'dataset' in kinds else 'ring8'} --seeds 3 --steps 300",
        "ganbench compare", "```", "",
        "`ganbench list` shows every component with its options; set them with `--arch-opt KEY=VALUE`,",
        "`--loss-opt`, `--stab-opt NAME.KEY=VALUE`, `--eval-opt NAME.KEY=VALUE` or `--data-opt`.", "",
        "## Tests", "", "```", f"cd {names.package} && python -m pytest", "```", "",
        "The tests call ganbench's contract checks (`ganbench.api.testing`).", ""])


def new_plugin(name: str, kinds: tuple[str, ...] = KINDS, directory: Path | str = ".") -> Path:
    """Write ``directory/ganbench-NAME`` and return it; a bad name or an existing folder writes nothing."""
    names = plugin_names(name)
    parent = Path(directory)
    target = parent / names.package
    if target.exists():
        raise ConfigError(f"folder {str(target)!r} already exists; remove it or choose another --dir.")
    refuse_taken_names(names, kinds)
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{names.package}-", dir=parent))
    try:
        for relative, text in render_files(names, kinds).items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        staging.rename(target)  # all files appear at once, or none
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
