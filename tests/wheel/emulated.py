"""pytest plugin of scripts/qemu-arm64.sh (`-p emulated`): Hypothesis without its clock checks.

Under qemu-user every instruction is emulated, and the machine is shared, so Hypothesis's
per-example deadline and its "input generation is slow" health check measure the emulator, not
keyturn. They are turned off for that run only; every example still runs and every assertion holds.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile("emulated", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("emulated")
