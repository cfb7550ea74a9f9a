"""The GPU script (``python -m benchmarks.gpu``, ``make gpu``): the speed benchmark and the reproductions at
their gpu budgets, within a time budget, writing the figures the results pages render (docs/gpu.md)."""
