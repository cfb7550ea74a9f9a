"""FID, KID and precision/recall in the feature space of any timm backbone, its weights from a
local file: for example DINOv2 ViT-S/14 (Oquab et al. 2023), whose features Stein et al. (2023,
"Exposing flaws of generative model evaluation metrics") found to rank generators closer to
human judgement than Inception's.

The backbone is built by ``timm.create_model(name, pretrained=False, num_classes=0)`` (its
pooled features), so the hub is never asked; the weights come from the ``weights`` option and
are loaded with ``torch.load(weights_only=True)``. Images are resized to the backbone's input
size (bilinear, antialiased) and normalised with its mean and std; the maths is torch-fidelity's.

The preset ``fd-dinov2`` is the protocol of Stein et al. (2023): FD_DINOv2, the Frechet distance in
the features of DINOv2 ViT-L/14 (``vit_large_patch14_dinov2.lvd142m``, its CLS token after the
final norm, 1024-d), every image resized to 224 px with bicubic interpolation and normalised with
ImageNet's mean and std. Its weights cannot be downloaded during a run: the preset says where to
put them. A checkpoint at another input size (DINOv2's own 518 px) has its position embeddings
resampled to 224 px by timm's ``checkpoint_filter_fn``, which also reads Meta's original key names.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any, Literal

import torch
import torch.nn.functional as F

from ganbench.data.spec import DataSpec
from ganbench.evaluate import fidelity
from ganbench.contracts.evaluator import EvalContext, Evaluator
from ganbench.evaluate.inception_fidelity import as_rgb, checked_weights
from ganbench.errors import EvaluationError


@dataclasses.dataclass(frozen=True)
class Preset:
    """A published protocol: the backbone, the side it is fed and the resize filter."""

    model: str
    image_size: int
    resize: str
    label: str  # what the weights are, for the message when they are missing
    paper: str


PRESETS = {
    "fd-dinov2": Preset("vit_large_patch14_dinov2.lvd142m", 224, "bicubic", "DINOv2 ViT-L/14",
                        "Stein et al. 2023, Exposing flaws of generative model evaluation metrics"),
}


def build_backbone(model: str, weights: Path, image_size: int = 0) -> torch.nn.Module:
    """A timm model with its classifier removed, loaded from ``weights``; one sentence when either fails.
    ``image_size`` builds a vision transformer for that side (its position embeddings resampled)."""
    import timm
    extra = {"img_size": image_size} if image_size and "vit_" in model else {}
    try:
        network = timm.create_model(model, pretrained=False, num_classes=0, **extra)
    except Exception as error:  # timm raises RuntimeError for an unknown name
        raise EvaluationError(f"timm has no model {model!r} ({' '.join(str(error).split())[:120]}).") from None
    state = torch.load(weights, map_location="cpu", weights_only=True)
    state = state.get("state_dict", state.get("model", state))
    if extra:  # resample position embeddings and map Meta's key names the way timm's own loader does
        from timm.models.vision_transformer import checkpoint_filter_fn
        state = checkpoint_filter_fn(state, network)
    missing, _ = network.load_state_dict(state, strict=False)  # a checkpoint's classifier head is dropped
    if missing:
        raise EvaluationError(f"{str(weights)!r} is not a checkpoint of {model!r}: it lacks {len(missing)} "
                              f"tensors, {missing[0]!r} first.")
    return network.eval().requires_grad_(False)


@functools.lru_cache(maxsize=None)
def extractor_class(model: str) -> type:
    """A torch-fidelity feature extractor class for one timm model name."""
    from torch_fidelity.feature_extractor_base import FeatureExtractorBase

    class TimmFeatureExtractor(FeatureExtractorBase):
        def __init__(self, name, features_list, feature_extractor_weights_path=None, image_size=0,
                     resize="bilinear", **kwargs):
            super().__init__(name, features_list)
            self.network = build_backbone(model, Path(feature_extractor_weights_path), image_size)
            config = self.network.pretrained_cfg
            self.size = image_size or config.get("input_size", (3, 224, 224))[-1]
            self.resize = resize
            self.register_buffer("mean", torch.tensor(config.get("mean", (0.5,) * 3)).view(1, 3, 1, 1))
            self.register_buffer("std", torch.tensor(config.get("std", (0.5,) * 3)).view(1, 3, 1, 1))

        @staticmethod
        def get_provided_features_list():
            return ("features",)

        @staticmethod
        def get_default_feature_layer_for_metric(metric):
            return "features"

        @staticmethod
        def can_be_compiled():
            return False

        @staticmethod
        def get_dummy_input_for_compile():  # pragma: no cover - never compiled
            return torch.zeros(1, 3, 8, 8, dtype=torch.uint8)

        def forward(self, images):
            x = images.float() / 255.0
            x = F.interpolate(x, size=(self.size, self.size), mode=self.resize, antialias=True, align_corners=False)
            x = x.clamp(0, 1)  # bicubic overshoots the range of the pixels it interpolates
            return (self.network((x - self.mean) / self.std).float(),)

    return TimmFeatureExtractor


TIMM_DEFAULT_MODEL = "vit_small_patch14_dinov2.lvd142m"


@dataclasses.dataclass(frozen=True)
class TimmOptions:
    model: str = TIMM_DEFAULT_MODEL  # any timm model name
    weights: str = ""  # path to its weights file (required: the hub is never asked)
    image_size: int = 0  # side fed to the backbone; 0: its default input size
    resize: Literal["bilinear", "bicubic"] = "bilinear"  # filter of the resize to image_size (antialiased)
    preset: str = ""  # a published protocol that sets model, image_size and resize: fd-dinov2
    samples: int = 0  # generated images; 0: the run's eval_samples
    real_samples: int = 0  # real reference images; 0: all of the run's data

    def __post_init__(self) -> None:
        for name in ("image_size", "samples", "real_samples"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 (the default) or positive, got {getattr(self, name)}.")
        if self.preset and self.preset not in PRESETS:
            raise ValueError(f"preset must be one of {', '.join(PRESETS)}, got {self.preset!r}.")
        if self.preset and (self.image_size or self.resize != "bilinear" or self.model != TIMM_DEFAULT_MODEL):
            raise ValueError(f"preset {self.preset!r} sets model, image_size and resize itself; leave them out.")

    def resolved(self) -> "TimmOptions":
        """These options with the preset's model, side and filter filled in."""
        if not self.preset:
            return self
        preset = PRESETS[self.preset]
        return dataclasses.replace(self, model=preset.model, image_size=preset.image_size, resize=preset.resize,
                                   preset="")


class TimmFidelity(Evaluator):
    """FID, KID and precision/recall in a timm backbone's pooled features."""

    name = "timm-fid"
    description = "FID, KID, precision/recall (torch-fidelity) in any timm backbone's features, weights from a file."
    Options = TimmOptions
    directions = {"timm_fid": "lower", "timm_kid": "lower", "timm_precision": "higher", "timm_recall": "higher"}
    headline = "timm_fid"

    @property
    def settings(self) -> TimmOptions:
        """The options with the preset applied: what is actually measured."""
        return self.options.resolved()

    def applies_to(self, spec: DataSpec, dataset: str) -> bool:
        return False  # needs a weights file: asked for by name

    def weights(self) -> Path:
        return weights_file(self.options)

    def check(self, spec: DataSpec, dataset: str) -> None:
        if spec.kind != "image":
            raise EvaluationError(f"evaluator 'timm-fid' measures images, and dataset {dataset!r} is vectors.")
        weights = self.weights()
        checked_weights(weights)  # refuses a file that needs unpickling, before timm sees it
        build_backbone(self.settings.model, weights, self.settings.image_size)

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        self.check(ctx.spec, ctx.dataset)
        weights, settings = self.weights(), self.settings
        self.weights_sha256 = checked_weights(weights)
        real = as_rgb(ctx.real_uint8(settings.real_samples or None)[0].cpu())
        generated = as_rgb(ctx.sample_uint8(settings.samples or ctx.num_samples)[0].cpu())
        self.counts = (generated.shape[0], real.shape[0])
        extractor = extractor_name(settings, self.weights_sha256)
        fidelity.register_extractor(extractor, extractor_class(settings.model))
        # The side and the filter change the features as much as the weights do: both key the cache.
        reference = fidelity.reference_cache_name(ctx.dataset, "all", real, space_key(settings, self.weights_sha256))
        figures = fidelity.calculate(extractor, generated, real, reference, ctx.device,
                                     feature_extractor_weights_path=str(weights), image_size=settings.image_size,
                                     resize=settings.resize)
        return {f"timm_{key}": value for key, value in figures.items() if f"timm_{key}" in self.directions}

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        settings = self.settings
        generated, real = getattr(self, "counts", (settings.samples or ctx.num_samples, 0))
        described = fidelity.protocol(f"timm {settings.model} (pooled features)", getattr(self, "weights_sha256", ""),
                                      generated, real, f"{ctx.dataset}: {ctx.reference_split()}", resize_description(settings),
                                      ctx.seed)
        if self.options.preset:
            described["preset"] = f"{self.options.preset} ({PRESETS[self.options.preset].paper})"
        return described


def weights_file(options: TimmOptions) -> Path:
    """The backbone's weights file; a missing one is one sentence saying where it must come from."""
    if not options.weights and options.preset:
        preset = PRESETS[options.preset]
        raise EvaluationError(f"evaluator 'timm-fid' preset {options.preset!r} needs the {preset.label} weights "
                              f"(timm {preset.model!r}) as a local file, and they cannot be downloaded during a run: "
                              f"save them on this machine and give --eval-opt timm-fid.weights=PATH.")
    if not options.weights:
        raise EvaluationError(f"evaluator 'timm-fid' needs the weights of {options.model!r} as a local "
                              f"file: give --eval-opt timm-fid.weights=PATH (the hub is never asked).")
    path = Path(options.weights).expanduser()
    if not path.is_file():
        raise EvaluationError(f"the weights file {str(path)!r} of evaluator 'timm-fid' does not exist.")
    return path


def extractor_name(settings: TimmOptions, weights_sha256: str) -> str:
    return f"ganbench-timm-{settings.model}-{weights_sha256[:12]}-{settings.image_size}-{settings.resize}"


def space_key(settings: TimmOptions, weights_sha256: str) -> str:
    """A hash of the weights, the side and the filter: what makes the feature space."""
    import hashlib
    return hashlib.sha256(f"{weights_sha256}-{settings.image_size}-{settings.resize}".encode()).hexdigest()


def resize_description(settings: TimmOptions) -> str:
    size = f"{settings.image_size} px" if settings.image_size else "the backbone's default input size"
    return f"{size}, {settings.resize} antialiased"
