"""Typed run configuration: defaults, validation, and the run id derived from it.

A run is fully described by a :class:`RunConfig`. Its id hashes every field that changes
what is trained (not where results go or how often logs are written), so the same config and
seed always map to the same run directory: a sweep that runs again skips what finished.

This module knows the configuration's shape only, not the components it names: it sits below
the contracts (a logger receives a RunConfig) and the plugin host. Turning user input into a
resolved configuration, with every component's options typed by the registry, is
ganbench.resolve's one step, :func:`ganbench.resolve.resolve_config`. The flags themselves are
read by ganbench.commands.run_flags, the one grammar of ``run`` and ``sweep``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Literal

from ganbench.errors import ConfigError
from ganbench.options import coerce


LARGEST_COUNT = 10**12  # steps, batch sizes, intervals: anything above is a typo, and overflows int64 counters


@dataclasses.dataclass
class Choice:
    """A component by name with its raw options (validated when the component is built)."""

    name: str
    options: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "options": dict(sorted(self.options.items()))}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | str) -> "Choice":
        if isinstance(data, str):
            return cls(data)
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise ConfigError(f"a component must be a name or a table with a name, got {data!r}.")
        options = data.get("options") or {}
        if not isinstance(options, dict):
            raise ConfigError(f"the options of {data['name']!r} must be a table, got {options!r}.")
        return cls(data["name"], dict(options))


@dataclasses.dataclass
class RunConfig:
    """Everything that defines one training run."""

    arch: Choice = dataclasses.field(default_factory=lambda: Choice("dcgan"))
    loss: Choice = dataclasses.field(default_factory=lambda: Choice("bce"))
    stabilizers: list[Choice] = dataclasses.field(default_factory=list)
    dataset: Choice = dataclasses.field(default_factory=lambda: Choice("digits"))
    evaluators: list[Choice] | None = None  # None: every evaluator that applies to the data
    loggers: list[Choice] = dataclasses.field(default_factory=list)  # trackers fed as it trains (not in the id)
    data_root: str | None = None  # folder with the files of a file-based data set
    data_fingerprint: str | None = None  # hash of the files read (ganbench.data.fingerprint); None: embedded data
    download: bool = False  # let torchvision fetch a data set that can be downloaded
    resolution: int = 32  # image side in pixels
    batch_size: int = 64
    steps: int = 1000  # G optimizer steps: the budget, equal for every variant; the default fits 3 CPU minutes
    seed: int = 0
    latent_dim: int = 100
    latent_dist: Literal["normal", "uniform"] = "normal"
    lr_g: float | None = None  # None: the loss's recommendation, else 2e-4 (DCGAN)
    lr_d: float | None = None
    beta1: float | None = None  # None: the loss's recommendation, else 0.5 (DCGAN)
    beta2: float | None = None
    n_critic: int | None = None  # D steps per G step; None: the loss's recommendation, else 1
    step_mode: Literal["joint", "separate"] = "joint"  # joint: G reuses D's fake batch
    device: str = "auto"  # auto picks cuda, then mps, then cpu
    precision: Literal["fp32", "bf16", "fp16"] = "fp32"
    compile: bool = False  # torch.compile the G and D forward passes
    nproc: int = 1  # data-parallel processes (GPUs, or CPU processes with gloo)
    sync_bn: bool = False  # synchronise batch-norm statistics across processes (GPUs only)
    channels_last: bool = True  # NHWC convolutions: 18% more img/s for dcgan at 32 px on the CPU, same maths
    log_every: int = 50  # steps between metrics.jsonl lines (the only host syncs)
    sample_every: int = 500  # steps between sample grids
    checkpoint_every: int = 500  # steps between checkpoints
    eval_every: int = 0  # steps between evaluations during training; 0: only at the end
    eval_samples: int = 2000  # generated samples per evaluation
    init_from: str | None = None  # a run directory whose weights start this run
    results_dir: str = "runs"
    control: str | None = None  # a reference generator evaluated untrained (ganbench controls); None: a GAN

    # What a control run is: its data, its resolution and its sampling seed (the evaluation settings
    # stay out of its id, as they do for a trained run).
    CONTROL_IDENTITY = ("control", "dataset", "resolution", "seed", "data_fingerprint")

    # 3: data_fingerprint (the files a run read are part of its id); 2: options resolved (typed, defaults
    # filled in); 1: options as the user typed them
    SCHEMA_VERSION = 3

    # Fields that do not change what is trained, and so stay out of the run id.
    NOT_IN_ID = ("results_dir", "log_every", "sample_every", "checkpoint_every", "eval_every",
                 "eval_samples", "evaluators", "device", "download", "data_root", "loggers")

    def validate(self) -> "RunConfig":
        """Check numbers and enumerations; raise ConfigError with one sentence."""
        for name in ("resolution", "batch_size", "steps", "latent_dim", "log_every", "sample_every",
                     "checkpoint_every", "eval_samples", "nproc"):
            self._require_positive(name)
        if self.batch_size % self.nproc:
            raise ConfigError(f"batch_size {self.batch_size} must be divisible by nproc {self.nproc}: "
                              f"each process trains on an equal share of every batch.")
        if self.resolution > 1024:
            raise ConfigError(f"resolution must be at most 1024 px, got {self.resolution}.")
        if self.eval_every < 0:
            raise ConfigError(f"eval_every must be 0 or positive, got {self.eval_every}.")
        for name in ("lr_g", "lr_d", "n_critic"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ConfigError(f"{name} must be positive, got {value}.")
        for name in ("beta1", "beta2"):
            value = getattr(self, name)
            if value is not None and not 0 <= value < 1:
                raise ConfigError(f"{name} must be in [0, 1), got {value}.")
        if self.seed < 0:
            raise ConfigError(f"seed must be 0 or positive, got {self.seed}.")
        for field in ("latent_dist", "step_mode", "precision"):
            coerce(getattr(self, field), _field_type(field), field)
        if self.precision == "fp16" and self.device == "cpu":
            raise ConfigError("precision fp16 needs a GPU; use bf16 on the CPU.")
        return self

    def _require_positive(self, name: str) -> None:
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{name} must be a positive integer, got {value}.")
        if value > LARGEST_COUNT:  # a typo (an extra digit or ten), not a budget any machine will reach
            raise ConfigError(f"{name} must be at most {LARGEST_COUNT:,}, got {value:,}.")

    def to_dict(self) -> dict[str, Any]:
        data = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, Choice):
                value = value.to_dict()
            elif isinstance(value, list):
                value = [item.to_dict() for item in value]
            data[field.name] = value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunConfig":
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown run setting {unknown[0]!r}; valid settings: {', '.join(sorted(known))}.")
        values = dict(data)
        for name in ("arch", "loss", "dataset"):
            if name in values:
                values[name] = Choice.from_dict(values[name])
        for name in ("stabilizers", "evaluators", "loggers"):
            if values.get(name) is not None:
                if not isinstance(values[name], (list, tuple)):
                    raise ConfigError(f"{name} must be a list, got {values[name]!r}.")
                values[name] = [Choice.from_dict(item) for item in values[name]]
        hints = {field.name: _field_type(field.name) for field in dataclasses.fields(cls)}
        for name, value in list(values.items()):
            if name not in ("arch", "loss", "dataset", "stabilizers", "evaluators", "loggers"):
                values[name] = coerce(value, hints[name], name)
        return cls(**values)

    def identity(self) -> dict[str, Any]:
        """The fields that define what is trained (for a control: what is sampled)."""
        data = self.to_dict()
        if self.data_fingerprint is None:  # embedded data: absent, so these runs keep the ids they had
            data.pop("data_fingerprint")
        if self.control is not None:
            return {name: data[name] for name in self.CONTROL_IDENTITY if name in data}
        data.pop("control")  # absent rather than None, so trained runs keep the ids they had
        for name in self.NOT_IN_ID:
            data.pop(name, None)
        return data

    def config_hash(self, include_seed: bool = True, source_group: str | None = None) -> str:
        """A hash of what is trained. Without the seed it names the configuration (the group of its
        seeds); ``source_group`` then stands for ``init_from``: the group of the run it starts from, so
        that seed s started from a source's seed s groups with the other seeds."""
        identity = self.identity()
        if not include_seed:
            identity.pop("seed")
            if source_group is not None and identity.get("init_from"):
                identity["init_from"] = f"group:{source_group}"
        text = json.dumps(identity, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:10]

    def to_json(self) -> dict[str, Any]:
        """What config.json holds: the run id, its group and schema version, and every setting."""
        return {"schema_version": self.SCHEMA_VERSION, "run_id": self.run_id, **self.to_dict()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RunConfig":
        """The settings of a config.json (of any schema version: the bookkeeping keys are dropped);
        resolve it to get the configuration the current code means by it."""
        settings = {key: value for key, value in data.items() if key not in BOOKKEEPING_KEYS}
        return cls.from_dict(settings)

    @property
    def run_id(self) -> str:
        """A readable, stable name: components, seed and a hash of everything else. It names a folder,
        so a qualified component name (``holdout:lecam``, a colon no file system takes everywhere) is
        spelt ``holdout.lecam`` in it; bare names, and so existing run ids, are untouched."""
        return f"{self.label.replace(':', '.')}-s{self.seed}-{self.config_hash()}"

    @property
    def label(self) -> str:
        """The components by name (``dcgan-bce-digits-none``): the readable start of the run id."""
        if self.control is not None:
            return f"control-{self.control}-{self.dataset.name}"
        stabilizers = "+".join(choice.name for choice in self.stabilizers) or "none"
        return f"{self.arch.name}-{self.loss.name}-{self.dataset.name}-{stabilizers}"

    def control_key(self) -> str:
        """What the controls beside this run depend on: its data and resolution."""
        return json.dumps([self.dataset.to_dict(), self.resolution, self.data_root], sort_keys=True, default=str)

    def components(self) -> dict[str, Choice]:
        """field or stabilizer name -> choice: ``arch``, ``loss``, ``dataset`` and each stabilizer."""
        named = {field: getattr(self, field) for field in COMPONENT_FIELDS}
        return {**named, **{choice.name: choice for choice in self.stabilizers}}

    def flat_settings(self) -> dict[str, Any]:
        """Every setting that changes training, flat: ``lr_d``, ``arch.base_channels``,
        ``label-smoothing.real`` (the keys of ``compare --where``)."""
        flat = {key: value for key, value in self.identity().items()
                if key not in ("arch", "loss", "dataset", "stabilizers", "data_fingerprint")}
        for prefix, choice in self.components().items():
            flat.update({f"{prefix}.{key}": value for key, value in choice.options.items()})
        return flat


def _field_type(name: str) -> Any:
    import typing
    return typing.get_type_hints(RunConfig)[name]


BOOKKEEPING_KEYS = ("schema_version", "run_id", "group")  # in config.json beside the settings
COMPONENT_FIELDS = {"arch": "architecture", "loss": "loss", "dataset": "dataset"}
