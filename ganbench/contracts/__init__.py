"""The contracts a plugin subclasses, one module per kind, and the types they build, receive and return.

Plugins import them from ganbench.api, which holds still; these modules are where the code lives.
They build on torch and on the layers below them only (ganbench.errors, ganbench.options, ganbench.data,
and ganbench.config for the RunConfig a logger receives), never on the plugin host, the configuration's
resolution, the engine or the results package, so that all of those can build on them without an
import circle.
"""
