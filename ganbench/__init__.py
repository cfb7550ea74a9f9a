"""ganbench: a plugin-based benchmark suite for generative adversarial networks."""

import pluggy

__version__ = "0.2.0"
API_VERSION = 1  # the plugin API; a plugin may declare the lowest one it needs

hookimpl = pluggy.HookimplMarker("ganbench")

__all__ = ["hookimpl", "__version__", "API_VERSION"]
