"""ClientCredentials: cached, renewed before expiry, one request for many callers, backoff."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

import keyturn as kt
from support import Clock

from .conftest import NANO_BASIC, Answer, Provider, Scripted


def token_answer(token: str, expires_in: int = 3600, delay: float = 0.0) -> Answer:
    body = {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}
    return Answer(200, json.dumps(body).encode(), delay=delay)


def source(provider: Scripted, **options: object) -> kt.ClientCredentials:
    client = kt.OAuthClient.discover(provider.issuer, kt.ClientSecretPost("svc", "svc-secret-1"))
    return kt.ClientCredentials(client, scope="api.read", **options)  # type: ignore[arg-type]


def test_nanoidp_issues_and_the_token_is_cached(nanoidp: Provider) -> None:
    client = kt.OAuthClient.discover(nanoidp.issuer, kt.ClientSecretBasic(*NANO_BASIC))
    tokens = kt.ClientCredentials(client)
    first = tokens.token()
    claims = kt.decode(
        first,
        list(kt.RemoteJWKS(client.metadata.jwks_uri).verification_keys()),
        algorithms=["RS256"],
        issuer=nanoidp.issuer,
        audience="keyturn-tests",  # nanoidp's oauth.audience (conftest settings.yaml)
    )
    assert claims["client_id"] == NANO_BASIC[0]
    assert tokens.token() == first
    assert tokens.requests == 1


def test_the_request_names_the_grant_and_scope(scripted: Scripted) -> None:
    scripted.script("/token", token_answer("t1"))
    assert source(scripted).token() == "t1"
    form = scripted.requests_to("/token")[0].form
    assert form == {
        "grant_type": "client_credentials",
        "scope": "api.read",
        "client_id": "svc",
        "client_secret": "svc-secret-1",
    }


def test_threads_share_one_request(scripted: Scripted) -> None:
    scripted.script("/token", token_answer("shared", delay=0.3))
    tokens = source(scripted)
    barrier = threading.Barrier(8)
    got: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            got.append(tokens.token())
        except BaseException as exc:  # collected: a worker's failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert got == ["shared"] * 8
    assert len(scripted.requests_to("/token")) == 1


@pytest.mark.asyncio
async def test_coroutines_share_one_request(scripted: Scripted) -> None:
    scripted.script("/token", token_answer("shared", delay=0.3))
    tokens = source(scripted)
    got = await asyncio.gather(*(tokens.atoken() for _ in range(8)))
    assert got == ["shared"] * 8
    assert len(scripted.requests_to("/token")) == 1


def test_renewed_before_expiry(scripted: Scripted) -> None:
    clock = Clock(1000.0)
    scripted.script("/token", token_answer("old", expires_in=600), token_answer("new"))
    tokens = source(scripted, renew_before=60, clock=clock)
    assert tokens.token() == "old"
    clock.now += 539  # 61 s left: still the cached one
    assert tokens.token() == "old"
    clock.now += 2  # 59 s left: renewed now, before it expires
    assert tokens.token() == "new"
    assert len(scripted.requests_to("/token")) == 2


def test_a_failing_provider_is_not_hammered(scripted: Scripted) -> None:
    clock = Clock(1000.0)
    scripted.script("/token", Answer(503, b"<html>down</html>", "text/html"))
    tokens = source(scripted, clock=clock)
    for _ in range(5):  # the first fails at the provider, the next four without asking it
        with pytest.raises(kt.ProviderError) as down:
            tokens.token()
        assert type(down.value) is kt.ProviderError
        assert down.value.code == "provider_unavailable"
    assert len(scripted.requests_to("/token")) == 1
    clock.now += 1  # backoff 1 s: one more attempt
    with pytest.raises(kt.ProviderError):
        tokens.token()
    clock.now += 1  # backoff now 2 s: not yet
    with pytest.raises(kt.ProviderError):
        tokens.token()
    assert len(scripted.requests_to("/token")) == 2
    scripted.script("/token", token_answer("back"))
    clock.now += 1
    assert tokens.token() == "back"
    assert len(scripted.requests_to("/token")) == 3


def test_a_valid_token_is_served_while_renewal_fails(scripted: Scripted) -> None:
    clock = Clock(1000.0)
    scripted.script("/token", token_answer("kept", expires_in=600), Answer(500, b"down"))
    tokens = source(scripted, clock=clock)
    assert tokens.token() == "kept"
    clock.now += 570  # in the renewal window; the renewal fails
    assert tokens.token() == "kept"
    assert tokens.token() == "kept"  # backing off: no new request
    assert len(scripted.requests_to("/token")) == 2
    clock.now += 31  # expired, and still failing
    with pytest.raises(kt.ProviderError):
        tokens.token()


def test_refused_client_is_a_grant_error(scripted: Scripted) -> None:
    scripted.json("/token", {"error": "invalid_client"}, status=401)
    with pytest.raises(kt.GrantError) as refused:
        source(scripted).token()
    assert type(refused.value) is kt.GrantError
    assert refused.value.code == "grant_refused"
    assert refused.value.provider_code == "invalid_client"
