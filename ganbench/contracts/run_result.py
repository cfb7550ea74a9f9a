"""What a run ends as: its status, and the typed contents of result.json.

The statuses are defined here once; the engine writes them, sweeps report them, the index stores
them and compare counts them. ``result.json`` is read and written only through :class:`RunResult`,
which carries a ``schema_version`` so that a reader knows which form it holds.

It sits with the contracts because a Logger receives it (``Logger.finish``), and the contracts must
not import the results package above them (it resolves configurations through the plugin host).
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from ganbench.errors import CheckpointError


class RunStatus(str, enum.Enum):
    """Where a run stands. ``FINISHED`` and ``DIVERGED`` are ends: a sweep does not train them again."""

    QUEUED = "queued"  # in a sweep, not started yet
    RUNNING = "running"
    FINISHED = "finished"  # trained its whole budget and was evaluated
    DIVERGED = "diverged"  # a loss became NaN or infinite; the last good checkpoint is kept
    FAILED = "failed"  # refused or broke; the reason is the run's message
    INTERRUPTED = "interrupted"  # stopped (Ctrl-C, a signal); the same command resumes it

    def __str__(self) -> str:
        return self.value

    @property
    def ended(self) -> bool:
        return self in ENDED


ENDED = (RunStatus.FINISHED, RunStatus.DIVERGED)


def status_of(value: Any) -> RunStatus:
    """A status from its name, as stored in result.json and the index."""
    try:
        return RunStatus(str(value))
    except ValueError:
        raise CheckpointError(f"unknown run status {value!r}; expected one of "
                              f"{', '.join(status.value for status in RunStatus)}.") from None


RESULT_SCHEMA_VERSION = 2  # 1: written before the schema had a version; same fields, no "schema_version"


@dataclasses.dataclass
class RunResult:
    """result.json: what a run trained, how it ended, its figures, the protocol and the environment."""

    run_id: str
    group: str  # the configuration without the seed
    status: RunStatus
    arch: str
    loss: str
    dataset: str
    stabilizers: list[str]  # ["none"] for the baseline
    seed: int
    steps: int  # G steps trained
    budget: dict[str, Any] = dataclasses.field(default_factory=dict)  # steps, images, batch_size, n_critic
    images_seen: int | None = None
    # Times in seconds. train_time_s: training, over every session of a resumed run (samples, checkpoints and
    # periodic evaluations aside); eval_time_s: the final evaluation; total_time_s: the session that finished
    # the run, from its start to result.json, evaluation included. wall_time_s, the older name, is that
    # session until training ended, evaluation excluded (kept so results of every version read alike).
    wall_time_s: float | None = None
    train_time_s: float | None = None
    total_time_s: float | None = None
    img_per_s: float | None = None  # None when nothing was trained in this process (resumed at the end)
    final: dict[str, Any] = dataclasses.field(default_factory=dict)  # the last logged row of losses
    metrics: dict[str, float] = dataclasses.field(default_factory=dict)
    directions: dict[str, str | None] = dataclasses.field(default_factory=dict)
    protocol: dict[str, Any] = dataclasses.field(default_factory=dict)
    eval_time_s: float | None = None
    evaluations: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # periodic evaluations
    best: dict[str, Any] = dataclasses.field(default_factory=dict)
    diverged_at: int | None = None
    last_good_checkpoint: str | None = None
    optimizer: dict[str, Any] = dataclasses.field(default_factory=dict)
    environment: dict[str, Any] = dataclasses.field(default_factory=dict)
    reevaluations: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # ganbench eval
    control: str | None = None  # a control's name (ganbench.controls); None for a trained run
    schema_version: int = RESULT_SCHEMA_VERSION

    @property
    def ended(self) -> bool:
        return self.status.ended

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        data["schema_version"] = RESULT_SCHEMA_VERSION  # written now, so in the current form
        for optional in ("reevaluations", "control"):
            if not data[optional]:
                data.pop(optional)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str = "result.json") -> "RunResult":
        """A result of any schema version; a missing required field is a CheckpointError naming ``where``."""
        fields = {field.name: field for field in dataclasses.fields(cls)}
        required = [name for name, field in fields.items()
                    if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING]
        missing = [name for name in required if name not in data]
        if missing:
            raise CheckpointError(f"{where} is corrupt: it has no {missing[0]!r}.")
        values = {name: value for name, value in data.items() if name in fields}
        values["status"] = status_of(values["status"])
        values["schema_version"] = int(data.get("schema_version", 1))
        return cls(**values)

    def replace(self, **changes: Any) -> "RunResult":
        return dataclasses.replace(self, **changes)
