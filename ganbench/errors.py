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


# Every character that str.splitlines() breaks a line at: a name a user typed may hold any of them,
# and the error sentence that quotes it must still be one line.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def as_one_line(message: str) -> str:
    """``message`` with every line break written as its escape (\\n, \\x1e, ...), so it prints as one line."""
    return "".join(repr(char)[1:-1] if char in LINE_BREAKS else char for char in message)


def cannot_write_or_read(error: OSError, path: object = None) -> str:
    """The one sentence for a file the environment would not let ganbench write or read."""
    where = path if path is not None else error.filename
    return f"cannot write or read{f' {where}' if where else ''}: {error.strerror or error}."
