"""Which device trains: the local GPU when there is one, the CPU otherwise.

`describe_device()` needs no torch (pages call it at load); `training_device()` imports torch
and also answers whether bf16 autocast is supported, checked at run time.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import subprocess
from dataclasses import asdict, dataclass


@dataclass
class DeviceInfo:
    kind: str              # "cuda", "mps" or "cpu"
    name: str              # GPU or CPU model name
    memory_gb: float       # GPU memory, or the machine's RAM for the CPU
    cores: int
    bf16: bool | None      # None when not checked (describe_device does not import torch)

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.memory_gb:.0f} GB)"


@functools.lru_cache(maxsize=1)
def describe_device() -> DeviceInfo:
    """A cheap look at the device (nvidia-smi or /proc), without importing torch."""
    gpu = _nvidia_gpu()
    if gpu:
        return DeviceInfo("cuda", gpu[0], gpu[1], os.cpu_count() or 1, None)
    return DeviceInfo("cpu", _cpu_name(), _ram_gb(), os.cpu_count() or 1, None)


def training_device() -> DeviceInfo:
    """The device torch will train on, with bf16 support checked for real."""
    import torch

    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        return DeviceInfo("cuda", props.name, props.total_memory / 2**30, os.cpu_count() or 1,
                          torch.cuda.is_bf16_supported())
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return DeviceInfo("mps", "Apple GPU", _ram_gb(), os.cpu_count() or 1, False)
    return DeviceInfo("cpu", _cpu_name(), _ram_gb(), os.cpu_count() or 1, cpu_has_native_bf16())


def list_devices(measure: bool = False) -> list[dict]:
    """Every GPU (id, name, total and free memory in GB), then the CPU: what a run may train on.

    Without `measure` it asks nvidia-smi (no torch import, fast enough for a page); with it, torch's
    own count and `torch.cuda.mem_get_info` when CUDA is there (the command line's `devices`).
    """
    gpus = _torch_gpus() if measure else None
    if gpus is None:
        gpus = _nvidia_gpus()
    cpu = {"id": "cpu", "name": _cpu_name(), "memory_gb": round(_ram_gb(), 1), "cores": os.cpu_count() or 1}
    return [*gpus, cpu]


def free_gpus(devices: list[dict], min_free_share: float = 0.5) -> list[str]:
    """GPUs with at least half their memory free: the default for a new run (another job holds the rest)."""
    return [d["id"] for d in devices if d["id"].startswith("cuda:")
            and d.get("free_gb", 0) >= min_free_share * d.get("memory_gb", 0)]


def _torch_gpus() -> list[dict] | None:
    os.environ.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")  # nvidia-smi's numbering, which the launcher pins by
    try:
        import torch

        if not torch.cuda.is_available():
            return []
        found = []
        for i in range(torch.cuda.device_count()):
            free, total = torch.cuda.mem_get_info(i)
            found.append({"id": f"cuda:{i}", "name": torch.cuda.get_device_name(i),
                          "memory_gb": round(total / 2**30, 1), "free_gb": round(free / 2**30, 1)})
        return found
    except Exception:  # a broken driver: fall back to nvidia-smi's view
        return None


def _nvidia_gpus() -> list[dict]:
    if not shutil.which("nvidia-smi"):
        return []
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=index,name,memory.total,memory.free",
                              "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=5,
                             check=True).stdout.strip().splitlines()
        rows = [line.rsplit(",", 2) for line in out if line.strip()]
        return [{"id": f"cuda:{head.split(',', 1)[0].strip()}", "name": head.split(",", 1)[1].strip(),
                 "memory_gb": round(float(total) / 1024, 1), "free_gb": round(float(free) / 1024, 1)}
                for head, total, free in rows]
    except (subprocess.SubprocessError, OSError, ValueError, IndexError):
        return []


def cpu_has_native_bf16() -> bool:
    """True when the CPU computes bf16 in hardware (AVX512-BF16 or AMX); emulated bf16 is slower than fp32."""
    try:
        import torch

        if not torch.backends.mkldnn.is_available():
            return False
        flags = _cpu_flags()
        return bool({"avx512_bf16", "amx_bf16"} & flags)
    except Exception:  # an odd platform: fp32 is always safe
        return False


def _nvidia_gpu() -> tuple[str, float] | None:
    if not shutil.which("nvidia-smi"):
        return None
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=5, check=True).stdout.strip().splitlines()
        name, mem = out[0].rsplit(",", 1)
        return name.strip(), float(mem) / 1024
    except (subprocess.SubprocessError, OSError, ValueError, IndexError):
        return None


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "CPU"


def _ram_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return 0.0
