"""End to end over real HTTP on loopback: a Keyring publishes its JWKS, a Verifier on a
RemoteJWKS follows rotations (through the unknown-kid refresh) and revocations."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import keyturn as kt

from .tokens_support import AUD, ISS, expect


@pytest.fixture
def published(ring) -> Iterator[str]:
    """Serves ``ring.jwks()`` at the returned URL, as the ASGI endpoint would."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(ring.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()
    thread.join()


def test_remote_verifier_follows_rotation_and_revocation(ring, published):
    issuer = kt.Issuer(ring, issuer=ISS, audience=AUD)
    verifier = kt.Verifier(kt.RemoteJWKS(published, cooldown=0), issuer=ISS, audience=AUD)
    first = issuer.issue("user-1")
    assert verifier.verify(first)["sub"] == "user-1"

    ring.rotate()
    ring.rotate()  # the signer now is a key the cached set has never seen
    second = issuer.issue("user-2")
    assert verifier.verify(second)["sub"] == "user-2"
    assert [r["sub"] for r in verifier.verify_many([first, second])] == ["user-1", "user-2"]

    ring.revoke(ring.current.kid)
    # The replacement signer was published as next: the cached set already knows it.
    assert asyncio.run(verifier.averify(issuer.issue("user-3")))["sub"] == "user-3"
    # A revocation reaches a cache at its next fetch (ring.max_age_hint() bounds the wait);
    # here an unseen signer forces that fetch, and the revoked key is gone with it.
    ring.rotate()
    ring.rotate()
    assert verifier.verify(issuer.issue("user-4"))["sub"] == "user-4"
    expect(kt.UnknownKey, verifier.verify, second)
