"""FID, KID and precision/recall in the feature space of any timm backbone, its weights from a
local file: for example DINOv2 ViT-S/14 (Oquab et al. 2023), whose features Stein et al. (2023,
"Exposing flaws of generative model evaluation metrics") found to rank generators closer to
human judgement than Inception's.

The backbone is built by ``timm.create_model(name, pretrained=False, num_classes=0)`` (its
pooled features), so the hub is never asked; the weights come from the ``weights`` option and
are loaded with ``torch.load(weights_only=True)``. Images are resized to the backbone's input
size (bilinear, antialiased) and normalised with its mean and std; the maths is torch-fidelity's.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ganbench.data.spec import DataSpec
from ganbench.evaluate import fidelity
from ganbench.evaluator import EvalContext, Evaluator
from ganbench.evaluate.inception_fidelity import as_rgb, checked_weights
from ganbench.errors import EvaluationError


def build_backbone(model: str, weights: Path) -> torch.nn.Module:
    """A timm model with its classifier removed, loaded from ``weights``; one sentence when either fails."""
    import timm
    try:
        network = timm.create_model(model, pretrained=False, num_classes=0)
    except Exception as error:  # timm raises RuntimeError for an unknown name
        raise EvaluationError(f"timm has no model {model!r} ({' '.join(str(error).split())[:120]}).") from None
    state = torch.load(weights, map_location="cpu", weights_only=True)
    state = state.get("state_dict", state.get("model", state))
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
        def __init__(self, name, features_list, feature_extractor_weights_path=None, image_size=0, **kwargs):
            super().__init__(name, features_list)
            self.network = build_backbone(model, Path(feature_extractor_weights_path))
            config = self.network.pretrained_cfg
            self.size = image_size or config.get("input_size", (3, 224, 224))[-1]
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
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", antialias=True, align_corners=False)
            return (self.network((x - self.mean) / self.std).float(),)

    return TimmFeatureExtractor


@dataclasses.dataclass(frozen=True)
class TimmOptions:
    model: str = "vit_small_patch14_dinov2.lvd142m"  # any timm model name
    weights: str = ""  # path to its weights file (required: the hub is never asked)
    image_size: int = 0  # side fed to the backbone; 0: its default input size
    samples: int = 0  # generated images; 0: the run's eval_samples
    real_samples: int = 0  # real reference images; 0: all of the run's data

    def __post_init__(self) -> None:
        for name in ("image_size", "samples", "real_samples"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 (the default) or positive, got {getattr(self, name)}.")


class TimmFidelity(Evaluator):
    """FID, KID and precision/recall in a timm backbone's pooled features."""

    name = "timm-fid"
    description = "FID, KID, precision/recall (torch-fidelity) in any timm backbone's features, weights from a file."
    Options = TimmOptions
    directions = {"timm_fid": "lower", "timm_kid": "lower", "timm_precision": "higher", "timm_recall": "higher"}
    headline = "timm_fid"

    def applies_to(self, spec: DataSpec, dataset: str) -> bool:
        return False  # needs a weights file: asked for by name

    def weights(self) -> Path:
        if not self.options.weights:
            raise EvaluationError(f"evaluator 'timm-fid' needs the weights of {self.options.model!r} as a local "
                                  f"file: give --eval-opt timm-fid.weights=PATH (the hub is never asked).")
        path = Path(self.options.weights).expanduser()
        if not path.is_file():
            raise EvaluationError(f"the weights file {str(path)!r} of evaluator 'timm-fid' does not exist.")
        return path

    def check(self, spec: DataSpec, dataset: str) -> None:
        if spec.kind != "image":
            raise EvaluationError(f"evaluator 'timm-fid' measures images, and dataset {dataset!r} is vectors.")
        weights = self.weights()
        checked_weights(weights)  # refuses a file that needs unpickling, before timm sees it
        build_backbone(self.options.model, weights)

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        self.check(ctx.spec, ctx.dataset)
        weights = self.weights()
        self.weights_sha256 = checked_weights(weights)
        real = as_rgb(ctx.real_uint8(self.options.real_samples or None)[0].cpu())
        generated = as_rgb(ctx.sample_uint8(self.options.samples or ctx.num_samples)[0].cpu())
        self.counts = (generated.shape[0], real.shape[0])
        extractor = f"ganbench-timm-{self.options.model}-{self.weights_sha256[:12]}-{self.options.image_size}"
        fidelity.register_extractor(extractor, extractor_class(self.options.model))
        reference = fidelity.reference_cache_name(ctx.dataset, "all", real, self.weights_sha256)
        figures = fidelity.calculate(extractor, generated, real, reference, ctx.device,
                                     feature_extractor_weights_path=str(weights), image_size=self.options.image_size)
        return {f"timm_{key}": value for key, value in figures.items() if f"timm_{key}" in self.directions}

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        generated, real = getattr(self, "counts", (self.options.samples or ctx.num_samples, 0))
        size = f"{self.options.image_size} px" if self.options.image_size else "the backbone's default input size"
        return fidelity.protocol(f"timm {self.options.model} (pooled features)", getattr(self, "weights_sha256", ""),
                                 generated, real, f"{ctx.dataset}: the run's data", f"{size}, bilinear antialiased",
                                 ctx.seed)
