"""The layout of one run directory and reading it back.

```
RUN/
  config.json      the full RunConfig
  metrics.jsonl    one line per log interval: step, images, loss and accuracy means
  samples/         sample grids from fixed latent vectors, step-NNNNNN.png
  checkpoints/     last.pt: models, optimizers, stabilizer state, RNG states, step
  result.json      written last, atomically: status, final figures, protocol, environment
```
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ganbench.errors import CheckpointError
from ganbench.contracts.run_result import RunResult


class RunDir:
    """Paths of one run directory."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    config = property(lambda self: self.path / "config.json")
    metrics = property(lambda self: self.path / "metrics.jsonl")
    evaluations = property(lambda self: self.path / "evaluations.jsonl")
    result = property(lambda self: self.path / "result.json")
    samples = property(lambda self: self.path / "samples")
    checkpoints = property(lambda self: self.path / "checkpoints")
    checkpoint = property(lambda self: self.path / "checkpoints" / "last.pt")

    def sample_path(self, step: int) -> Path:
        return self.samples / f"step-{step:06d}.png"

    def latest_sample(self) -> Path | None:
        grids = sorted(self.samples.glob("step-*.png"))
        return grids[-1] if grids else None

    def read_result(self) -> RunResult | None:
        """result.json, None if absent; a corrupt one is a CheckpointError naming the file."""
        if not self.result.exists():
            return None
        return RunResult.from_json(read_json(self.result), str(self.result))

    def write_result(self, result: RunResult) -> None:
        """result.json, atomically: a reader sees the old file or the new one, never half of one."""
        from ganbench.atomic import write_json
        write_json(self.result, result.to_json())

    def read_config(self) -> dict[str, Any]:
        if not self.config.exists():
            raise CheckpointError(f"{self.path} is not a ganbench run directory (no config.json).")
        return read_json(self.config)

    def read_metrics(self) -> list[dict[str, Any]]:
        return read_log(self.metrics)

    def read_evaluations(self) -> list[dict[str, Any]]:
        return read_log(self.evaluations)

    def truncate_metrics(self, last_step: int) -> list[dict[str, Any]]:
        """Keep only log lines up to ``last_step`` (resuming from a checkpoint at that step)."""
        return truncate_log(self.metrics, last_step)

    def truncate_evaluations(self, last_step: int) -> list[dict[str, Any]]:
        """Keep only the evaluations up to ``last_step``: later ones are evaluated again after the resume."""
        return truncate_log(self.evaluations, last_step)


def read_log(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines log (metrics.jsonl, evaluations.jsonl).

    A crash can cut the last line short: that line is dropped, since the rows before it are whole
    and its row is written again after the resume (by training, or from the checkpoint when the
    row came before it: ganbench.engine.run.relog_a_row_the_crash_cut). A bad line anywhere else is not a crash
    artefact but damage, and reading on would silently lose every row after it: it is refused,
    naming the file and the line."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    last = max((number for number, line in enumerate(lines) if line.strip()), default=-1)
    rows = []
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        row = _log_row(line)
        if row is not None:
            rows.append(row)
        elif number != last:
            raise CheckpointError(f"{path} line {number + 1} is not a log row (corrupt); delete that line, "
                                  f"or train the run afresh with --restart.")
    return rows


def _log_row(line: str) -> dict[str, Any] | None:
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        return None
    return row if isinstance(row, dict) and isinstance(row.get("step"), int) else None


def truncate_log(path: Path, last_step: int) -> list[dict[str, Any]]:
    """Rewrite a log with its rows up to ``last_step``, atomically; returns them."""
    from ganbench.atomic import write_text
    rows = [row for row in read_log(path) if row["step"] <= last_step]
    if path.exists():
        write_text(path, "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows))
    return rows


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path} is corrupt or unreadable ({type(error).__name__}).") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path} is corrupt: expected a JSON object.")
    return data
