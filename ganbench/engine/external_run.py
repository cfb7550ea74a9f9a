"""Evaluate samples made anywhere with the protocol of a run on the same data set (``ganbench eval --samples``).

The samples stand in for a generator (``SampleReplay``) and go through the road of the controls and the
ladders: the same set-up, the same evaluators and evaluation code, a run directory (config.json,
result.json) and an index row, so that compare shows them beside trained runs as ``external:NAME``.
Their run id comes from the data, the resolution and the samples' SHA-256.
"""

from __future__ import annotations

from pathlib import Path

from ganbench.plugin_host import plugins
from ganbench.config import Choice, RunConfig
from ganbench.resolve import resolve_config
from ganbench.engine.control_run import ControlSetup, evaluate_into_run_dir
from ganbench.engine.device import resolve_device
from ganbench.engine.run import RunReport
from ganbench.engine.setup import choose_evaluators, load_data
from ganbench.external_samples import SampleReplay, file_digest, load_samples

EXTERNAL = "external"  # the arch name of samples made elsewhere: no architecture of ours made them


def external_config(base: RunConfig, samples: Path, name: str, digest: str) -> RunConfig:
    """``base`` (data, resolution, evaluation settings) with the samples as its "architecture": their
    name and digest, so that other samples get another id and the same samples (wherever they lie) the
    same one."""
    return RunConfig.from_dict({**base.to_dict(), "arch": {"name": EXTERNAL, "options": {"name": name, "sha256": digest[:16]}},
                                "loss": {"name": "-"}, "stabilizers": []})


def evaluate_samples(samples: Path | str, base: RunConfig, name: str | None = None, registry=None) -> RunReport:
    """Evaluate the samples at ``samples`` like a run on ``base``'s data into ``base.results_dir``."""
    registry = registry or plugins.registry()
    base = resolve_config(base, registry)
    samples = Path(samples)
    dataset = registry.create("dataset", base.dataset.name, base.dataset.options)
    device = resolve_device(base.device)
    source = load_data(dataset, base, device)
    loaded = load_samples(samples, source.spec)
    config = external_config(base, samples, name or samples.stem, file_digest(samples))
    replay = SampleReplay(loaded.to(device), str(samples))
    evaluators = choose_evaluators(registry, config.evaluators, source.spec)
    setup = ControlSetup(config, device, source.spec, source, evaluators, replay)
    return evaluate_into_run_dir(config, setup, f"{EXTERNAL}:{config.arch.options['name']}", None)
