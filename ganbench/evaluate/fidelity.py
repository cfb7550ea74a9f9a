"""The one door to torch-fidelity: every FID, KID, Inception Score and precision/recall in
ganbench is computed by ``torch_fidelity.calculate_metrics``; ganbench only feeds it.

Both sides are fed the same way: uint8 images quantised by ``evaluator.quantize`` from the
same float range, wrapped in a Dataset that returns tensors. The real side carries a cache
name built from the dataset, its split, the resolution, a hash of the exact images and the hash
of the feature extractor's weights, so its features are cached per data and per network that made
them: a retrained or replaced extractor misses the cache instead of reusing another network's
features. The generated side is never cached.

A cache is an input too. torch-fidelity reads its own cache with full unpickling, so a file planted
in a cache folder would run code, and a truncated one would break every evaluation. ganbench
therefore keeps the cache itself, under ``$GANBENCH_CACHE/fidelity-features``: plain tensors, each
with the SHA-256 of its bytes beside it, loaded with ``weights_only=True`` only once the hash
matches. A file that does not verify is deleted and recomputed, with a warning. torch-fidelity is
only ever pointed at a fresh private folder holding what ganbench staged there from verified files.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import io
import logging
import tempfile
from pathlib import Path
from typing import Any, Iterator

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
        input1_cache_name=None, samples_shuffle=False, prc_neighborhood=PRC_NEIGHBORHOOD, **extra)
    cached_name = real_cache_name if binary else None
    if binary:
        kwargs.update(input2=UInt8Images(real), input2_cache_name=cached_name,
                      kid_subset_size=min(KID_SUBSET_SIZE, generated.shape[0], real.shape[0]))
    with staged_cache(cached_name) as staging, contextlib.redirect_stdout(io.StringIO()):  # it prints progress
        raw = torch_fidelity.calculate_metrics(**kwargs, cache=cached_name is not None, cache_root=str(staging))
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


# The verified feature cache ------------------------------------------------------------------------------

def feature_store() -> Path:
    return cache_root() / "fidelity-features"


@contextlib.contextmanager
def staged_cache(cache_name: str | None) -> Iterator[Path]:
    """A private folder for torch-fidelity's cache: the verified features of ``cache_name`` are staged
    in it before the call, and what torch-fidelity computed is kept, verified, after it."""
    with tempfile.TemporaryDirectory(prefix="ganbench-fidelity-") as folder:
        staging = Path(folder)
        verified = stage_verified_features(cache_name, staging) if cache_name else set()
        yield staging
        if cache_name:
            for path in staging.glob(f"{glob.escape(cache_name)}-*-features-*.pt"):
                if path.name not in verified:
                    keep_features(path, feature_store() / path.name)


def stage_verified_features(cache_name: str, staging: Path) -> set[str]:
    """Copy each cached feature file of ``cache_name`` that verifies into ``staging``; the names copied."""
    staged = set()
    for path in sorted(feature_store().glob(f"{glob.escape(cache_name)}-*-features-*.pt")):
        features = load_verified_features(path)
        if features is not None:
            torch.save(features, staging / path.name)
            staged.add(path.name)
    return staged


def load_verified_features(path: Path) -> torch.Tensor | None:
    """The tensor in ``path`` if its hash matches the one ganbench wrote beside it; otherwise the file
    is deleted, a warning says so, and None asks for the features to be computed again."""
    digest_path = path.with_name(path.name + ".sha256")
    try:
        expected = digest_path.read_text(encoding="utf-8").strip()
        if file_sha256(path) != expected:
            return _discard(path, "its content does not match its hash")
        features = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        return _discard(path, "it has no hash beside it, so ganbench did not write it")
    except Exception as error:  # a file that verified but still does not load: same remedy
        return _discard(path, f"it does not load ({type(error).__name__})")
    if not isinstance(features, torch.Tensor):
        return _discard(path, "it holds no tensor")
    return features


def keep_features(staged: Path, target: Path) -> None:
    """Store features torch-fidelity just computed in our private folder: the tensor, then its hash."""
    from ganbench.atomic import write_text, write_with
    features = torch.load(staged, map_location="cpu", weights_only=True)
    write_with(target, lambda temporary: torch.save(features, temporary))
    # The hash goes last: a crash between the two leaves a file without a hash, which is recomputed.
    write_text(target.with_name(target.name + ".sha256"), file_sha256(target) + "\n")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _discard(path: Path, reason: str) -> None:
    logging.getLogger("ganbench").warning(f"the cached features {path} do not verify ({reason}); "
                                          f"recomputing them.")
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".sha256").unlink(missing_ok=True)
    return None
