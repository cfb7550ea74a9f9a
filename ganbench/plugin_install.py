"""Install and uninstall plugin packages with pip, in ganbench's own environment (as ``llm install``)."""

from __future__ import annotations

import runpy
import sys

from ganbench import plugins
from ganbench.errors import PluginError


def pip(arguments: list[str]) -> None:
    """Run pip in-process with ``arguments``; a failure is one sentence."""
    saved = sys.argv
    sys.argv = ["pip", *arguments]
    try:
        runpy.run_module("pip", run_name="__main__")
    except SystemExit as exit_:
        if exit_.code not in (0, None):
            raise PluginError(f"pip {' '.join(arguments)} failed with status {exit_.code}.") from None
    finally:
        sys.argv = saved
        plugins.reset()
