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
