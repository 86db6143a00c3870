"""Revocation of access tokens through a Verifier, on every store (memory, SQLite, PostgreSQL,
Redis): the jti denylist, subject watermarks, batches, async, the verified-token cache."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from keyturn.revocation import JTI_MARGIN
from support import Clock

from .revocation_support import token, verifier


def expect_revoked(v: kt.Verifier, tok: str) -> None:
    with pytest.raises(kt.TokenRevoked) as caught:
        v.verify(tok)
    assert type(caught.value) is kt.TokenRevoked
    assert caught.value.code == "token_revoked"


def test_revoked_jti_is_refused(signing_key: kt.SigningKey, revocations: kt.Revocations) -> None:
    v = verifier(signing_key, revocations)
    stolen, other = token(signing_key), token(signing_key)
    revocations.revoke(v.verify(stolen))
    expect_revoked(v, stolen)
    assert v.verify(other)["sub"] == "user-1"


def test_verify_complete_checks_revocations(
    signing_key: kt.SigningKey, revocations: kt.Revocations
) -> None:
    v = verifier(signing_key, revocations)
    tok = token(signing_key)
    revocations.revoke(v.verify(tok))
    with pytest.raises(kt.TokenRevoked) as caught:
        v.verify_complete(tok)
    assert caught.value.code == "token_revoked"


def test_watermark_kills_tokens_issued_before_it(
    signing_key: kt.SigningKey, revocations: kt.Revocations
) -> None:
    v = verifier(signing_key, revocations)
    now = int(time.time())
    before, after = token(signing_key, iat=now - 60), token(signing_key, iat=now - 30)
    no_iat, someone_else = token(signing_key, iat=None), token(signing_key, sub="user-2")
    assert revocations.revoke_subject("user-1", before=now - 30.5) == now - 30.5
    expect_revoked(v, before)
    expect_revoked(v, no_iat)  # nothing shows it was issued after the watermark
    assert v.verify(after)["iat"] == now - 30
    assert v.verify(someone_else)["sub"] == "user-2"


def test_token_issued_in_the_watermarks_second_dies_too(
    signing_key: kt.SigningKey, revocations: kt.Revocations
) -> None:
    # iat has whole seconds: a token from later in the same second cannot be told apart.
    v = verifier(signing_key, revocations)
    now = int(time.time())
    revocations.revoke_subject("user-1", before=now - 9.5)
    expect_revoked(v, token(signing_key, iat=now - 10))
    assert v.verify(token(signing_key, iat=now - 9))["iat"] == now - 9


def test_watermark_defaults_to_now(
    signing_key: kt.SigningKey, revocations: kt.Revocations, clock: Clock
) -> None:
    v = verifier(signing_key, revocations)
    assert revocations.revoke_subject("user-1") == clock.now
    expect_revoked(v, token(signing_key, iat=int(clock.now) - 1))


def test_a_watermark_never_moves_back(
    signing_key: kt.SigningKey, revocations: kt.Revocations
) -> None:
    v = verifier(signing_key, revocations)
    now = int(time.time())
    revocations.revoke_subject("user-1", before=now)
    revocations.revoke_subject("user-1", before=now - 100)
    expect_revoked(v, token(signing_key, iat=now - 50))


def test_claims_of_other_types_are_not_matched(revocations: kt.Revocations) -> None:
    # The Verifier already refuses a non-string sub or jti; Revocations never coerces one.
    revocations.revoke_subject("7", before=time.time() + 60)
    revocations.revoke_jti("7", time.time() + 600)
    assert not revocations.is_revoked({"sub": 7, "jti": 7, "iat": 0})
    assert revocations.is_revoked({"sub": "7", "iat": 0})


def test_verify_many_screens_the_whole_batch(
    signing_key: kt.SigningKey, revocations: kt.Revocations
) -> None:
    v = verifier(signing_key, revocations)
    now = int(time.time())
    kept, revoked = token(signing_key), token(signing_key)
    watermarked = token(signing_key, sub="user-2", iat=now - 60)
    revocations.revoke(v.verify(revoked))
    revocations.revoke_subject("user-2", before=now - 1)
    results = v.verify_many([kept, revoked, "not-a-token", watermarked, kept])
    assert isinstance(results[0], dict)
    assert type(results[1]) is kt.TokenRevoked
    assert results[1].code == "token_revoked"
    assert type(results[2]) is kt.MalformedToken
    assert type(results[3]) is kt.TokenRevoked
    assert results[4] == results[0]


def test_averify_checks_revocations(
    signing_key: kt.SigningKey, revocations: kt.Revocations
) -> None:
    v = verifier(signing_key, revocations)
    tok = token(signing_key)
    assert asyncio.run(v.averify(tok))["sub"] == "user-1"
    revocations.revoke(v.verify(tok))
    with pytest.raises(kt.TokenRevoked) as caught:
        asyncio.run(v.averify(tok))
    assert caught.value.code == "token_revoked"


def test_a_verified_token_cache_hit_is_not_a_bypass(
    signing_key: kt.SigningKey, revocations: kt.Revocations
) -> None:
    v = verifier(signing_key, revocations, cache=16)
    tok = token(signing_key)
    claims = v.verify(tok)
    v.verify(tok)
    stats = v.cache_stats
    assert stats is not None
    assert stats[0] >= 1  # the second verify was a hit
    revocations.revoke(claims)
    expect_revoked(v, tok)
    assert type(v.verify_many([tok])[0]) is kt.TokenRevoked
    hits_after = v.cache_stats
    assert hits_after is not None
    assert hits_after[0] > stats[0]  # refused on cache hits, not because the cache was bypassed


def test_another_processs_revocation_is_seen_within_max_staleness(
    signing_key: kt.SigningKey, make_revocations: Any, clock: Clock
) -> None:
    # Two Revocations on their own store objects over the same data: two processes of a service.
    here = make_revocations(max_staleness=5, clock=clock)
    there = make_revocations(clock=clock)
    v = verifier(signing_key, here)
    tok = token(signing_key)
    claims = v.verify(tok)
    there.revoke(claims)
    clock.advance(4.9)
    assert v.verify(tok) == claims  # the cached answer is at most 5 s old
    clock.advance(0.2)
    expect_revoked(v, tok)


def test_a_revocation_made_here_applies_at_once_despite_the_cache(
    signing_key: kt.SigningKey, make_revocations: Any, clock: Clock
) -> None:
    here = make_revocations(max_staleness=60, clock=clock)
    v = verifier(signing_key, here)
    tok = token(signing_key, iat=int(clock.now) - 10)
    v.verify(tok)
    here.revoke_subject("user-1")
    expect_revoked(v, tok)


def test_a_clock_stepping_back_refetches(
    signing_key: kt.SigningKey, make_revocations: Any, clock: Clock
) -> None:
    here = make_revocations(max_staleness=60, clock=clock)
    there = make_revocations(clock=clock)
    v = verifier(signing_key, here)
    tok = token(signing_key)
    there.revoke(v.verify(tok))
    clock.advance(-1)
    expect_revoked(v, tok)


def test_concurrent_watermarks_keep_the_latest(
    make_revocations: Any, clock: Clock, in_threads: Any
) -> None:
    values = [clock.now - 1000 + i for i in range(16)]

    def raise_some(offset: int) -> None:
        revocations = make_revocations(clock=clock)
        for value in values[offset::8]:
            assert revocations.revoke_subject("user-1", before=value) == value

    in_threads(raise_some, 8)
    check = make_revocations(clock=clock)
    latest = max(values)
    assert check.is_revoked({"sub": "user-1", "iat": latest - 0.5})
    assert not check.is_revoked({"sub": "user-1", "iat": latest})


def test_purge_keeps_entries_until_no_token_needs_them(
    make_revocations: Any, clock: Clock, kind: str
) -> None:
    revocations = make_revocations(clock=clock)
    exp = clock.now + 60
    revocations.revoke_jti("j-1", exp)
    revocations.revoke_jti("j-1", exp - 30)  # an earlier expiry never shortens the denial
    revocations.revoke_subject("user-1")
    clock.advance(60 + kt.revocation.JTI_MARGIN - 1)
    revocations.purge()
    assert revocations.is_revoked({"jti": "j-1"})
    clock.advance(2)
    purged = revocations.purge()
    fresh = make_revocations(revocations.store, clock=clock)
    if kind.endswith("redis"):
        assert purged == 0  # Redis expires keys by itself, at real time
    else:
        assert purged == 1
        assert not fresh.is_revoked({"jti": "j-1"})
    assert fresh.is_revoked({"sub": "user-1", "iat": clock.now - 1000})


def test_the_store_holds_neither_jti_nor_subject(
    make_store: Any,
    make_revocations: Any,
    clock: Clock,
    kind: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    store = make_store()
    revocations = make_revocations(store, clock=clock)
    revocations.revoke_jti("jti-in-the-clear", clock.now + 60)
    revocations.revoke_subject("subject-in-the-clear")
    revocations.revoke_session("sid-in-the-clear")
    dump = _at_rest(kind, store, tmp_path, request)
    assert b"jti-in-the-clear" not in dump
    assert b"subject-in-the-clear" not in dump
    assert b"sid-in-the-clear" not in dump
    assert hashlib.sha256(b"jti-in-the-clear").hexdigest().encode() in dump.hex().encode() + dump


def _at_rest(kind: str, store: Any, tmp_path: Path, request: pytest.FixtureRequest) -> bytes:
    """Everything the store holds, as raw as the backend shows it."""
    kind = kind.removeprefix("async-")
    if kind == "memory":
        return b"".join([*store._jtis, *store._subjects])
    if kind == "sqlite":
        return b"".join(p.read_bytes() for p in tmp_path.glob("revocations.db*"))
    if kind == "postgres":
        dsn = request.getfixturevalue("postgres_dsn")  # the database make_store used
        dump = subprocess.run(["pg_dump", "--data-only", dsn], check=True, capture_output=True)
        return dump.stdout
    import redis

    with redis.Redis.from_url(request.getfixturevalue("redis_url")) as client:
        return b"\n".join(
            k + b"=" + (client.get(k) or b"") for k in client.scan_iter("keyturn:revoked:*")
        )


@pytest.mark.redis
def test_redis_entries_expire_at_their_keep_time(
    signing_key: kt.SigningKey, redis_url: str
) -> None:
    """What the state machine cannot move on Redis (Redis's clock): each entry's key carries its
    keep-until time as PXAT, exactly; past it Redis has deleted the key and nothing is revoked."""
    import redis

    url = redis_url
    clock = Clock()
    revocations = kt.Revocations(
        kt.RedisRevocationStore(url), subject_retention=JTI_MARGIN + 1, clock=clock
    )
    soon = clock.now + 1.0
    revocations.revoke_jti("j-soon", soon - JTI_MARGIN)
    revocations.revoke_jti("j-gone", clock.now - JTI_MARGIN - 1)  # kept until a second ago
    revocations.revoke_subject("user-soon", before=soon - JTI_MARGIN - 1)
    key = {
        name: f"keyturn:revoked:{kind}:{hashlib.sha256(name.encode()).hexdigest()}"
        for kind, name in (("jti", "j-soon"), ("jti", "j-gone"), ("sub", "user-soon"))
    }
    with redis.Redis.from_url(url) as client:
        assert client.pexpiretime(key["j-soon"]) == int(soon * 1000)
        assert client.pexpiretime(key["user-soon"]) == int(soon * 1000)
        assert client.exists(key["j-gone"]) == 0  # its PXAT had passed: deleted at once
    assert not revocations.is_revoked({"jti": "j-gone"})
    assert revocations.purge() == 0  # nothing for keyturn to delete: Redis does it
    # Redis's own expiry, observed: poll (bounded far above the one second it needs).
    deadline = time.monotonic() + 30
    while revocations.is_revoked({"jti": "j-soon"}) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not revocations.is_revoked({"jti": "j-soon"})
    assert not revocations.is_revoked({"sub": "user-soon", "iat": clock.now - 10_000})
    revocations.close()
