"""Sweeps: expand lists of settings into runs, execute them, and show their progress live.

``expand`` turns command-line lists or a TOML suite into RunConfigs, ``executors`` runs them
(in process or in worker processes), and ``live`` draws the table of their states.
"""
