"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Each write goes to a temporary file in the same folder, is flushed to disk, and replaces the
target with ``os.replace`` (atomic on POSIX and Windows).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

from ganbench.errors import StorageError, cannot_write_or_read


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``target``, on failure it is removed.

    A write the file system refuses (a full disk, a read-only folder) is a StorageError naming
    ``target``, not the temporary file, which no user has heard of; ``target`` is left as it was."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise StorageError(cannot_write_or_read(error, target)) from None
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        _fsync(temporary_path)
        os.replace(temporary_path, target)
    except OSError as error:
        temporary_path.unlink(missing_ok=True)
        raise StorageError(cannot_write_or_read(error, target)) from None
    except BaseException:
        temporary_path.unlink(missing_ok=True)
        raise


def write_text(target: Path, text: str) -> None:
    with atomic_path(target) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_json(target: Path, data: Any) -> None:
    write_text(target, json.dumps(data, indent=2, sort_keys=True, default=_json_default) + "\n")


def write_with(target: Path, writer: Callable[[Path], None]) -> None:
    """Atomically write ``target`` with a function that writes to a given path (torch.save, PNG)."""
    with atomic_path(target) as temporary:
        writer(temporary)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
