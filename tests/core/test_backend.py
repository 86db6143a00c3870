"""The Ed25519 backend the built extension runs on: .cargo/config.toml builds x86-64 with the
AVX-512 IFMA backend, chosen at run time, falling back to AVX2 and then to serial code."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from keyturn import _core


def _cpu_flags() -> set[str]:
    """The kernel's view of the CPU, independent of the detection inside the extension."""
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        pytest.skip("no /proc/cpuinfo: the CPU's features cannot be read independently here")
    for line in cpuinfo.read_text().splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    pytest.skip("/proc/cpuinfo lists no flags")


def test_backend_is_one_of_the_three() -> None:
    assert _core.ed25519_backend() in {"avx512ifma", "avx2", "serial"}


@pytest.mark.skipif(platform.machine() not in {"x86_64", "AMD64"}, reason="x86-64 only")
def test_a_cpu_with_ifma_selects_the_avx512_backend() -> None:
    flags = _cpu_flags()
    if {"avx512ifma", "avx512vl"} <= flags:
        expected = "avx512ifma"
    elif "avx2" in flags:
        expected = "avx2"
    else:
        expected = "serial"
    assert _core.ed25519_backend() == expected


@pytest.mark.skipif(platform.machine() in {"x86_64", "AMD64"}, reason="the x86-64 test covers it")
def test_other_architectures_run_the_serial_backend() -> None:
    assert _core.ed25519_backend() == "serial"
