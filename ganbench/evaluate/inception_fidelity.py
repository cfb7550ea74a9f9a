"""FID, KID, Inception Score and precision/recall with torch-fidelity's Inception-v3: the
standard protocol of the GAN literature, for comparing with published figures.

FID: Heusel et al. (2017); KID: Binkowski et al. (2018); Inception Score: Salimans et al. (2016);
precision/recall: Kynkaanniemi et al. (2019). torch-fidelity's ``inception-v3-compat`` network
reproduces the TensorFlow original, resizing every image to 299 px with its TF1-compatible
bilinear filter; ganbench feeds it uint8 images (grayscale repeated to three channels).

The weights (about 92 MB) are never downloaded during a run: they come from the path in the
``weights`` option, from ``$GANBENCH_INCEPTION_WEIGHTS``, or from the torch hub cache where
torch-fidelity itself keeps them. Without them the evaluator says which file to put where.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path
from typing import Any

import torch

from ganbench.data.spec import DataSpec
from ganbench.evaluate import fidelity
from ganbench.contracts.evaluator import EvalContext, Evaluator
from ganbench.errors import EvaluationError

WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = f"https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/{WEIGHTS_FILE}"
WEIGHTS_ENV = "GANBENCH_INCEPTION_WEIGHTS"
EXTRACTOR = "inception-v3-compat"


def hub_weights_path() -> Path:
    """Where torch.hub (and so torch-fidelity) keeps the downloaded weights."""
    return Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE


def find_weights(option: str = "") -> Path:
    """The Inception weights file: the option, then the environment variable, then the hub cache."""
    for given, where in ((option, "the weights option"), (os.environ.get(WEIGHTS_ENV, ""), f"${WEIGHTS_ENV}")):
        if given:
            path = Path(given).expanduser()
            if not path.is_file():
                raise EvaluationError(f"the Inception weights file {str(path)!r} given by {where} does not exist.")
            return path
    cached = hub_weights_path()
    if cached.is_file():
        return cached
    raise EvaluationError(
        f"the Inception-v3 weights are not on this machine: download {WEIGHTS_FILE} from {WEIGHTS_URL} into "
        f"{cached.parent}/, or give its path with --eval-opt fid.weights=PATH or ${WEIGHTS_ENV}.")


def checked_weights(path: Path) -> str:
    """sha256 of a weights file that loads as plain tensors; anything that needs unpickling is refused."""
    import pickle

    from ganbench.safe_load import load_without_code, refusal_reason, written_by_torch_save
    if not written_by_torch_save(path):
        raise EvaluationError(f"refusing {str(path)!r}: it is not a plain PyTorch state dict (not a file "
                              f"torch.save wrote).")
    try:
        state = load_without_code(path)
    except pickle.UnpicklingError as error:
        raise EvaluationError(f"refusing {str(path)!r}: it is not a plain PyTorch state dict, and loading it "
                              f"could run code ({refusal_reason(error)}).") from None
    except Exception as error:  # truncated, or not a file torch.save wrote
        reason = shortened(" ".join(str(error).split()) or type(error).__name__, 160) \
            if isinstance(error, (RuntimeError, OSError, EOFError, ValueError)) else "not a file torch.save wrote"
        raise EvaluationError(f"refusing {str(path)!r}: it is not a plain PyTorch state dict ({reason}).") from None
    if not isinstance(state, dict):
        raise EvaluationError(f"refusing {str(path)!r}: it holds a {type(state).__name__}, not a state dict.")
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def shortened(text: str, limit: int) -> str:
    """``text`` cut at a word boundary within ``limit`` characters, marked with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" .,;:") + "…"


def as_rgb(images: torch.Tensor) -> torch.Tensor:
    """Grayscale repeated to three channels; three-channel images unchanged."""
    if images.shape[1] == 1:
        return images.expand(-1, 3, -1, -1).contiguous()
    if images.shape[1] != 3:
        raise EvaluationError(f"Inception takes 1- or 3-channel images, got {images.shape[1]} channels.")
    return images


@dataclasses.dataclass(frozen=True)
class InceptionOptions:
    weights: str = ""  # path to the weights file; empty: $GANBENCH_INCEPTION_WEIGHTS, then the hub cache
    samples: int = 0  # generated images; 0: the run's eval_samples (the literature uses 50,000)
    real_samples: int = 0  # real reference images; 0: all of the run's data
    inception_score: bool = True
    precision_recall: bool = True

    def __post_init__(self) -> None:
        for name in ("samples", "real_samples"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 (the default count) or positive, got {getattr(self, name)}.")


class InceptionFidelity(Evaluator):
    """FID, KID, IS and precision/recall in torch-fidelity's Inception-v3 feature space."""

    name = "fid"
    description = ("FID, KID, Inception Score, precision/recall with torch-fidelity's Inception-v3 "
                   "(weights from a local file; opt in with --evaluator fid).")
    Options = InceptionOptions
    directions = {"fid": "lower", "kid": "lower", "inception_score": "higher", "precision": "higher",
                  "recall": "higher"}
    headline = "fid"
    RENAMES = {"fid": "fid", "kid": "kid", "is": "inception_score", "precision": "precision", "recall": "recall"}

    def applies_to(self, spec: DataSpec, dataset: str) -> bool:
        return False  # needs weights and minutes of CPU: asked for by name

    checked: tuple[Path, str] | None = None  # (weights file, its sha256) once checked

    def check(self, spec: DataSpec, dataset: str) -> None:
        if spec.kind != "image":
            raise EvaluationError(f"evaluator 'fid' measures images, and dataset {dataset!r} is vectors.")
        self.checked_weights()

    def checked_weights(self) -> tuple[Path, str]:
        """The weights file and its sha256, loaded once as plain tensors (refused otherwise)."""
        path = find_weights(self.options.weights)
        if self.checked is None or self.checked[0] != path:
            self.checked = (path, checked_weights(path))
        return self.checked

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        self.check(ctx.spec, ctx.dataset)
        weights, self.weights_sha256 = self.checked_weights()
        real = as_rgb(ctx.real_uint8(self.options.real_samples or None)[0].cpu())
        generated = as_rgb(ctx.sample_uint8(self.options.samples or ctx.num_samples)[0].cpu())
        self.counts = (generated.shape[0], real.shape[0])
        reference = fidelity.reference_cache_name(ctx.dataset, "all", real, self.weights_sha256)
        figures = fidelity.calculate(EXTRACTOR, generated, real, reference, ctx.device, isc=self.options.inception_score,
                                     prc=self.options.precision_recall, feature_extractor_weights_path=str(weights))
        return {self.RENAMES[key]: value for key, value in figures.items() if key in self.RENAMES}

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        generated, real = getattr(self, "counts", (self.options.samples or ctx.num_samples, 0))
        return fidelity.protocol(
            f"torch-fidelity {EXTRACTOR} (pool3 2048-d; logits_unbiased for IS)", getattr(self, "weights_sha256", ""),
            generated, real, f"{ctx.dataset}: {ctx.reference_split()}", "299 px (TF1-compatible bilinear, torch-fidelity)",
            ctx.seed)
