"""keyturn's authorization server on a real uvicorn on 127.0.0.1 (in a thread), with registered
clients of every authentication method, a SQLite refresh store and a revocation list.

The client store records every write call, so a refused request can be shown to have written
nothing (no assertion jti spent, no client changed).
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

import keyturn as kt
from keyturn.asgi import jwks_endpoint
from keyturn.authserver import FailureLimiter, authorization_server
from keyturn.clients import ClientRegistry
from keyturn.stores.memory.clients import MemoryClientStore

AUDIENCE = "keyturn-api"
SCOPES = "orders:read orders:write"
API_A, API_B = "https://orders.internal", "https://billing.internal"


class RecordingClientStore(MemoryClientStore):
    """A memory client store that remembers which writes were asked of it."""

    WRITES = ("create", "set_enabled", "rotate_secret", "remember_jti")

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def __getattribute__(self, name: str) -> Any:
        attribute = super().__getattribute__(name)
        if name in RecordingClientStore.WRITES:

            def recorded(*args: Any, **kwargs: Any) -> Any:
                self.writes.append(name)
                return attribute(*args, **kwargs)

            return recorded
        return attribute


@dataclass
class Running:
    """One authorization server and everything behind it."""

    url: str
    ring: kt.Keyring
    issuer: kt.Issuer
    registry: ClientRegistry
    store: RecordingClientStore
    service: kt.TokenService
    revocations: kt.Revocations
    db: Path
    secrets: dict[str, str] = field(default_factory=dict)
    assertion_key: kt.SigningKey | None = None

    @property
    def token_url(self) -> str:
        return self.url + "/oauth/token"

    def families(self) -> int:
        with sqlite3.connect(self.db) as connection:
            (count,) = connection.execute("SELECT COUNT(*) FROM keyturn_families").fetchone()
        return int(count)

    def revoked(self) -> int:
        with sqlite3.connect(self.db) as connection:
            (count,) = connection.execute("SELECT COUNT(*) FROM keyturn_revoked_jtis").fetchone()
        return int(count)


def serve(app: Any, sock: socket.socket) -> Iterator[None]:
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def bound_socket() -> tuple[socket.socket, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def limiter() -> FailureLimiter:
    return FailureLimiter()


@pytest.fixture
def auth(tmp_path: Path, limiter: FailureLimiter) -> Iterator[Running]:
    sock, url = bound_socket()
    ring = kt.Keyring.generate()
    issuer = kt.Issuer(ring, issuer=url, audience=AUDIENCE, ttl=300)
    store = RecordingClientStore()
    registry = ClientRegistry(store)
    db = tmp_path / "keyturn.db"
    backend = kt.open_backend(f"sqlite:///{db}")
    revocations = kt.Revocations(backend.revocations)
    service = kt.TokenService(issuer, store=backend.tokens)
    service.purge_expired()  # the tables exist from here on, so the counts can be read
    revocations.purge()
    running = Running(url, ring, issuer, registry, store, service, revocations, db)
    for method in ("client_secret_basic", "client_secret_post"):
        _, secret = registry.add(
            method, client_id=method, auth_method=method, scopes=SCOPES, audiences=[API_A, API_B]
        )
        assert secret is not None
        running.secrets[method] = secret
    running.assertion_key = kt.SigningKey.generate(alg="ES256")
    registry.add(
        "jwt",
        client_id="private_key_jwt",
        auth_method="private_key_jwt",
        scopes=SCOPES,
        audiences=[API_A],
        jwks={"keys": [running.assertion_key.public_key.to_jwk()]},
    )
    store.writes.clear()
    app = authorization_server(
        issuer,
        keys=ring,
        clients=registry,
        families=service,
        revocations=revocations,
        limiter=limiter,
        app=jwks_endpoint(ring),
    )
    for _ in serve(app, sock):
        yield running
    backend.close()
