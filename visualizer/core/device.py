"""Which torch device a lab runs on, and how to name it for the status bar.

torch is imported inside the functions, so the UI can import this module before torch.
"""

from __future__ import annotations

from visualizer.core.errors import ConfigError


def available_devices() -> list[str]:
    """"cpu" first, then each CUDA device ("cuda:0", ...) and "mps" where present."""
    import torch

    found = ["cpu"]
    if torch.cuda.is_available():
        found += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return found


def resolve_device(name: str = "cpu"):
    """A torch.device for "cpu", "cuda", "cuda:N", "mps" or "auto", or ConfigError saying why not."""
    import torch

    name = (name or "cpu").strip().lower()
    if name == "auto":
        devices = available_devices()
        name = devices[1] if len(devices) > 1 else "cpu"
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError("device", "CUDA was asked for, but no CUDA GPU is available here (this PyTorch build or driver has none)")
        try:
            dev = torch.device(name)
        except RuntimeError:
            raise ConfigError("device", f"not a device name: {name!r}") from None
        index = 0 if dev.index is None else dev.index
        if index >= torch.cuda.device_count():
            raise ConfigError("device", f"{name} does not exist; this machine has {torch.cuda.device_count()} CUDA device(s)")
        return torch.device("cuda", index)
    if name == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ConfigError("device", "MPS (Apple GPU) was asked for, but it is not available here")
        return torch.device("mps")
    raise ConfigError("device", f"unknown device {name!r}; use cpu, cuda, cuda:N, mps or auto")


def device_label(device) -> str:
    """What the status bar says: "CPU", or the GPU's own name."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} ({device})"
    if device.type == "mps":
        return "Apple GPU (mps)"
    return "CPU"


def limit_torch_threads(n: int) -> None:
    """Intra-op threads for torch in this process. One thread for a training worker on a small
    machine keeps the GUI responsive without slowing small models (measured: bench/ui_latency.py)."""
    import torch

    torch.set_num_threads(n)
