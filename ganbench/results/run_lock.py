"""One trainer per run: an exclusive lock file beside each run directory.

Two sweeps on one results directory (two terminals, two cluster jobs, Ray tasks on nodes that
share the folder) would otherwise train the same run twice, interleave their metrics.jsonl lines
and overwrite each other's checkpoints. Before a run touches its directory it creates
``RESULTS/RUN_ID.lock`` with ``O_CREAT | O_EXCL`` (atomic on local file systems and on NFSv3+),
holding the owner's pid, host and start time. The lock sits beside the directory, not in it, so
that ``--restart`` and the removal of a half-made directory never delete a held lock.

A lock is stale, and is taken over, when its owner is a dead process on this host, or when it is
on another host and its file has not been refreshed for ``STALE_AFTER_SECONDS``: the owner touches
it every ``HEARTBEAT_SECONDS`` while it trains, so a live run on another node never looks stale.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Iterator

from ganbench.errors import GanbenchError

HEARTBEAT_SECONDS = 30.0
STALE_AFTER_SECONDS = 600.0  # another host's lock untouched this long belongs to a dead job


class RunLocked(GanbenchError):
    """The run is being trained by another process; ``owner`` says which."""

    def __init__(self, run_id: str, owner: str) -> None:
        super().__init__(f"run {run_id} is running elsewhere ({owner}); wait for it to finish, or stop that "
                         f"process and run the same command again.")
        self.run_id, self.owner = run_id, owner


def lock_path(run_path: Path) -> Path:
    run_path = Path(run_path)
    return run_path.parent / f"{run_path.name}.lock"


@contextlib.contextmanager
def run_lock(run_path: Path) -> Iterator[None]:
    """Hold the run's lock for the block, refreshing it; RunLocked if a live process holds it."""
    path = lock_path(run_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    token = acquire(path, Path(run_path).name)
    stop = threading.Event()
    heartbeat = threading.Thread(target=_refresh_until, args=(path, stop), daemon=True)
    heartbeat.start()
    try:
        yield
    finally:
        stop.set()
        heartbeat.join()
        release(path, token)


def acquire(path: Path, run_id: str) -> str:
    """Create the lock file, taking over a stale one once; returns the token written into it."""
    token = uuid.uuid4().hex
    for _ in range(2):
        if _create_exclusively(path, token):
            return token
        owner = read_owner(path)
        if owner is not None and not is_stale(path, owner):
            raise RunLocked(run_id, describe_owner(owner))
        _remove_stale(path, owner or {})
    raise RunLocked(run_id, describe_owner(read_owner(path) or {}))


def release(path: Path, token: str) -> None:
    """Remove the lock if it is still ours (a takeover after a long stall must not be undone)."""
    owner = read_owner(path)
    if owner is not None and owner.get("token") == token:
        path.unlink(missing_ok=True)


def _create_exclusively(path: Path, token: str) -> bool:
    try:
        handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(), "token": token}, file)
    return True


def read_owner(path: Path) -> dict | None:
    """The lock's contents; {} for a lock being written or cut short; None when there is no lock."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        owner = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return owner if isinstance(owner, dict) else {}


def is_stale(path: Path, owner: dict) -> bool:
    age = _age_seconds(path)
    if owner.get("host") == socket.gethostname() and isinstance(owner.get("pid"), int):
        return not _process_alive(owner["pid"])
    # Another host (or an unreadable lock, given a moment to be written): only its age can tell.
    return age is not None and age > (STALE_AFTER_SECONDS if owner else 5.0)


def describe_owner(owner: dict) -> str:
    return f"pid {owner.get('pid', '?')} on host {owner.get('host', '?')}"


def _remove_stale(path: Path, stale: dict) -> None:
    # Renaming first makes the takeover single: of two processes that both saw the stale lock, one
    # renames it away and the other finds nothing to rename, then both race fairly for O_EXCL. If
    # what was renamed is not the stale lock but a fresh one just taken, it goes back untouched.
    grave = path.with_name(f".{path.name}.stale-{uuid.uuid4().hex}")
    try:
        os.rename(path, grave)
    except FileNotFoundError:
        return
    if (read_owner(grave) or {}).get("token") != stale.get("token"):
        with contextlib.suppress(FileExistsError):
            os.link(grave, path)
    grave.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _age_seconds(path: Path) -> float | None:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None


def _refresh_until(path: Path, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_SECONDS):
        with contextlib.suppress(OSError):
            os.utime(path)


def wait_until_free(run_path: Path, poll_seconds: float = 1.0) -> None:
    """Block while a live process holds the run's lock (a sweep waiting for another sweep's run)."""
    path = lock_path(run_path)
    while True:
        owner = read_owner(path)
        if owner is None or is_stale(path, owner):
            return
        time.sleep(poll_seconds)
