"""The one door to torch-fidelity: every FID, KID, Inception Score and precision/recall in
ganbench is computed by ``torch_fidelity.calculate_metrics``; ganbench only feeds it.

Both sides are fed the same way: uint8 images quantised by ``evaluator.quantize`` from the
same float range, wrapped in a Dataset that returns tensors. The real side carries a cache
name built from the dataset, its split, the resolution, a hash of the exact images and the hash
of the feature extractor's weights, so torch-fidelity keeps its reference statistics under
``$GANBENCH_CACHE/fidelity`` per data and per network that made them: a retrained or replaced
extractor misses the cache instead of reusing another network's statistics. The generated side
is never cached.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from typing import Any

import torch

from ganbench.evaluate.domain_classifier import cache_root

# torch-fidelity's result keys, and the names ganbench records them under (after a prefix).
METRIC_NAMES = {
    "frechet_inception_distance": "fid",
    "kernel_inception_distance_mean": "kid",
    "kernel_inception_distance_std": "kid_std",
    "inception_score_mean": "is",
    "inception_score_std": "is_std",
    "precision": "precision",
    "recall": "recall",
    "f_score": "f_score",
}
DIRECTIONS = {"fid": "lower", "kid": "lower", "kid_std": "lower", "is": "higher", "is_std": "lower",
              "precision": "higher", "recall": "higher", "f_score": "higher"}
KID_SUBSET_SIZE = 1000  # torch-fidelity's default; smaller sample sets use all they have
PRC_NEIGHBORHOOD = 3  # k of the k-NN manifolds (Kynkaanniemi et al. 2019)


class UInt8Images(torch.utils.data.Dataset):
    """A uint8 image batch (N, C, H, W) as the Dataset torch-fidelity reads."""

    def __init__(self, images: torch.Tensor) -> None:
        if images.dtype != torch.uint8 or images.dim() != 4:
            raise TypeError(f"torch-fidelity inputs are uint8 (N, C, H, W), got {images.dtype} {tuple(images.shape)}")
        self.images = images.detach().cpu().contiguous()

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.images[index]


def register_extractor(name: str, cls: type) -> None:
    """Register a feature extractor class with torch-fidelity once per process."""
    from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY, register_feature_extractor
    if FEATURE_EXTRACTORS_REGISTRY.get(name) is not cls:
        FEATURE_EXTRACTORS_REGISTRY.pop(name, None)
        register_feature_extractor(name, cls)


def images_sha256(images: torch.Tensor) -> str:
    digest = hashlib.sha256(str(tuple(images.shape)).encode())
    digest.update(images.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


STATISTICS_PROTOCOL = 2  # bump when what the cached features mean changes (quantisation, layers)


def reference_cache_name(dataset: str, split: str, images: torch.Tensor, extractor_weights_sha256: str) -> str:
    """Cache name of the real side: dataset, split, resolution, a hash of the images and the hash
    of the weights of the network that extracts their features."""
    if not extractor_weights_sha256:
        raise ValueError("reference statistics need the feature extractor's weights hash to be cached safely")
    return (f"ganbench-{dataset}-{split}-{images.shape[-1]}px-{images_sha256(images)[:16]}"
            f"-w{extractor_weights_sha256[:16]}-p{STATISTICS_PROTOCOL}")


def calculate(extractor: str, generated: torch.Tensor, real: torch.Tensor | None, real_cache_name: str | None,
              device: torch.device, fid: bool = True, kid: bool = True, prc: bool = True, isc: bool = False,
              **extra: Any) -> dict[str, float]:
    """FID/KID/PR of ``generated`` against ``real`` (and IS of ``generated``) in ``extractor``'s feature
    space, named by METRIC_NAMES. Both are uint8 (N, C, H, W)."""
    import torch_fidelity

    binary = real is not None and (fid or kid or prc)
    kwargs: dict[str, Any] = dict(
        input1=UInt8Images(generated), feature_extractor=extractor, isc=isc, fid=fid and binary,
        kid=kid and binary, prc=prc and binary, cuda=device.type == "cuda", batch_size=250, verbose=False,
        save_cpu_ram=True,  # no DataLoader worker processes: the tensors are already in memory
        cache_root=str(cache_root() / "fidelity"), input1_cache_name=None, samples_shuffle=False,
        prc_neighborhood=PRC_NEIGHBORHOOD, **extra)
    if binary:
        kwargs.update(input2=UInt8Images(real), input2_cache_name=real_cache_name,
                      kid_subset_size=min(KID_SUBSET_SIZE, generated.shape[0], real.shape[0]))
    with contextlib.redirect_stdout(io.StringIO()):  # torch-fidelity prints progress to stdout
        raw = torch_fidelity.calculate_metrics(**kwargs)
    return {METRIC_NAMES[key]: float(value) for key, value in raw.items() if key in METRIC_NAMES}


def protocol(extractor: str, weights_sha256: str, generated: int, real: int, reference_split: str,
             image_size: str, seed: int) -> dict[str, Any]:
    """What every torch-fidelity figure records beside itself."""
    import torch_fidelity
    return {"library": f"torch-fidelity {torch_fidelity.__version__}", "feature_extractor": extractor,
            "weights_sha256": weights_sha256, "generated_samples": generated, "real_samples": real,
            "reference_split": reference_split, "image_size": image_size, "seed": seed,
            "quantisation": "round((x + 1) * 127.5) to uint8, the same for real and generated",
            "kid_subset_size": min(KID_SUBSET_SIZE, generated, real), "prc_neighborhood": PRC_NEIGHBORHOOD}
