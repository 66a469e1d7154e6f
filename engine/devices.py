"""Choosing the compute device: auto means CUDA, then MPS, then CPU."""

from __future__ import annotations

import torch

from engine.errors import DeviceError


def device_availability() -> dict[str, tuple[bool, str]]:
    """Each device name → (usable, reason shown when it is not)."""
    cuda = torch.cuda.is_available()
    mps_backend = getattr(torch.backends, "mps", None)
    mps = bool(mps_backend and mps_backend.is_available())
    return {
        "auto": (True, ""),
        "cpu": (True, ""),
        "cuda": (cuda, "" if cuda else "no CUDA GPU found (or this PyTorch build has no CUDA support)"),
        "mps": (mps, "" if mps else "Apple Metal (MPS) is only available on Apple-silicon Macs"),
    }


def resolve_device(name: str) -> torch.device:
    available = device_availability()
    if name == "auto":
        for candidate in ("cuda", "mps"):
            if available[candidate][0]:
                return torch.device(candidate)
        return torch.device("cpu")
    if name not in available:
        raise DeviceError(f'unknown device "{name}" (choose auto, cpu, cuda or mps)')
    usable, reason = available[name]
    if not usable:
        raise DeviceError(f"device {name} is not available: {reason}")
    return torch.device(name)
