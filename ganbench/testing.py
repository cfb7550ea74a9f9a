"""Contract checks for plugin authors: call them in your plugin's own tests.

Each check is a plain function that returns nothing when the component keeps the ganbench
contract and raises ``AssertionError`` with a sentence saying what broke otherwise::

    from ganbench import testing
    from ganbench_mine import MyArchitecture

    def test_my_architecture_keeps_the_contract():
        testing.check_architecture(MyArchitecture, losses=("bce", "hinge"), width=8)

The checks register the component for their own duration (through a throwaway plugin object,
unregistered afterwards), so a plugin's tests need no installed entry point. Training runs use
ganbench's own engine (``ganbench.engine.run``) on the CPU, in a temporary folder, with tiny
in-memory data (``contract-data``) and, where the architecture is not what is being checked, a
tiny built-in network (``contract-net``), so no check depends on another plugin being installed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import math
import tempfile
from pathlib import Path
from typing import Any, Iterator, Sequence

import torch
from torch import nn

from ganbench import hookimpl
from ganbench.plugin_host import plugins
from ganbench.contracts.architecture import Architecture, BuildRequest, Discriminator, DOutput, Generator, Neck
from ganbench.config import Choice, RunConfig
from ganbench.contracts.dataset import DataRequest, Dataset
from ganbench.data.source import DataSource, TensorSource
from ganbench.data.spec import DataSpec
from ganbench.errors import GanbenchError, Incompatible
from ganbench.contracts.evaluator import Evaluator
from ganbench.contracts.loss import Loss, OptimizerSettings, Penalty, Targets
from ganbench.plugin_host.registry import NAME_PATTERN, base_classes
from ganbench.contracts.run_result import RunResult, RunStatus
from ganbench.contracts.stabilizer import Stabilizer

__all__ = ["check_architecture", "check_loss", "check_stabilizer", "check_evaluator", "check_dataset", "check_logger",
           "temporarily_registered", "DEFAULT_SPECS", "ContractData", "ContractNet"]

# The specs an architecture is checked against unless it names its own: small images, labelled
# colour images, and 2-D vectors (the toy mixtures).
DEFAULT_SPECS = (
    DataSpec("contract-data", "image", (1, 16, 16)),
    DataSpec("contract-data", "image", (3, 16, 16), num_classes=10),
    DataSpec("contract-data", "vector", (2,)),
)
BATCH = 4  # samples per shape check
LATENT_DIM = 8
DIRECTIONS = ("lower", "higher")


# Tiny data and a tiny network, so that every check runs without any other plugin.

@dataclasses.dataclass(frozen=True)
class ContractDataOptions:
    shape: tuple[int, ...] = (1, 16, 16)  # (channels, height, width) for images, (dim,) for vectors
    classes: int = 0  # 0: unlabelled
    count: int = 64  # samples held in memory

    def __post_init__(self) -> None:
        if len(self.shape) not in (1, 3) or min(self.shape) < 1:
            raise ValueError(f"shape must be (channels, height, width) or (dim,), got {self.shape}.")
        if self.classes < 0 or self.count < 1:
            raise ValueError("classes must be 0 or more and count at least 1.")


class ContractData(Dataset):
    """Random smooth samples in [-1, 1] of any shape, with labels when asked: data for the checks."""

    name = "contract-data"
    description = "Tiny random data of any shape, held in memory, for ganbench.testing."
    Options = ContractDataOptions

    def spec(self, request: DataRequest) -> DataSpec:
        kind = "image" if len(self.options.shape) == 3 else "vector"
        return DataSpec(self.name, kind, tuple(self.options.shape), self.options.classes)

    def load(self, request: DataRequest) -> TensorSource:
        spec = self.spec(request)
        rng = torch.Generator().manual_seed(0)
        x = torch.tanh(torch.randn((self.options.count, *spec.shape), generator=rng))
        y = torch.randint(spec.num_classes, (self.options.count,), generator=rng) if spec.labelled else None
        return TensorSource(spec, x, y, request.device, request.seed)


@dataclasses.dataclass(frozen=True)
class ContractNetOptions:
    width: int = 8  # channels (images) or units (vectors) of the one hidden layer

    def __post_init__(self) -> None:
        if self.width < 1:
            raise ValueError(f"width must be a positive integer, got {self.width}.")


class ContractNetGenerator(Generator):
    """z -> a 4x4 map -> resized to the image and one 3x3 convolution; or z -> MLP for vectors."""

    def __init__(self, request: BuildRequest, width: int) -> None:
        super().__init__()
        self.latent_dim = request.latent_dim
        spec = request.spec
        if spec.kind == "image":
            self.net = nn.Sequential(
                nn.Linear(request.latent_dim, width * 16), nn.ReLU(), nn.Unflatten(1, (width, 4, 4)),
                nn.Upsample(size=spec.shape[1:]), nn.Conv2d(width, spec.channels, 3, padding=1), nn.Tanh())
        else:
            self.net = nn.Sequential(nn.Linear(request.latent_dim, width), nn.ReLU(),
                                     nn.Linear(width, spec.numel), nn.Tanh())

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z)


class ContractNetDiscriminator(Discriminator):
    """A 3x3 convolution pooled to a 4x4 map (images) or one hidden layer (vectors), neck, one logit."""

    def __init__(self, request: BuildRequest, width: int) -> None:
        super().__init__(request.neck)
        spec = request.spec
        if spec.kind == "image":
            norm = nn.BatchNorm2d(width) if request.batch_norm_in_d else nn.Identity()
            self.body = nn.Sequential(nn.Conv2d(spec.channels, width, 3, padding=1), norm, nn.LeakyReLU(0.2),
                                      nn.AdaptiveAvgPool2d(4))
            head_in = self.neck.out_channels(width) * 16
        else:
            self.body = nn.Sequential(nn.Linear(spec.numel, width), nn.LeakyReLU(0.2))
            head_in = self.neck.out_channels(width)
        self.to_logit = nn.Sequential(nn.Flatten(), nn.Linear(head_in, 1))

    def features(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        return self.body(x)

    def head(self, h: torch.Tensor, y: torch.Tensor | None) -> DOutput:
        return DOutput(self.to_logit(h).squeeze(1))


class ContractNet(Architecture):
    """A tiny DCGAN-like network for images of any size and for vectors: the partner of the checks."""

    name = "contract-net"
    description = "A tiny convolutional (images) or fully connected (vectors) GAN, for ganbench.testing."
    data_kinds = ("image", "vector")
    Options = ContractNetOptions

    def build(self, request: BuildRequest) -> tuple[Generator, Discriminator]:
        return ContractNetGenerator(request, self.options.width), ContractNetDiscriminator(request, self.options.width)


class AppendOnesChannel(nn.Module):
    """Stands in for minibatch-std: a neck layer that adds one channel the head must expect."""

    added_channels = 1

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return torch.cat([h, torch.ones_like(h[:, :1])], dim=1)


# Registration for the duration of a check.

class _ThrowawayPlugin:
    """A plugin object that registers the given component classes through the real hooks."""

    def __init__(self, classes: dict[str, list[type]]) -> None:
        self.classes = classes

    def _register(self, kind: str, register) -> None:
        for cls in self.classes.get(kind, []):
            register(cls)

    @hookimpl
    def register_architectures(self, register):
        self._register("architecture", register)

    @hookimpl
    def register_losses(self, register):
        self._register("loss", register)

    @hookimpl
    def register_stabilizers(self, register):
        self._register("stabilizer", register)

    @hookimpl
    def register_evaluators(self, register):
        self._register("evaluator", register)

    @hookimpl
    def register_datasets(self, register):
        self._register("dataset", register)

    @hookimpl
    def register_loggers(self, register):
        self._register("logger", register)


_throwaway_names = itertools.count()


def kind_of(cls: type) -> str:
    """The component kind of a class, from the base class it extends."""
    for kind, base in base_classes().items():
        if isinstance(cls, type) and issubclass(cls, base):
            return kind
    raise AssertionError(f"{cls!r} is not a ganbench component: it must subclass one of "
                         f"{', '.join(base.__name__ for base in base_classes().values())}.")


@contextlib.contextmanager
def temporarily_registered(*classes: type) -> Iterator[None]:
    """Register component classes for the duration of a ``with`` block, then unregister them.

    A class already registered (an installed plugin, or the repository's test set-up) is used as
    it is. A class whose name another component holds is registered under its qualified name, as
    ganbench does for an installed plugin: :func:`registered_name` gives the name that reaches it."""
    registry = plugins.registry()
    missing: dict[str, list[type]] = {}
    for cls in classes:
        kind = kind_of(cls)
        if any(entry.cls is cls for entry in registry.all_entries(kind)):
            continue
        missing.setdefault(kind, []).append(cls)
    if not missing:
        yield
        return
    name = plugins.register_module(_ThrowawayPlugin(missing), f"ganbench.testing-{next(_throwaway_names)}")
    try:
        plugins.registry()
        error = plugins.state().plugins[name].error
        if error:
            raise AssertionError(f"registering failed: {error}")
        yield
    finally:
        plugins.unregister_module(name)


def registered_name(cls: type) -> str:
    """The name that reaches a registered class: its bare name, or PLUGIN:NAME when another component
    (a built-in that came later than the plugin, say) holds the bare one."""
    registry = plugins.registry()
    kind = kind_of(cls)
    for entry in registry.all_entries(kind):
        if entry.cls is cls:
            return registry.display_name(entry)
    raise AssertionError(f"{kind} {getattr(cls, 'name', cls)!r} is not registered; register it first.")


# Shared pieces of the checks.

def check_component_basics(cls: type, kind: str) -> None:
    """Name, description and Options: what every component must declare."""
    base = base_classes()[kind]
    assert isinstance(cls, type) and issubclass(cls, base), (
        f"{cls!r} must subclass {base.__module__}.{base.__name__} to be a {kind}.")
    name = getattr(cls, "name", "")
    assert isinstance(name, str) and NAME_PATTERN.match(name), (
        f"{cls.__name__}.name must be kebab-case (lowercase letters, digits and hyphens), got {name!r}.")
    description = getattr(cls, "description", "")
    assert isinstance(description, str) and description.strip() and "\n" not in description, (
        f"{kind} {name!r} needs a one-line description.")
    options = cls.Options
    assert dataclasses.is_dataclass(options), f"{kind} {name!r}: Options must be a dataclass."
    assert options.__dataclass_params__.frozen, f"{kind} {name!r}: Options must be a frozen dataclass."
    try:
        options()
    except TypeError as error:
        raise AssertionError(f"{kind} {name!r}: every option needs a default ({error}).") from None


def instance_of(cls: type, options: dict[str, Any]) -> Any:
    """The component built with ``options``, the way the engine builds it."""
    try:
        return cls.with_options(options)
    except GanbenchError as error:
        raise AssertionError(f"the options given to the check were refused: {error}") from None


def assert_sentence(message: str, what: str) -> None:
    """A refusal must read as one sentence: the user sees nothing else."""
    text = str(message).strip()
    assert text and "\n" not in text and text.endswith("."), (
        f"{what} must explain itself in one sentence ending with a full stop, got {text!r}.")


def finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclasses.dataclass
class TinyRun:
    """The settings of one short training run of a check."""

    arch: Choice
    loss: Choice = dataclasses.field(default_factory=lambda: Choice("bce"))
    dataset: Choice = dataclasses.field(default_factory=lambda: Choice("contract-data"))
    stabilizers: list[Choice] = dataclasses.field(default_factory=list)
    evaluators: list[Choice] = dataclasses.field(default_factory=list)
    loggers: list[Choice] = dataclasses.field(default_factory=list)
    steps: int = 3
    resolution: int = 16
    data_root: str | None = None
    eval_samples: int = 64

    def describe(self) -> str:
        stabilizers = "+".join(choice.name for choice in self.stabilizers) or "none"
        return (f"arch {self.arch.name!r}, loss {self.loss.name!r}, dataset {self.dataset.name!r} "
                f"{self.dataset.options or ''}, stabilizers {stabilizers}")


def data_choice(spec: DataSpec) -> Choice:
    """contract-data shaped like ``spec``."""
    return Choice(ContractData.name, {"shape": list(spec.shape), "classes": spec.num_classes})


def spec_resolution(spec: DataSpec) -> int:
    return spec.resolution if spec.kind == "image" else 16


def train_briefly(tiny: TinyRun) -> RunResult:
    """Train ``tiny`` through ganbench's own entry point (``ganbench.engine.run.run``, as ``ganbench run``
    and sweeps do) in a temporary folder; the result it wrote. Publishing (the results index and
    loss-curve pictures) is left out: it takes longer than the tiny run itself and cannot fail it."""
    from ganbench.engine.run import run

    with tempfile.TemporaryDirectory(prefix="ganbench-check-") as folder:
        config = RunConfig(arch=tiny.arch, loss=tiny.loss, dataset=tiny.dataset, stabilizers=tiny.stabilizers,
                           evaluators=tiny.evaluators, loggers=tiny.loggers, steps=tiny.steps, batch_size=8, latent_dim=LATENT_DIM,
                           resolution=tiny.resolution, data_root=tiny.data_root, log_every=1,
                           sample_every=tiny.steps, checkpoint_every=tiny.steps, eval_samples=tiny.eval_samples,
                           device="cpu", results_dir=folder)
        try:
            result = run(config, show_progress=False, publish=False).result
        except GanbenchError as error:
            raise AssertionError(f"training ({tiny.describe()}) was refused: {error}") from error
        except Exception as error:
            raise AssertionError(f"training ({tiny.describe()}) raised {type(error).__name__}: {error}") from error
    assert result.status == RunStatus.FINISHED, (
        f"training ({tiny.describe()}) diverged at step {result.diverged_at}: a loss was not finite.")
    losses = {key: result.final.get(key) for key in ("d_loss_real", "d_loss_fake", "g_loss")}
    assert all(finite(value) for value in losses.values()), f"training ({tiny.describe()}) logged {losses}."
    return result


def refusal_or_none(action, what: str) -> Incompatible | None:
    """Run ``action``; return the Incompatible it raised (checked to be a sentence), or None.

    Anything else it raises is a broken contract: refusals must be Incompatible."""
    try:
        action()
    except Incompatible as refusal:
        assert_sentence(str(refusal), f"the refusal of {what}")
        return refusal
    except GanbenchError as error:
        raise AssertionError(f"{what} was refused: {error}") from error
    except Exception as error:
        raise AssertionError(f"{what} raised {type(error).__name__}: {error}; a combination that cannot "
                             f"work must raise ganbench.errors.Incompatible with the reason.") from error
    return None


# Architectures.

def build_request(spec: DataSpec, architecture: Architecture, neck: Neck | None = None) -> BuildRequest:
    return BuildRequest(spec=spec, latent_dim=LATENT_DIM, neck=neck if neck is not None else Neck(),
                        conditional=architecture.uses_labels(spec))


def check_architecture(cls: type, specs: Sequence[DataSpec] | None = None, losses: Sequence[str] = ("bce",),
                       steps: int = 3, **options: Any) -> None:
    """An architecture builds for the specs it accepts, and refuses the others with a sentence.

    For each accepted spec: G(z) has the spec's shape (a multi-scale generator returns a list,
    coarse to fine, whose last image has it); D gives one logit per sample for G(z) and for
    ``prepare_real`` of a real batch, which must have the structure of G(z); D keeps and uses a
    neck that adds a channel; and a ``steps``-step training run finishes with each loss in
    ``losses`` that the architecture accepts: it may refuse a loss with a sentence (Incompatible,
    e.g. batch norm in a critic under a gradient penalty), but must accept at least one per spec.
    ``options`` are the architecture's options (e.g. ``base_channels=8``)."""
    check_component_basics(cls, "architecture")
    architecture = instance_of(cls, options)
    specs = DEFAULT_SPECS if specs is None else specs
    accepted = [spec for spec in specs if accepts(architecture, spec)]
    assert accepted, (f"architecture {cls.name!r} refused every spec it was checked with "
                      f"({', '.join(str(spec.shape) for spec in specs)}); pass the ones it serves as specs=[...].")
    with temporarily_registered(cls, ContractData):
        for spec in accepted:
            with torch.random.fork_rng():
                torch.manual_seed(0)
                check_shapes(architecture, spec)
                check_neck(architecture, spec)
            trained = 0
            for loss in losses:
                tiny = TinyRun(arch=Choice(registered_name(cls), dict(options)), loss=Choice(loss),
                               dataset=data_choice(spec),
                               steps=steps, resolution=spec_resolution(spec))
                if not refused_before_training(tiny):
                    train_briefly(tiny)
                    trained += 1
            assert trained or not losses, (f"architecture {cls.name!r} refused every loss it was checked with on "
                                           f"{spec.kind} data of shape {spec.shape}; pass losses it serves.")


def accepts(architecture: Architecture, spec: DataSpec) -> bool:
    """Whether ``architecture`` serves ``spec``: its check and its build either pass or raise Incompatible."""
    what = f"architecture {architecture.name!r} on {spec.kind} data of shape {spec.shape}"
    if refusal_or_none(lambda: architecture.check(spec), what) is not None:
        return False
    return refusal_or_none(lambda: architecture.build(build_request(spec, architecture)), what) is None


def inputs_for(architecture: Architecture, spec: DataSpec) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
    """Latent vectors, labels when the model is conditional, and a real batch in [-1, 1]."""
    z = torch.randn(BATCH, LATENT_DIM)
    y = torch.randint(spec.num_classes, (BATCH,)) if architecture.uses_labels(spec) else None
    return z, y, torch.rand(BATCH, *spec.shape) * 2 - 1


def shapes_of(images: Any) -> Any:
    """The shape of a batch, or the list of shapes of a multi-scale batch."""
    if isinstance(images, (list, tuple)):
        return [tuple(image.shape) for image in images]
    return tuple(images.shape)


def check_shapes(architecture: Architecture, spec: DataSpec) -> None:
    name = architecture.name
    generator, discriminator = architecture.build(build_request(spec, architecture))
    z, y, real = inputs_for(architecture, spec)
    fake = generator(z, y)
    check_generator_output(name, spec, fake)
    prepared = discriminator.prepare_real(real)
    assert shapes_of(prepared) == shapes_of(fake), (
        f"architecture {name!r}: prepare_real gives {shapes_of(prepared)} but the generator gives "
        f"{shapes_of(fake)}; the discriminator must get real and fake batches of one structure.")
    for label, batch in (("G(z)", fake), ("prepare_real(x)", prepared)):
        check_discriminator_output(name, spec, discriminator(batch, y), label)


def check_generator_output(name: str, spec: DataSpec, fake: Any) -> None:
    expected = (BATCH, *spec.shape)
    if isinstance(fake, (list, tuple)):
        assert fake, f"architecture {name!r}: the generator returned an empty list of scales."
        shapes = shapes_of(fake)
        assert shapes[-1] == expected, (
            f"architecture {name!r}: the finest scale of G(z) is {shapes[-1]}, expected {expected} "
            f"(multi-scale generators list their images from coarse to fine).")
        sides = [shape[2:] for shape in shapes]
        assert all(len(shape) == 4 and shape[:2] == expected[:2] for shape in shapes) and sides == sorted(sides), (
            f"architecture {name!r}: the scales of G(z) {shapes} must be batches of {spec.channels}-channel "
            f"images from coarse to fine.")
        images = fake
    else:
        assert isinstance(fake, torch.Tensor), f"architecture {name!r}: G(z) returned {type(fake).__name__}."
        assert tuple(fake.shape) == expected, f"architecture {name!r}: G(z) has shape {tuple(fake.shape)}, expected {expected}."
        images = [fake]
    assert all(torch.isfinite(image).all() for image in images), f"architecture {name!r}: G(z) is not finite."


def check_discriminator_output(name: str, spec: DataSpec, output: Any, label: str) -> None:
    assert isinstance(output, DOutput), (
        f"architecture {name!r}: D({label}) returned {type(output).__name__}; return "
        f"ganbench.api.DOutput(logits, class_logits=None).")
    assert tuple(output.logits.shape) == (BATCH,), (
        f"architecture {name!r}: D({label}) logits have shape {tuple(output.logits.shape)}, expected ({BATCH},): "
        f"one logit per sample.")
    if output.class_logits is not None:
        expected = (BATCH, spec.num_classes)
        assert tuple(output.class_logits.shape) == expected, (
            f"architecture {name!r}: D({label}) class logits have shape {tuple(output.class_logits.shape)}, "
            f"expected {expected}.")


def check_neck(architecture: Architecture, spec: DataSpec) -> None:
    """D must hold the neck it is given, run it before its head, and size the head for added channels."""
    name = architecture.name
    layer = AppendOnesChannel()
    generator, discriminator = architecture.build(build_request(spec, architecture, Neck(layer)))
    assert any(held is layer for held in discriminator.neck), (
        f"architecture {name!r}: the discriminator did not keep the neck of its BuildRequest; pass "
        f"request.neck to Discriminator.__init__ so stabilizers can insert layers.")
    z, y, _ = inputs_for(architecture, spec)
    try:
        output = discriminator(generator(z, y), y)
    except RuntimeError as error:
        raise AssertionError(f"architecture {name!r}: D failed with a neck layer that adds a channel "
                             f"({str(error).splitlines()[0]}); size the head with neck.out_channels(channels).") from error
    assert layer.calls > 0, f"architecture {name!r}: D never called its neck; forward must run head(neck(features))."
    check_discriminator_output(name, spec, output, "G(z), with a neck layer that adds a channel,")


# Losses.

def check_loss(cls: type, steps: int = 3, **options: Any) -> None:
    """A loss returns finite scalars that reward D for telling real from fake and G for fooling D,
    declares its targets and optimizer settings, and trains for ``steps`` steps with contract-net."""
    check_component_basics(cls, "loss")
    loss = instance_of(cls, options)
    name = cls.name
    assert isinstance(cls.uses_targets, bool), f"loss {name!r}: uses_targets must be True or False."
    assert cls.recommended is None or isinstance(cls.recommended, OptimizerSettings), (
        f"loss {name!r}: recommended must be None or a ganbench.api.OptimizerSettings.")
    for penalty in loss.penalties():
        assert isinstance(penalty, Penalty) and isinstance(penalty.interval, int) and penalty.interval >= 1, (
            f"loss {name!r}: penalties() must return ganbench.api.Penalty objects with an interval of at least 1.")
    check_loss_values(loss)
    with temporarily_registered(cls, ContractData, ContractNet):
        train_briefly(TinyRun(arch=Choice(ContractNet.name), loss=Choice(registered_name(cls), dict(options)),
                              dataset=data_choice(DEFAULT_SPECS[0]), steps=steps))


def loss_terms(loss: Loss, real: float, fake: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(D loss on real + on fake, G loss, the fake logits) for logits of one value each."""
    targets = Targets(real=torch.ones(8), fake=torch.zeros(8))
    real_logits = torch.full((8,), real, requires_grad=True)
    fake_logits = torch.full((8,), fake, requires_grad=True)
    d_terms = loss.d_loss(real_logits, fake_logits, targets)
    assert isinstance(d_terms, tuple) and len(d_terms) == 2, (
        f"loss {loss.name!r}: d_loss must return (term on real, term on fake), got {type(d_terms).__name__}.")
    return d_terms[0] + d_terms[1], loss.g_loss(fake_logits, targets), fake_logits


def check_loss_values(loss: Loss) -> None:
    name = loss.name
    d_right, g_fooled, fake_logits = loss_terms(loss, real=2.0, fake=2.0)
    for label, value in (("d_loss", d_right), ("g_loss", g_fooled)):
        assert isinstance(value, torch.Tensor) and value.dim() == 0, f"loss {name!r}: {label} must be a scalar tensor."
        assert torch.isfinite(value), f"loss {name!r}: {label} is not finite for logits of 2."
    g_fooled.backward()
    assert fake_logits.grad is not None and torch.isfinite(fake_logits.grad).all(), (
        f"loss {name!r}: g_loss gives no finite gradient with respect to the fake logits.")
    d_wins, _, _ = loss_terms(loss, real=2.0, fake=-2.0)
    d_loses, _, _ = loss_terms(loss, real=-2.0, fake=2.0)
    d_wins, d_loses, g_fooled = d_wins.detach(), d_loses.detach(), g_fooled.detach()
    assert d_wins < d_loses, (
        f"loss {name!r}: d_loss is {float(d_wins):.4g} when D is right (real logits 2, fake -2) and "
        f"{float(d_loses):.4g} when D is wrong; D's loss must be lower when it tells real from fake.")
    g_caught = loss_terms(loss, real=2.0, fake=-2.0)[1].detach()
    assert g_fooled < g_caught, (
        f"loss {name!r}: g_loss is {float(g_fooled):.4g} when D calls the fakes real (logit 2) and "
        f"{float(g_caught):.4g} when it calls them fake (logit -2); G's loss must be lower when it fools D.")


# Stabilizers.

def check_stabilizer(cls: type, steps: int = 3, losses: Sequence[str] = ("bce",),
                     specs: Sequence[DataSpec] | None = None, partners: Sequence[str] = ("dropout", "ema"),
                     **options: Any) -> None:
    """A stabilizer trains ``steps`` steps alone (as a sweep runs it beside the ``none`` baseline)
    and composed with ``partners`` (other registered stabilizers), with contract-net on an image and
    a vector spec and each loss in ``losses``. It may refuse a combination with a sentence
    (Incompatible), but must accept at least one."""
    check_component_basics(cls, "stabilizer")
    stabilizer = instance_of(cls, options)
    name = cls.name
    assert isinstance(cls.order, int), f"stabilizer {name!r}: order must be an integer."
    assert isinstance(stabilizer.state_dict(), dict), f"stabilizer {name!r}: state_dict() must return a dict."
    specs = (DEFAULT_SPECS[0], DEFAULT_SPECS[2]) if specs is None else specs
    trained = 0
    with temporarily_registered(cls, ContractData, ContractNet):
        reference = registered_name(cls)
        others = [Choice(partner) for partner in partners if partner != reference]
        for spec, loss in itertools.product(specs, losses):
            tiny = TinyRun(arch=Choice(ContractNet.name), loss=Choice(loss), dataset=data_choice(spec),
                           stabilizers=[Choice(reference, dict(options))], steps=steps,
                           resolution=spec_resolution(spec))
            if refused_before_training(tiny):
                continue
            train_briefly(tiny)
            if others:
                train_briefly(dataclasses.replace(tiny, stabilizers=[*tiny.stabilizers, *others]))
            trained += 1
    assert trained, f"stabilizer {name!r} refused every combination it was checked with; pass specs or losses it serves."


def refused_before_training(tiny: TinyRun) -> bool:
    """Whether building the run raises Incompatible (checked to be one sentence)."""
    from ganbench.engine.setup import prepare
    config = RunConfig(arch=tiny.arch, loss=tiny.loss, dataset=tiny.dataset, stabilizers=tiny.stabilizers,
                       evaluators=[], resolution=tiny.resolution, batch_size=8, latent_dim=LATENT_DIM, device="cpu")
    return refusal_or_none(lambda: prepare(config), f"the run {tiny.describe()}") is not None


# Evaluators.

def check_evaluator(cls: type, dataset: str | DataSpec | None = None, samples: int = 64,
                    undirected: Sequence[str] = (), arch: str = ContractNet.name,
                    arch_options: dict[str, Any] | None = None, **options: Any) -> None:
    """An evaluator, run at the end of a short training run, returns finite floats, and every
    metric it returns has a declared direction ("lower" or "higher" is better).

    ``dataset`` is a registered dataset name (e.g. "ring8" for mode coverage) or a DataSpec for
    contract-data; by default the first of DEFAULT_SPECS the evaluator applies to. ``arch`` is
    the registered architecture trained (e.g. "cgan" for an evaluator of conditional samples).
    ``undirected`` lists metrics that deliberately have no better direction (reported, not ranked)."""
    check_component_basics(cls, "evaluator")
    evaluator = instance_of(cls, options)
    name = cls.name
    wrong = {metric: way for metric, way in cls.directions.items() if way not in DIRECTIONS}
    assert not wrong, f"evaluator {name!r}: directions must be 'lower' or 'higher', got {wrong}."
    headline = getattr(cls, "headline", None)
    assert headline is None or headline in cls.directions, (
        f"evaluator {name!r}: headline {headline!r} must be one of its directions, which rank tables.")
    with temporarily_registered(cls, ContractData, ContractNet):
        data, resolution = data_for_evaluator(evaluator, dataset)
        result = train_briefly(TinyRun(arch=Choice(arch, dict(arch_options or {})), dataset=data,
                                       resolution=resolution, evaluators=[Choice(registered_name(cls), dict(options))],
                                       eval_samples=samples))
    metrics = result.metrics
    protocol = result.protocol.get(name)
    skipped = protocol.get("skipped") if isinstance(protocol, dict) else None
    assert metrics, (f"evaluator {name!r} returned no metric{f' ({skipped})' if skipped else ''}; check it on data "
                     f"and an architecture it measures: dataset=..., arch=....")
    bad = {metric: value for metric, value in metrics.items() if not finite(value)}
    assert not bad, f"evaluator {name!r} returned values that are not finite numbers: {bad}."
    missing = sorted(set(metrics) - set(cls.directions) - set(undirected))
    assert not missing, (f"evaluator {name!r} returned {', '.join(missing)} without a declared direction; "
                         f"add each to its directions as 'lower' or 'higher'.")
    assert isinstance(protocol, dict), f"evaluator {name!r}: protocol() must return a dict."


def data_for_evaluator(evaluator: Evaluator, dataset: str | DataSpec | None) -> tuple[Choice, int]:
    """The dataset choice and resolution for an evaluator's check run."""
    if isinstance(dataset, str):
        return Choice(dataset), 16
    if dataset is not None:  # the caller chose the data: check there even if it is not a default of the evaluator
        return data_choice(dataset), spec_resolution(dataset)
    for spec in DEFAULT_SPECS:
        if evaluator.applies_to(spec, ContractData.name):
            return data_choice(spec), spec_resolution(spec)
    raise AssertionError(f"evaluator {evaluator.name!r} applies to none of the specs it was checked with; "
                         f"pass dataset='<a registered dataset name>' or dataset=DataSpec(...).")


# Datasets.

def check_dataset(cls: type, request: DataRequest | None = None, steps: int = 3, **options: Any) -> None:
    """A dataset gives a spec and batches that agree with it: floats in [-1, 1] of the spec's shape,
    int64 labels in range (or None when unlabelled), the same batches for the same seed, and a
    ``steps``-step training run with contract-net. ``request`` defaults to 16 px on the CPU."""
    check_component_basics(cls, "dataset")
    dataset = instance_of(cls, options)
    request = request or DataRequest(resolution=16, data_root=None, device=torch.device("cpu"), seed=0)
    source = load_or_fail(dataset, request)
    spec = check_spec(dataset, source, request)
    check_batch(cls.name, spec, *source.sample(8), "sample(8)")
    x, y = source.all_data(16)
    check_batch(cls.name, spec, x, y, "all_data(16)", exact=False)
    first, second = (load_or_fail(dataset, request).sample(8)[0] for _ in range(2))
    assert torch.equal(first, second), (
        f"dataset {cls.name!r}: two loads with seed {request.seed} gave different batches; seed the order.")
    with temporarily_registered(cls, ContractNet):
        train_briefly(TinyRun(arch=Choice(ContractNet.name), dataset=Choice(registered_name(cls), dict(options)),
                              steps=steps,
                              resolution=request.resolution,
                              data_root=str(request.data_root) if request.data_root else None))


def load_or_fail(dataset: Dataset, request: DataRequest) -> DataSource:
    try:
        source = dataset.load(request)
    except GanbenchError as error:
        raise AssertionError(f"dataset {dataset.name!r} could not load: {error}") from error
    assert isinstance(source, DataSource), (
        f"dataset {dataset.name!r}: load() must return a ganbench.data.source.DataSource, got {type(source).__name__}.")
    return source


def check_spec(dataset: Dataset, source: DataSource, request: DataRequest) -> DataSpec:
    name = dataset.name
    spec = source.spec
    assert isinstance(spec, DataSpec), f"dataset {name!r}: source.spec must be a DataSpec."
    assert spec.kind in ("image", "vector"), f"dataset {name!r}: spec.kind must be 'image' or 'vector'."
    assert len(spec.shape) == (3 if spec.kind == "image" else 1), (
        f"dataset {name!r}: a {spec.kind} spec has shape {'(channels, height, width)' if spec.kind == 'image' else '(dim,)'}, "
        f"got {spec.shape}.")
    if spec.kind == "image":
        assert spec.resolution == request.resolution, (
            f"dataset {name!r}: asked for {request.resolution} px, gave images of {spec.shape[1:]} px.")
    assert dataset.spec(request) == spec, (
        f"dataset {name!r}: spec(request) gives {dataset.spec(request)} but load(request).spec is {spec}.")
    assert dataset.kind == spec.kind, (
        f"dataset {name!r}: its class says kind {dataset.kind!r} (shown by ganbench list) but its data are {spec.kind}.")
    return spec


def check_batch(name: str, spec: DataSpec, x: torch.Tensor, y: torch.Tensor | None, label: str,
                exact: bool = True) -> None:
    assert isinstance(x, torch.Tensor) and x.is_floating_point(), f"dataset {name!r}: {label} x must be a float tensor."
    assert tuple(x.shape[1:]) == spec.shape and (not exact or x.shape[0] == 8), (
        f"dataset {name!r}: {label} x has shape {tuple(x.shape)}, expected (N, {', '.join(map(str, spec.shape))}).")
    assert torch.isfinite(x).all() and x.min() >= -1 and x.max() <= 1, (
        f"dataset {name!r}: {label} values span [{float(x.min()):.3g}, {float(x.max()):.3g}], expected [-1, 1].")
    if not spec.labelled:
        assert y is None, f"dataset {name!r}: unlabelled data (num_classes 0) must give y = None."
        return
    assert isinstance(y, torch.Tensor) and y.dtype == torch.long and tuple(y.shape) == (x.shape[0],), (
        f"dataset {name!r}: {label} labels must be an int64 tensor with one label per sample.")
    assert y.min() >= 0 and y.max() < spec.num_classes, (
        f"dataset {name!r}: {label} labels span [{int(y.min())}, {int(y.max())}], expected [0, {spec.num_classes - 1}].")


# Loggers.

def check_logger(cls: type, steps: int = 3, evaluators: Sequence[str] = ("stability",), **options: Any) -> None:
    """A logger hears a short training run (contract-net on small images: ``start``, a row per step,
    a sample grid, an evaluation by ``evaluators`` and ``finish``) without raising; a logger that
    cannot work here (its package missing) must say so in one sentence from ``check()``."""
    check_component_basics(cls, "logger")
    logger = instance_of(cls, options)
    name = cls.name
    try:
        logger.check()
    except GanbenchError as refusal:
        assert_sentence(str(refusal), f"the refusal of logger {name!r}")
        raise AssertionError(f"logger {name!r} cannot run here: {refusal}") from None
    failures = _LoggerFailures(name)
    spec = DEFAULT_SPECS[0]
    with temporarily_registered(cls, ContractData, ContractNet), failures.watching():
        train_briefly(TinyRun(arch=Choice(ContractNet.name), dataset=data_choice(spec), steps=steps,
                              resolution=spec_resolution(spec), loggers=[Choice(registered_name(cls), dict(options))],
                              evaluators=[Choice(evaluator) for evaluator in evaluators]))
    assert not failures.messages, failures.messages[0]


class _LoggerFailures(logging.Handler):
    """The engine's warnings that a logger failed (it switches the logger off and trains on)."""

    def __init__(self, name: str) -> None:
        super().__init__(logging.WARNING)
        self.prefix = f"logger {name!r} failed"
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(self.prefix):
            self.messages.append(record.getMessage())

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        logger = logging.getLogger("ganbench")
        logger.addHandler(self)
        try:
            yield
        finally:
            logger.removeHandler(self)
