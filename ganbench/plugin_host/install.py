"""Install and uninstall plugin packages with pip, in ganbench's own environment (as ``llm install``)."""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import runpy
import sys

from ganbench.plugin_host import plugins
from ganbench.errors import PluginError


def pip(arguments: list[str]) -> str:
    """Run pip in-process with ``arguments`` and return what it printed; a failure is one sentence
    carrying pip's own last error line, instead of pip's pages of output."""
    saved = sys.argv
    sys.argv = ["pip", *arguments]
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            runpy.run_module("pip", run_name="__main__")
    except SystemExit as exit_:
        if exit_.code not in (0, None):
            reason = last_error_line(printed.getvalue())
            raise PluginError(f"pip {' '.join(arguments)} failed with status {exit_.code}"
                              f"{f' ({reason})' if reason else ''}.") from None
    finally:
        sys.argv = saved
        plugins.reset()
    return printed.getvalue()


def last_error_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    return (errors or lines or [""])[-1][:200].rstrip(".")


def distribution_of(name: str) -> str:
    """The package to uninstall for NAME: a plugin's name as ``ganbench plugins`` shows it, or an
    installed package's own name; anything else is one sentence listing the plugins."""
    state = plugins.state()
    info = state.plugins.get(name)
    if info is not None and info.builtin:
        raise PluginError(f"plugin {name!r} is built into ganbench and cannot be uninstalled.")
    if info is not None and info.package:
        return info.package
    if is_installed(name):
        return name
    installed = sorted(f"{plugin} (package {info.package})" for plugin, info in state.plugins.items()
                       if info.package and not info.builtin)
    raise PluginError(f"no plugin or package named {name!r} is installed; give one of: "
                      f"{', '.join(installed) or 'none installed'}.")


def is_installed(distribution: str) -> bool:
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def uninstall(names: list[str]) -> list[str]:
    """Uninstall the packages of ``names``; the packages removed. Nothing removed is an error."""
    packages = [distribution_of(name) for name in names]
    pip(["uninstall", "-y", *packages])
    left = [package for package in packages if is_installed(package)]
    if left:
        raise PluginError(f"pip did not uninstall {', '.join(left)}; it may be installed outside this "
                          f"environment ({sys.prefix}).")
    return packages
