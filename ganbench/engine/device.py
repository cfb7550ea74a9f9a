"""Device choice and mixed precision."""

from __future__ import annotations

import contextlib

import torch

from ganbench.errors import ConfigError

PRECISIONS = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(name: str) -> torch.device:
    """``auto`` picks CUDA, then MPS, then the CPU; an explicit device must exist."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise ConfigError(f"unknown device {name!r}; use auto, cpu, cuda, cuda:N or mps.") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r} was asked for, but no CUDA GPU is available; use --device auto or cpu.")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ConfigError(f"device {name!r} does not exist: this machine has {torch.cuda.device_count()} GPU(s).")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError("device 'mps' was asked for, but MPS is not available here.")
    return device


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """Autocast for bf16/fp16, a no-op for fp32."""
    dtype = PRECISIONS[precision]
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "cpu":
        import platform
        return platform.processor() or platform.machine()
    return device.type
