"""ganbench: a plugin-based benchmark suite for generative adversarial networks."""

import pluggy

__version__ = "0.2.0"
API_VERSION = 1  # the plugin API; a plugin may declare the lowest one it needs

hookimpl = pluggy.HookimplMarker("ganbench")

__all__ = ["hookimpl", "__version__", "API_VERSION", "run", "sweep", "compare"]

# The Python API (docs/python.md), imported on first use so that ``import ganbench`` stays light.
_PYTHON_API = ("run", "sweep", "compare")


def __getattr__(name: str):
    if name == "sweep":  # the subpackage ganbench.sweep, which is callable: ganbench.sweep(...)
        import importlib
        return importlib.import_module("ganbench.sweep")
    if name in _PYTHON_API:
        from ganbench import python_api
        return getattr(python_api, name)
    raise AttributeError(f"module 'ganbench' has no attribute {name!r}")
