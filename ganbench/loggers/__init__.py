"""The built-in loggers, one module each; each imports its tracker's package only when a run uses it."""
