"""The hook reference (docs/hooks.md), generated from the hookspec docstrings: one source of truth.

    python -m ganbench.reference.hooks > docs/hooks.md

Each docstring in ``ganbench.plugin_host.hookspecs`` follows one template (as pytest's do): a summary line,
``:param NAME:`` lines (continuation lines indented), then paragraphs on the semantics.
"""

from __future__ import annotations

import dataclasses
import inspect
import re

from ganbench import API_VERSION
from ganbench.plugin_host import hookspecs

PARAM = re.compile(r"^:param (\w+):\s*(.*)$")


@dataclasses.dataclass
class HookDoc:
    name: str
    signature: str
    summary: str
    parameters: list[tuple[str, str]]
    semantics: list[str]  # paragraphs
    options: dict


def markdown(text: str) -> str:
    """Docstring text (reST inline literals, hard-wrapped) as one Markdown line."""
    return " ".join(text.replace("``", "`").split())


def hook_functions() -> list:
    """The hookspecs in the order they are written in ganbench/plugin_host/hookspecs.py."""
    marker = f"{hookspecs.hookspec.project_name}_spec"
    found = [value for value in vars(hookspecs).values() if inspect.isfunction(value) and hasattr(value, marker)]
    return sorted(found, key=lambda function: function.__code__.co_firstlineno)


def parse(function) -> HookDoc:
    lines = inspect.getdoc(function).splitlines()
    parameters: list[tuple[str, str]] = []
    body: list[str] = []
    for line in lines[1:]:
        match = PARAM.match(line)
        if match:
            parameters.append((match.group(1), markdown(match.group(2))))
        elif line.startswith(" ") and parameters and not body:
            name, text = parameters[-1]
            parameters[-1] = (name, f"{text} {markdown(line)}")
        elif line.strip() or body:
            body.append(line)
    paragraphs = [markdown(part) for part in "\n".join(body).split("\n\n") if part.strip()]
    options = getattr(function, f"{hookspecs.hookspec.project_name}_spec")
    return HookDoc(function.__name__, f"{function.__name__}{inspect.signature(function)}", markdown(lines[0]),
                   parameters, paragraphs, dict(options))


def calling_convention(options: dict) -> str:
    collect = ("the first non-None result wins (firstresult)" if options.get("firstresult")
               else "every implementation is called")
    history = ("plugins registered later are called too (historic)" if options.get("historic")
               else "not historic")
    return f"Calling convention: {collect}; {history}."


def render_hook(doc: HookDoc) -> str:
    parts = [f"## `{doc.signature}`", "", doc.summary, ""]
    if doc.parameters:
        parts += ["Parameters:", ""] + [f"- `{name}`: {text}" for name, text in doc.parameters] + [""]
    for paragraph in doc.semantics:
        parts += [paragraph, ""]
    parts += [f"*{calling_convention(doc.options)}*", ""]
    return "\n".join(parts)


def render() -> str:
    """docs/hooks.md as a string."""
    intro = inspect.getdoc(hookspecs).split("\n\n")[0]
    docs = [parse(function) for function in hook_functions()]
    header = [
        "# Hook reference", "",
        "<!-- Generated from ganbench/plugin_host/hookspecs.py by `python -m ganbench.reference.hooks > docs/hooks.md`; "
        "edit the docstrings there, not this file. -->", "",
        " ".join(intro.split()), "",
        "Implement a hook with the `ganbench.api.hookimpl` decorator, as a function of the module your",
        "entry point names (see docs/plugins.md):", "",
        "```python", "from ganbench.api import hookimpl", "", "", "@hookimpl",
        "def register_losses(register):", "    register(MyLoss)", "```", "",
        f"Plugin API version of this ganbench: {API_VERSION}. A plugin module may set",
        "`GANBENCH_API_VERSIONS = (LOWEST, HIGHEST)` (or `GANBENCH_API_VERSION = LOWEST`); a ganbench",
        "whose API version is outside that range refuses to load it and `ganbench plugins` says why.", "",
        "Hooks: " + ", ".join(f"[`{doc.name}`](#{doc.name})" for doc in docs) + ".", ""]
    return "\n".join(header + [render_hook(doc) for doc in docs]).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
