"""Turn a RunConfig into everything a run needs, validating it all before any file is written."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
from torch import nn

from ganbench.plugin_host import plugins
from ganbench.contracts.architecture import Architecture, BuildRequest, Discriminator, Generator, Neck
from ganbench.config import Choice, RunConfig
from ganbench.resolve import ensure_resolved
from ganbench.contracts.dataset import DataRequest, Dataset
from ganbench.data.source import DataSource
from ganbench.data.spec import DataSpec
from ganbench.engine.device import resolve_device
from ganbench.engine.distributed import SINGLE, Ranks, initialise
from ganbench.engine.latent import LatentSampler
from ganbench.errors import CheckpointError, ConfigError, DataError, Incompatible
from ganbench.contracts.evaluator import Evaluator
from ganbench.contracts.logger import Logger
from ganbench.contracts.loss import Loss, OptimizerSettings, Penalty
from ganbench.plugin_host.registry import Registry
from ganbench.contracts.stabilizer import Stabilizer

DEFAULT_SETTINGS = OptimizerSettings()  # DCGAN: Adam lr 2e-4, betas (0.5, 0.999)


@dataclasses.dataclass
class Setup:
    """A validated, built run: components, models, optimizers and data, ready to train."""

    config: RunConfig
    device: torch.device
    spec: DataSpec
    source: DataSource
    architecture: Architecture
    loss: Loss
    stabilizers: list[Stabilizer]
    evaluators: list[Evaluator]
    generator: Generator
    discriminator: Discriminator
    settings: OptimizerSettings
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    latent: LatentSampler
    conditional: bool
    penalties: list[Penalty]
    ranks: Ranks = SINGLE
    source_group: str | None = None  # the group of the run whose weights started this one (init_from)
    loggers: list[Logger] = dataclasses.field(default_factory=list)  # checked, not started: rank 0 starts them
    d_pack: int = 1  # samples D judges jointly per output (PacGAN's m)

    def sampling_generator(self) -> Generator:
        """The generator to sample and evaluate with: EMA weights when a stabilizer keeps them."""
        for stabilizer in self.stabilizers:
            alternative = stabilizer.sampling_generator(self.generator)
            if alternative is not None:
                return alternative
        return self.generator


def prepare(config: RunConfig, registry: Registry | None = None, ranks: Ranks = SINGLE) -> Setup:
    """Validate ``config`` and build everything; raises a GanbenchError, writes no file. A config
    that is not resolved yet is resolved here (checked, options typed, stabilizers in order)."""
    registry = registry or plugins.registry()
    config = ensure_resolved(config, registry)
    architecture = registry.create("architecture", config.arch.name, config.arch.options)
    loss = registry.create("loss", config.loss.name, config.loss.options)
    stabilizers = create_stabilizers(registry, config.stabilizers)
    dataset = registry.create("dataset", config.dataset.name, config.dataset.options)
    loggers = create_loggers(registry, config.loggers)  # a missing tracker package stops the run here
    device = device_for_rank(resolve_device(config.device), ranks)
    if config.precision == "fp16" and device.type == "cpu":  # --device auto may land on the CPU
        raise ConfigError("precision fp16 needs a GPU, and this run is on the CPU; use bf16 on the CPU.")
    if config.sync_bn and device.type != "cuda":
        raise Incompatible("sync_bn needs GPUs (SyncBatchNorm runs on CUDA only); on the CPU each process keeps "
                           "its own batch-norm statistics.")
    initialise(ranks, device)
    source = load_data(dataset, config, device)
    refuse_streams_shorter_than_a_batch(source, config.batch_size)
    spec = source.spec
    architecture.check(spec)
    for stabilizer in stabilizers:
        stabilizer.check(loss, architecture, spec, stabilizers)
    architecture.check_stabilizers(stabilizers)
    evaluators = choose_evaluators(registry, config.evaluators, spec)
    conditional = architecture.uses_labels(spec)
    pack = d_pack_of(stabilizers, config.batch_size // ranks.world_size, conditional)
    generator, discriminator = build_models(config, architecture, loss, stabilizers, spec, conditional, device)
    if config.sync_bn and ranks.distributed:
        generator = nn.SyncBatchNorm.convert_sync_batchnorm(generator)
        discriminator = nn.SyncBatchNorm.convert_sync_batchnorm(discriminator)
    if ranks.distributed:  # same initial weights on every rank, then each rank its own noise stream
        torch.manual_seed(config.seed + 7919 * ranks.rank)
    settings = optimizer_settings(config, loss, stabilizers)
    opt_g, opt_d = make_optimizers(generator, discriminator, settings, device)
    latent = LatentSampler(config.latent_dim, config.latent_dist, device, seed=config.seed + 1,
                           class_frequencies=source.class_frequencies() if conditional else None)
    penalties = [*loss.penalties(), *architecture.penalties(spec),
                 *[p for stabilizer in stabilizers for p in stabilizer.penalties()]]
    setup = Setup(config, device, spec, source, architecture, loss, stabilizers, evaluators, generator,
                  discriminator, settings, opt_g, opt_d, latent, conditional, penalties, ranks, loggers=loggers,
                  d_pack=pack)
    if config.init_from:
        load_initial_weights(setup, Path(config.init_from))
    return setup


def device_for_rank(device: torch.device, ranks: Ranks) -> torch.device:
    """One GPU per rank; CPU ranks share the CPU."""
    if device.type == "cuda" and ranks.distributed:
        count = torch.cuda.device_count()
        if ranks.world_size > count:
            raise ConfigError(f"{ranks.world_size} processes need {ranks.world_size} GPUs; this machine has {count}.")
        return torch.device("cuda", ranks.rank)
    return device


def create_stabilizers(registry: Registry, choices: list[Choice]) -> list[Stabilizer]:
    """The stabilizers of a resolved config, which lists them checked and in the order they act
    (config.resolve_stabilizers)."""
    return [registry.create("stabilizer", choice.name, choice.options) for choice in choices]


def d_pack_of(stabilizers: list[Stabilizer], local_batch: int, conditional: bool) -> int:
    """How many samples D judges jointly (PacGAN's m), refusing a batch that packs do not divide."""
    pack = 1
    for stabilizer in stabilizers:
        pack *= stabilizer.d_pack()
    if pack > 1 and local_batch % pack:
        raise Incompatible(f"the discriminator judges packs of {pack} samples, so the batch per process "
                           f"({local_batch}) must be a multiple of {pack}; change --batch-size.")
    if pack > 1 and conditional:
        raise Incompatible(f"the discriminator judges packs of {pack} samples but a conditional model gives it one "
                           f"label per sample; packing works with unconditional models only.")
    return pack


def create_loggers(registry: Registry, choices: list[Choice]) -> list[Logger]:
    """The run's loggers, each checked (its package present) before anything trains."""
    loggers = [registry.create("logger", choice.name, choice.options) for choice in choices]
    for logger in loggers:
        logger.check()
    return loggers


def load_data(dataset: Dataset, config: RunConfig, device: torch.device) -> DataSource:
    # An embedded data set reads no file: a suite's data root for its MNIST runs must not stop its digits runs.
    root = Path(config.data_root).expanduser() if config.data_root and not dataset.embedded else None
    if root is not None and not root.exists() and not config.download:
        raise DataError(f"data root {str(root)!r} does not exist.")
    request = DataRequest(resolution=config.resolution, data_root=root, device=device, seed=config.seed,
                          download=config.download)
    return dataset.load(request)


def refuse_streams_shorter_than_a_batch(source: DataSource, batch_size: int) -> None:
    """A streamed data set drops its last partial batch, so one smaller than a batch yields none."""
    from ganbench.data.source import StreamingSource
    if isinstance(source, StreamingSource) and len(source.dataset) < batch_size:
        raise DataError(f"dataset {source.spec.name!r} has {len(source.dataset)} samples, fewer than one batch of "
                        f"{batch_size}; lower --batch-size.")


def choose_evaluators(registry: Registry, choices: list[Choice] | None, spec: DataSpec) -> list[Evaluator]:
    if choices is not None:
        chosen = [registry.create("evaluator", choice.name, choice.options) for choice in choices]
    else:
        evaluators = [entry.cls() for entry in registry.entries("evaluator")]
        chosen = [evaluator for evaluator in evaluators if evaluator.applies_to(spec, spec.name)]
    for evaluator in chosen:  # a missing weights file is found now, not after hours of training
        evaluator.check(spec, spec.name)
    return chosen


def build_models(config: RunConfig, architecture: Architecture, loss: Loss, stabilizers: list[Stabilizer],
                 spec: DataSpec, conditional: bool, device: torch.device) -> tuple[Generator, Discriminator]:
    torch.manual_seed(config.seed)  # initial weights depend on the seed alone
    neck = Neck(*[layer for stabilizer in stabilizers for layer in stabilizer.neck_layers()])
    request = BuildRequest(spec=spec, latent_dim=config.latent_dim, neck=neck,
                           batch_norm_in_d=not loss.needs_per_sample_critic, conditional=conditional)
    generator, discriminator = architecture.build(request)
    d_spec = spec
    for stabilizer in stabilizers:
        d_spec = stabilizer.d_spec(d_spec)
    if d_spec != spec:
        # D sees something other than one sample (PacGAN's packs): build it for that, and keep G.
        # Built second, so G's initial weights are those of the same run without it.
        _, discriminator = architecture.build(dataclasses.replace(request, spec=d_spec))
    for stabilizer in stabilizers:
        stabilizer.parametrize(generator, discriminator)
    generator, discriminator = generator.to(device), discriminator.to(device)
    if config.channels_last and spec.kind == "image":
        generator = generator.to(memory_format=torch.channels_last)
        discriminator = discriminator.to(memory_format=torch.channels_last)
    return generator, discriminator


def optimizer_settings(config: RunConfig, loss: Loss, stabilizers: list[Stabilizer]) -> OptimizerSettings:
    """The loss's recommendation, then stabilizers (TTUR), then what the user set explicitly."""
    settings = loss.recommended or DEFAULT_SETTINGS
    for stabilizer in stabilizers:
        settings = stabilizer.optimizer_settings(settings)
    explicit = {"lr_g": config.lr_g, "lr_d": config.lr_d, "n_critic": config.n_critic}
    settings = settings.replace(**{key: value for key, value in explicit.items() if value is not None})
    beta1 = config.beta1 if config.beta1 is not None else settings.betas[0]
    beta2 = config.beta2 if config.beta2 is not None else settings.betas[1]
    return settings.replace(betas=(beta1, beta2))


def make_optimizers(generator: nn.Module, discriminator: nn.Module, settings: OptimizerSettings,
                    device: torch.device) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
    # foreach kernels update all parameters of a net in a few launches instead of one per tensor.
    opt_g = torch.optim.Adam(generator.parameters(), lr=settings.lr_g, betas=settings.betas, foreach=True)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=settings.lr_d, betas=settings.betas, foreach=True)
    return opt_g, opt_d


def load_initial_weights(setup: Setup, source: Path) -> None:
    """Start from another run's generator and discriminator (the transfer-learning study)."""
    from ganbench.engine.checkpoint import checkpoint_path_of, load_checkpoint
    state = load_checkpoint(checkpoint_path_of(source))
    for key, module in (("generator", setup.generator), ("discriminator", setup.discriminator)):
        try:
            module.load_state_dict(state[key])
        except (RuntimeError, KeyError) as error:
            first = str(error).strip().splitlines()[-1].strip() if str(error).strip() else key
            raise CheckpointError(
                f"cannot start from {str(source)!r}: its {key} does not match this configuration ({first}).") from None
    setup.source_group = group_of_run(source)


def group_of_run(source: Path) -> str | None:
    """The group recorded in a run directory's config.json (``source`` may be one of its checkpoints)."""
    from ganbench.results.run_dir import RunDir
    folder = source if source.is_dir() else source.parent.parent
    try:
        group = RunDir(folder).read_config().get("group")
    except (CheckpointError, OSError, ValueError):
        return None
    return str(group) if group else None
