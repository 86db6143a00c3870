"""Configurations that would weaken sign-in are refused when the objects are built."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import keyturn as kt

from .conftest import REDIRECT_URI, Scripted


def metadata(**changes: Any) -> kt.ProviderMetadata:
    document = {
        "issuer": "https://idp.example",
        "jwks_uri": "https://idp.example/jwks",
        "authorization_endpoint": "https://idp.example/authorize",
        "token_endpoint": "https://idp.example/token",
        "id_token_signing_alg_values_supported": ["RS256"],
        **changes,
    }
    document = {k: v for k, v in document.items() if v is not None}
    return kt.ProviderMetadata.from_document(document, issuer="https://idp.example")


def party(meta: kt.ProviderMetadata, **options: Any) -> kt.RelyingParty:
    client = kt.OAuthClient(meta, kt.PublicClient("app"))
    states = kt.MemoryLoginStates()
    return kt.RelyingParty(client, redirect_uri=REDIRECT_URI, states=states, **options)


@pytest.mark.parametrize(
    "build",
    [
        lambda: party(metadata(), scope="email profile"),
        lambda: party(metadata(code_challenge_methods_supported=["plain"])),
        lambda: party(metadata(authorization_endpoint=None)),
        lambda: party(metadata(token_endpoint=None)),
        lambda: party(metadata(), login_ttl=0),
        lambda: party(metadata(), login_ttl=86400),
        lambda: party(metadata()).start_login(extra={"state": "mine"}),
        lambda: party(metadata()).start_login(extra={"code_challenge_method": "plain"}),
        lambda: kt.ClientSecretBasic("app", ""),
        lambda: kt.ClientSecretPost("", "secret"),
        lambda: kt.PrivateKeyJWT("app", "not a key"),  # type: ignore[arg-type]
        lambda: kt.PrivateKeyJWT("app", kt.SigningKey.generate(), lifetime=3600),
        lambda: kt.BackChannel(timeout=0),
        lambda: kt.BackChannel(max_bytes=0),
        lambda: kt.OAuthClient({"issuer": "x"}, kt.PublicClient("app")),  # type: ignore[arg-type]
    ],
    ids=[
        "scope-without-openid",
        "no-pkce-s256",
        "no-authorization-endpoint",
        "no-token-endpoint",
        "zero-ttl",
        "day-long-ttl",
        "extra-overrides-state",
        "extra-downgrades-pkce",
        "empty-secret",
        "empty-client-id",
        "assertion-without-key",
        "hour-long-assertion",
        "zero-timeout",
        "zero-max-bytes",
        "metadata-not-checked",
    ],
)
def test_refused(build: Callable[[], object]) -> None:
    with pytest.raises(kt.ConfigurationError) as refused:
        build()
    assert type(refused.value) is kt.ConfigurationError
    assert refused.value.code == "configuration_invalid"


def test_plain_http_endpoint_off_loopback_is_never_contacted(scripted: Scripted) -> None:
    scripted.metadata["token_endpoint"] = "http://idp.example/token"
    client = kt.OAuthClient.discover(scripted.issuer, kt.PublicClient("app"))
    with pytest.raises(kt.ConfigurationError) as refused:
        client.grant({"grant_type": "client_credentials"})
    assert refused.value.code == "configuration_invalid"
    assert "plain http refused" in str(refused.value)


def test_secrets_never_in_repr() -> None:
    secret = "s3cret-value-0123456789"
    for auth in (kt.ClientSecretBasic("app", secret), kt.ClientSecretPost("app", secret)):
        assert secret not in repr(auth)
    key = kt.SigningKey.generate(alg="ES256", kid="k1")
    assert "k1" in repr(kt.PrivateKeyJWT("app", key))


def test_revocation_and_userinfo_need_their_endpoints() -> None:
    client = kt.OAuthClient(metadata(), kt.PublicClient("app"))
    for call in (lambda: client.revoke("t"), lambda: client.userinfo("t", subject="u")):
        with pytest.raises(kt.ConfigurationError) as refused:
            call()
        assert refused.value.code == "configuration_invalid"
