"""``keyturn serve`` as users run it: the installed console script in a subprocess, on loopback."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from support.providers import free_port

KEYTURN = Path(sys.executable).with_name("keyturn")
STARTUP_SECONDS = 60  # a loaded 2-core machine imports uvicorn (and discovers a provider) slowly


@contextlib.contextmanager
def serving(directory: Path, *options: str, port: int | None = None) -> Iterator[str]:
    """``keyturn serve --port PORT --log-level warning OPTIONS`` in ``directory`` (where its
    keyring is); yields the base URL once the JWKS answers, and stops the server afterwards.
    ``port``: one the caller already named in ``options`` (``--issuer``), else a free one."""
    port = port or free_port()
    process = subprocess.Popen(
        [str(KEYTURN), "serve", "--port", str(port), "--log-level", "warning", *options],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                httpx.get(f"{base_url}/.well-known/jwks.json", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "keyturn serve did not start"
                time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)
