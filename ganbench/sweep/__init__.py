"""Sweeps: expand lists of settings into runs, execute them, and show their progress live.

``expand`` turns command-line lists or a TOML suite into RunConfigs, ``executors`` runs them
(in process or in worker processes), ``flow`` is a sweep from plan to results, and ``live`` draws
the table of their states.

``ganbench.sweep(...)`` is also the Python API's sweep (ganbench.python_api.sweep): once this
package is imported, ``ganbench.sweep`` names it, so the package itself is callable.
"""

import sys
import types


class _CallableSweepPackage(types.ModuleType):
    def __call__(self, *args, **kwargs):
        from ganbench.python_api import sweep
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableSweepPackage
