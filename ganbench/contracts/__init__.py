"""The contracts a plugin subclasses, one module per kind, and the types they build, receive and return.

Plugins import them from ganbench.api, which holds still; these modules are where the code lives.
They depend only on torch, ganbench.errors and ganbench.data (the data set's spec and sources), never
on the engine, the plugin host or the configuration's resolution, so that everything else can build on
them without an import circle.
"""
