"""Reading PyTorch files that cannot run code: checkpoints, weights and cached features.

Every ``.pt`` file ganbench reads goes through ``torch.load(weights_only=True)``, so a file someone
shared cannot run code when it is opened. Two things of torch's are kept from the user: the
UserWarning its unpickler prints for a pickle protocol it did not write (two lines before
ganbench's own sentence), and the advice in its refusal to re-run with ``weights_only=False``,
which is exactly what a file that needs it must not get.
"""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Any

import torch

TORCH_ADVICE_ENDS = "Check the documentation"  # what follows the reason in torch's refusal


def load_without_code(path: Path | str) -> Any:
    """``torch.load`` on the CPU with only tensors and plain containers allowed; torch's warnings about
    the file's pickle protocol are silenced (the caller says what is wrong with the file, once)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return torch.load(path, map_location="cpu", weights_only=True)


def written_by_torch_save(path: Path | str) -> bool:
    """Whether the file starts as torch.save writes: a zip archive, or (before PyTorch 1.6) a pickle of
    protocol 2 or later. An empty file passes: it is a truncated one, and loading it says so. A text
    file would otherwise reach the unpickler and be refused as unsafe, which it is not."""
    with open(path, "rb") as handle:
        start = handle.read(2)
    return not start or start == b"PK" or start[:1] == b"\x80"


def refusal_reason(error: pickle.UnpicklingError) -> str:
    """What torch's weights-only unpickler objected to ("Unsupported global: GLOBAL os.system"), as whole
    words, without its advice to load the file with arbitrary unpickling."""
    text = str(error)
    _, marker, detail = text.partition("WeightsUnpickler error:")
    if not marker:
        return "it holds objects other than tensors"
    reason = " ".join(detail.split(TORCH_ADVICE_ENDS)[0].split()).rstrip(".")
    return reason or "it holds objects other than tensors"
