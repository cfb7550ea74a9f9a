"""Errors a user can cause. Each one ends a command with one sentence and exit status 2."""


class GanbenchError(Exception):
    """A mistake in what the user asked for: the message is the whole answer."""

    exit_code = 2


class ConfigError(GanbenchError):
    """A bad number, a bad option value or a missing setting."""


class UnknownComponent(GanbenchError):
    """A name that no plugin registered."""


class Incompatible(GanbenchError):
    """A combination of components that cannot work, with the reason."""


class DataError(GanbenchError):
    """Data that is missing, empty or unreadable."""


class CheckpointError(GanbenchError):
    """A checkpoint or run directory that cannot be used."""


class PluginError(GanbenchError):
    """A plugin that broke the contract, or two plugins that clash."""


class RunInterrupted(GanbenchError):
    """The user stopped a run (Ctrl-C, SIGTERM); its checkpoint was saved first."""

    exit_code = 130


class EvaluationError(GanbenchError):
    """An evaluator that cannot run: missing weights, a backbone that does not exist, too few samples."""


class StorageError(GanbenchError):
    """A file that cannot be written or read: a full disk, a read-only or missing folder."""


def cannot_write_or_read(error: OSError, path: object = None) -> str:
    """The one sentence for a file the environment would not let ganbench write or read."""
    where = path if path is not None else error.filename
    return f"cannot write or read{f' {where}' if where else ''}: {error.strerror or error}."
