"""TokenService(revocations=...): logout_all kills the user's access tokens at once, not only
their refresh tokens (a watermark on the subject)."""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from keyturn.stores import open_async_backend

ISSUER = "https://auth.test"


@pytest.fixture
def issuer() -> kt.Issuer:
    return kt.Issuer(kt.Keyring.generate(), issuer=ISSUER, audience="api.test")


def _next_second() -> None:
    # iat has whole seconds: a login in the watermark's own second is refused too (by design).
    now = time.time()
    time.sleep(math.ceil(now) - now + 0.01)


def test_logout_all_revokes_the_access_tokens(issuer: kt.Issuer, tmp_path: Path) -> None:
    revocations = kt.Revocations(kt.SQLiteRevocationStore(tmp_path / "revocations.db"))
    service = kt.TokenService(
        issuer, kt.SQLiteStore(tmp_path / "keyturn.db"), revocations=revocations
    )
    verifier = issuer.verifier(revocations=revocations)
    phone, laptop = service.issue_pair("user-1", "phone"), service.issue_pair("user-1", "laptop")
    other = service.issue_pair("user-2", "phone")
    assert verifier.verify(phone.access)["sub"] == "user-1"
    assert service.logout_all("user-1") == 2
    for access in (phone.access, laptop.access):
        with pytest.raises(kt.TokenRevoked) as caught:
            verifier.verify(access)
        assert caught.value.code == "token_revoked"
    assert verifier.verify(other.access)["sub"] == "user-2"
    _next_second()
    fresh = service.issue_pair("user-1", "phone")
    assert verifier.verify(fresh.access)["sub"] == "user-1"
    service.close()


def test_async_logout_all_revokes_the_access_tokens(issuer: kt.Issuer) -> None:
    revocations = kt.Revocations(kt.MemoryRevocationStore())
    verifier = issuer.verifier(revocations=revocations)

    async def scenario() -> str:
        service = kt.AsyncTokenService(issuer, kt.MemoryStore(), revocations=revocations)
        pair = await service.issue_pair("user-1", "phone")
        await verifier.averify(pair.access)
        await service.logout_all("user-1")
        return pair.access

    access = asyncio.run(scenario())
    with pytest.raises(kt.TokenRevoked) as caught:
        asyncio.run(verifier.averify(access))
    assert caught.value.code == "token_revoked"


def test_without_revocations_access_tokens_live_until_they_expire(
    issuer: kt.Issuer, tmp_path: Path
) -> None:
    service = kt.TokenService(issuer, kt.MemoryStore())
    pair = service.issue_pair("user-1", "phone")
    service.logout_all("user-1")
    assert issuer.verifier().verify(pair.access)["sub"] == "user-1"


@pytest.mark.redis
def test_async_logout_all_on_an_async_revocation_store(issuer: kt.Issuer, redis_url: str) -> None:
    """AsyncTokenService and the refresh endpoints' logout-all await a native async store (its
    plain methods refuse: an event loop's client cannot be driven from a worker thread)."""

    async def scenario() -> None:
        async with open_async_backend(redis_url) as backend:
            revocations = kt.Revocations(backend.revocations)
            verifier = issuer.verifier(revocations=revocations)
            service = kt.AsyncTokenService(issuer, backend.tokens, revocations=revocations)
            pair = await service.issue_pair("user-1", "phone")
            await verifier.averify(pair.access)
            assert await service.logout_all("user-1") == 1
            with pytest.raises(kt.TokenRevoked) as caught:
                await verifier.averify(pair.access)
            assert caught.value.code == "token_revoked"

            _next_second()
            again = await service.issue_pair("user-2", "phone")
            app = kt.refresh_endpoints(service, verifier=verifier, revocations=revocations)
            bearer = [(b"authorization", f"Bearer {again.access}".encode())]
            assert (await _post(app, "/auth/logout-all", bearer))["status"] == 200
            with pytest.raises(kt.TokenRevoked):
                await verifier.averify(again.access)

    asyncio.run(scenario())


async def _post(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    """One ASGI POST; the response's start message."""
    scope = {"type": "http", "method": "POST", "path": path, "scheme": "http", "headers": headers}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]
