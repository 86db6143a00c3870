"""Real OpenID Providers from PyPI, each started as its own process on 127.0.0.1 and a free
port: the ``nanoidp`` fixture (once per test session; loaded as a plugin by tests/conftest.py)
for tests/oidc and tests/browser, and ``provider_process`` for any other provider command."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

STARTUP_SECONDS = 90  # a loaded 2-core machine imports Flask slowly


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_discovery(process: subprocess.Popen[bytes], issuer: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"provider exited: {log.read_text(errors='replace')[-2000:]}")
        url = issuer + "/.well-known/openid-configuration"
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2):
            return
        time.sleep(0.2)
    raise RuntimeError(f"provider not up in {STARTUP_SECONDS}s: {log.read_text()[-2000:]}")


@contextlib.contextmanager
def provider_process(command: list[str], issuer: str, directory: Path) -> Iterator[None]:
    log = directory / "provider.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=directory)
    try:
        _wait_for_discovery(process, issuer, log)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- nanoidp --------------------------------------------------------------------------------------

NANO_USER, NANO_PASSWORD = "alice", "alice-password-1"
NANO_BASIC = ("basic-client", "basic-secret-0123456789abcdef")
NANO_POST = ("post-client", "post-secret-0123456789abcdef")
NANO_PUBLIC = "public-client"

_NANO_SETTINGS = """\
config_version: 1
server:
  host: "127.0.0.1"
  port: {port}
oauth:
  issuer: "{issuer}"
  audience: "keyturn-tests"
  token_expiry_minutes: 60
  require_pkce: true
  clients:
    - client_id: "{basic[0]}"
      client_secret: "{basic[1]}"
    - client_id: "{post[0]}"
      client_secret: "{post[1]}"
      token_endpoint_auth_method: "client_secret_post"
    - client_id: "{public}"
      token_endpoint_auth_method: "none"
"""
_NANO_USERS = f"""\
config_version: 1
users:
  {NANO_USER}:
    password: "{NANO_PASSWORD}"
    email: "alice@example.org"
"""


@dataclass(frozen=True)
class Provider:
    issuer: str


@pytest.fixture(scope="session")
def nanoidp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    directory = tmp_path_factory.mktemp("nanoidp")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"  # nanoidp's issuer must name the port it listens on
    settings = _NANO_SETTINGS.format(
        port=port, issuer=issuer, basic=NANO_BASIC, post=NANO_POST, public=NANO_PUBLIC
    )
    (directory / "settings.yaml").write_text(settings)
    (directory / "users.yaml").write_text(_NANO_USERS)
    (directory / "keys").mkdir()
    command = [sys.executable, "-m", "nanoidp", "--config", str(directory)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with provider_process(command, issuer, directory):
        yield Provider(issuer)
