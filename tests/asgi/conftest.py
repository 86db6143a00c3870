"""A real uvicorn server on 127.0.0.1 (in a thread) serving the keyturn ASGI pieces."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

import keyturn
from keyturn.asgi import BearerAuth, jwks_endpoint, refresh_endpoints

ISSUER = "https://auth.test"
AUDIENCE = "api.test"


async def echo_claims(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The protected app: answers with the claims BearerAuth put in the scope."""
    body = json.dumps(scope.get("state", {}).get("claims")).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def echo() -> Any:
    return echo_claims


@pytest.fixture
def ring() -> keyturn.Keyring:
    return keyturn.Keyring.generate()


@pytest.fixture
def issuer(ring: keyturn.Keyring) -> keyturn.Issuer:
    return keyturn.Issuer(ring, issuer=ISSUER, audience=AUDIENCE, ttl=600)


@pytest.fixture
def verifier(ring: keyturn.Keyring) -> keyturn.Verifier:
    return keyturn.Verifier(keys=ring, issuer=ISSUER, audience=AUDIENCE)


@pytest.fixture
def service(issuer: keyturn.Issuer, tmp_path: Path) -> Iterator[keyturn.TokenService]:
    service = keyturn.TokenService(issuer, store=keyturn.SQLiteStore(str(tmp_path / "kt.db")))
    yield service
    service.close()


@pytest.fixture
def app(ring: keyturn.Keyring, verifier: keyturn.Verifier, service: keyturn.TokenService) -> Any:
    protected = BearerAuth(echo_claims, verifier, public=["/public"])
    return refresh_endpoints(service, verifier=verifier, app=jwks_endpoint(ring, app=protected))


@pytest.fixture
def base_url(app: Any) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    # No cookie jar: every test states exactly which cookies a request carries.
    with httpx.Client(base_url=base_url, timeout=10) as client:
        yield client
