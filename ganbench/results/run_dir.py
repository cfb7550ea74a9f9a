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
from ganbench.results.result import RunResult


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
        from ganbench.results.atomic import write_json
        write_json(self.result, result.to_json())

    def read_config(self) -> dict[str, Any]:
        if not self.config.exists():
            raise CheckpointError(f"{self.path} is not a ganbench run directory (no config.json).")
        return read_json(self.config)

    def read_metrics(self) -> list[dict[str, Any]]:
        if not self.metrics.exists():
            return []
        rows = []
        for line in self.metrics.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    break  # a line cut by a crash ends the readable log
        return rows

    def truncate_metrics(self, last_step: int) -> None:
        """Keep only log lines up to ``last_step`` (resuming from a checkpoint at that step)."""
        from ganbench.results.atomic import write_text
        rows = [row for row in self.read_metrics() if row.get("step", 0) <= last_step]
        write_text(self.metrics, "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows))


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path} is corrupt or unreadable ({type(error).__name__}).") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path} is corrupt: expected a JSON object.")
    return data
