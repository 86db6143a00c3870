"""``open_backend`` / ``open_async_backend`` give a session store beside the token, revocation and
client stores, on the same database and the same pool or client, so one call wires a web app:
logout everywhere through the stores of one backend ends all three kinds of token."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from support import marked

RING = kt.Keyring.generate()
ISSUER, AUDIENCE = "https://auth.test", "api.test"


def _url(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if kind == "memory":
        return "memory://"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'keyturn.db'}"
    return str(request.getfixturevalue("postgres_dsn" if kind == "postgres" else "redis_url"))


@pytest.mark.parametrize("kind", marked("memory", "sqlite", "postgres", "redis"))
def test_one_backend_wires_sessions_tokens_and_revocations(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with kt.open_backend(_url(kind, request, tmp_path)) as backend:
        issuer = kt.Issuer(RING, issuer=ISSUER, audience=AUDIENCE)
        revocations = kt.Revocations(backend.revocations)
        tokens = kt.TokenService(issuer, backend.tokens)
        sessions = kt.SessionService(backend.sessions, tokens=tokens, revocations=revocations)
        verifier = kt.Verifier(RING, issuer=ISSUER, audience=AUDIENCE, revocations=revocations)
        started = sessions.start("user-1", device="laptop")
        minted = issuer.issue("user-1", sid=sessions.get(started.id).handle)
        pair = tokens.issue_pair("user-1", "laptop")
        verifier.verify(minted)

        done = sessions.logout_everywhere("user-1")

        assert (done.sessions, done.refresh_families) == (1, 1)
        for token in (minted, pair.access):
            with pytest.raises(kt.TokenRevoked):
                verifier.verify(token)
        with pytest.raises(kt.InvalidSession) as error:
            sessions.get(started.id)
        assert error.value.code == "session_invalid"


def test_the_sessions_of_a_sqlite_backend_are_in_its_one_file(tmp_path: Path) -> None:
    path = tmp_path / "keyturn.db"
    with kt.open_backend(path) as backend:
        assert isinstance(backend.sessions, kt.SQLiteSessionStore)
        kt.SessionService(backend.sessions).start("user-1")
    with sqlite3.connect(path) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM keyturn_sessions").fetchone()
    assert count == 1


@pytest.mark.parametrize("kind", marked("postgres", "redis"))
def test_server_backends_share_one_pool_or_client(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with kt.open_backend(_url(kind, request, tmp_path)) as backend:
        shared: Any = backend.tokens._db  # type: ignore[attr-defined]
        sessions: Any = backend.sessions._db  # type: ignore[attr-defined]
        assert (sessions.pool if kind == "postgres" else sessions.client) is (
            shared.pool if kind == "postgres" else shared.client
        )


@pytest.mark.parametrize("kind", marked("memory", "sqlite", "postgres", "redis"))
def test_the_async_backend_serves_async_sessions(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = _url(kind, request, tmp_path)

    async def scenario() -> None:
        async with kt.open_async_backend(url) as backend:
            sessions = kt.AsyncSessionService(backend.sessions)
            started = await sessions.start("user-1")
            assert (await sessions.get(started.id)).user_id == "user-1"
            await sessions.end(started.id)
            with pytest.raises(kt.InvalidSession):
                await sessions.get(started.id)

    asyncio.run(scenario())
