"""``open_backend(url)``: one backend per database serving refresh tokens and revocations from one
pool or client, and a database written by the separate stores opens with it, data intact."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

import keyturn as kt

ISSUER, AUDIENCE = "https://auth.test", "api.test"
RING = kt.Keyring.generate()


def exercise(backend: kt.Backend) -> None:
    """A login, a rotation and a revocation, all through the one backend."""
    issuer = kt.Issuer(RING, issuer=ISSUER, audience=AUDIENCE)
    service = kt.TokenService(issuer, backend.tokens)
    revocations = kt.Revocations(backend.revocations)
    verifier = kt.Verifier(RING, issuer=ISSUER, audience=AUDIENCE, revocations=revocations)
    pair = service.rotate(service.issue_pair("backend-user", "laptop").refresh)
    claims = verifier.verify(pair.access)
    revocations.revoke(claims)
    with pytest.raises(kt.TokenRevoked) as revoked:
        verifier.verify(pair.access)
    assert revoked.value.code == "token_revoked"


@pytest.mark.parametrize("scheme", ["mysql", "sqlite3", "http"])
def test_an_unknown_scheme_is_a_configuration_error_naming_it(scheme: str) -> None:
    with pytest.raises(kt.ConfigurationError) as refused:
        kt.open_backend(f"{scheme}://somewhere/db")
    assert refused.value.code == "configuration_invalid"
    assert repr(scheme) in str(refused.value)


def test_sqlite_without_a_path_is_a_configuration_error() -> None:
    with pytest.raises(kt.ConfigurationError) as refused:
        kt.open_backend("sqlite:///")
    assert refused.value.code == "configuration_invalid"


def test_memory_backend() -> None:
    with kt.open_backend("memory://") as backend:
        assert isinstance(backend.tokens, kt.MemoryStore)
        assert isinstance(backend.revocations, kt.MemoryRevocationStore)
        exercise(backend)


@pytest.mark.parametrize("spelling", ["bare", "url"])
def test_sqlite_backend_is_one_file(tmp_path: Path, spelling: str) -> None:
    path = tmp_path / "keyturn.db"
    url = str(path) if spelling == "bare" else f"sqlite:///{path}"
    with kt.open_backend(url) as backend:
        assert backend.scheme == "sqlite"
        exercise(backend)
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"keyturn_families", "keyturn_refresh_tokens", "keyturn_revoked_jtis"} <= tables


def test_a_sqlite_file_written_by_the_separate_stores_opens_with_the_backend(
    tmp_path: Path,
) -> None:
    path = tmp_path / "keyturn.db"
    issuer = kt.Issuer(RING, issuer=ISSUER, audience=AUDIENCE)
    before = kt.TokenService(issuer, kt.SQLiteStore(path))
    pair = before.issue_pair("old-user", "laptop")
    old_revocations = kt.Revocations(kt.SQLiteRevocationStore(str(path)))
    old_revocations.revoke_subject("old-user")
    before.close()
    old_revocations.store.close()

    with kt.open_backend(f"sqlite:///{path}") as backend:
        after = kt.TokenService(issuer, backend.tokens)
        assert after.rotate(pair.refresh).family_id == pair.family_id
        subject = hashlib.sha256(b"old-user").digest()
        assert subject in backend.revocations.lookup([], [subject]).watermarks


@pytest.mark.postgres
def test_postgres_backend_shares_one_pool(postgres_dsn: str) -> None:
    with kt.open_backend(postgres_dsn) as backend:
        assert backend.scheme == "postgresql"
        assert backend.tokens._db.pool is backend.revocations._db.pool  # type: ignore[attr-defined]
        exercise(backend)
        pool = backend.tokens._db.pool  # type: ignore[attr-defined]
    assert pool.closed


@pytest.mark.redis
def test_redis_backend_shares_one_client(redis_url: str) -> None:
    with kt.open_backend(redis_url) as backend:
        assert backend.scheme == "redis"
        assert backend.tokens._db.client is backend.revocations._db.client  # type: ignore[attr-defined]
        exercise(backend)
