"""A fingerprint of the files a data set reads, so that a run's identity includes its data.

Two runs with the same settings on different files are different runs: without the data in the id,
a second ``--dataset imagefolder`` run on another folder found the first one finished and showed its
figures. The fingerprint hashes each file's name relative to the data root, its size and the SHA-256 of
its contents, so the same files moved elsewhere keep the fingerprint and a changed file changes it.

Hashing a large data set takes a while, so each file's content hash is cached under
``$GANBENCH_CACHE/data-fingerprints.json`` by its absolute path, size and modification time: a second
run stats its files and reads nothing. Embedded data sets read no file and have no fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable

CACHE_FILE = "data-fingerprints.json"
FINGERPRINT_VERSION = 1  # part of every fingerprint: a change of recipe must not reuse old ids
BLOCK = 1 << 20

_memory: dict[str, str] = {}  # this process's cache: a sweep resolves the same data once per run


def fingerprint_files(root: Path, files: Iterable[Path]) -> str | None:
    """``sha256:<16 hex>`` over each file's name relative to ``root``, size and content hash; None
    when there is no file (the data set then says which files it needs when it loads)."""
    entries = sorted((relative_name(root, path), path) for path in files)
    if not entries:
        return None
    digest = hashlib.sha256(f"ganbench-data-v{FINGERPRINT_VERSION}\n".encode())
    cache = ContentHashCache()
    for name, path in entries:
        size = path.stat().st_size
        digest.update(f"{name}\0{size}\0{cache.content_hash(path)}\n".encode())
    cache.save()
    return "sha256:" + digest.hexdigest()[:16]


def files_under(root: Path) -> list[Path]:
    """Every file under ``root`` at any depth, hidden files and folders aside (a data set that does
    not say which files it reads is fingerprinted by its whole folder)."""
    if root.is_file():
        return [root]
    return [path for path in root.rglob("*")
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts)]


def relative_name(root: Path, path: Path) -> str:
    """The name that survives a move of the whole data root: relative to it, with forward slashes."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


class ContentHashCache:
    """SHA-256 of file contents by (absolute path, size, mtime): a file rewritten in place changes its
    size or mtime, so a stale entry is never used."""

    def __init__(self) -> None:
        self.path = cache_folder() / CACHE_FILE
        self.entries = self._read()
        self.changed = False

    def content_hash(self, path: Path) -> str:
        stat = path.stat()
        key = f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}"
        if key in _memory:
            return _memory[key]
        if key not in self.entries:
            self.entries[key] = hash_contents(path)
            self.changed = True
        _memory[key] = self.entries[key]
        return self.entries[key]

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}  # missing or damaged: the hashes are recomputed, which is only slower
        return {key: value for key, value in data.items() if isinstance(value, str)} if isinstance(data, dict) else {}

    def save(self) -> None:
        """Write the cache atomically; a folder that cannot be written only costs a rehash next time."""
        if not self.changed:
            return
        # Written beside and renamed over, so a reader never sees half a file (ganbench.atomic
        # does the same for run files; this layer sits below it).
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(self.entries, sort_keys=True))
            os.replace(temporary, self.path)
        except OSError:
            temporary.unlink(missing_ok=True)


def hash_contents(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_folder() -> Path:
    """$GANBENCH_CACHE, or ~/.cache/ganbench (the folder of ganbench's other caches)."""
    return Path(os.environ.get("GANBENCH_CACHE") or Path.home() / ".cache" / "ganbench").expanduser()


def dataset_fingerprint(dataset: Any, request: Any) -> str | None:
    """The fingerprint of what ``dataset`` (an instance) reads for ``request``; None for embedded
    data, a data set without a data root, or files that are not there yet."""
    root = request.data_root
    if dataset.embedded or root is None or not Path(root).exists():
        return None
    files = dataset.data_files(request)
    if files is None:  # the data set does not say which files: all of the folder it was given
        files = files_under(Path(root))
    return fingerprint_files(Path(root), files)
