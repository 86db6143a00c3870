"""OpenID Connect discovery: exact issuer match, and jwks_uri under the same scheme rules."""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from keyturn import ConfigurationError, JWKSError, RemoteJWKS, Verifier
from keyturn._core import SigningKey

if TYPE_CHECKING:
    from conftest import JWKSServer

DISCOVERY = "/.well-known/openid-configuration"


def publish(server: JWKSServer, issuer: str, jwks_uri: object, prefix: str = "") -> None:
    server.serve_json({"issuer": issuer, "jwks_uri": jwks_uri}, prefix + DISCOVERY)


def refused(issuer: str, match: str, **options: object) -> None:
    with pytest.raises(JWKSError, match=match) as caught:
        RemoteJWKS.from_issuer(issuer, **options)
    assert type(caught.value) is JWKSError
    assert caught.value.code == "jwks_error"


@pytest.mark.parametrize("prefix", ["", "/realms/acme"])
def test_discovery_finds_the_jwks(
    server: JWKSServer,
    key_a: SigningKey,
    make_token: Callable[[SigningKey], str],
    make_verifier: Callable[[RemoteJWKS], Verifier],
    prefix: str,
) -> None:
    issuer = server.url(prefix)
    publish(server, issuer, server.url("/keys"), prefix)
    server.serve_keys(key_a, path="/keys")
    jwks = RemoteJWKS.from_issuer(issuer)
    assert repr(jwks) == f"RemoteJWKS('{server.url('/keys')}', keys=0, version=0)"
    assert make_verifier(jwks).verify(make_token(key_a))["sub"] == "user-1"
    assert server.count(prefix + DISCOVERY) == 1
    assert server.count("/keys") == 1


def test_issuer_with_trailing_slash(server: JWKSServer, key_a: SigningKey) -> None:
    issuer = server.url("/")
    publish(server, issuer, server.url("/keys"))
    server.serve_keys(key_a, path="/keys")
    assert [k.kid for k in RemoteJWKS.from_issuer(issuer).verification_keys()] == ["key-a"]


@pytest.mark.parametrize(
    "published",
    ["https://evil.example.com", "{issuer}/", "{issuer}/other", "{upper}", None, 7],
)
def test_mismatching_issuer_is_refused(server: JWKSServer, published: object) -> None:
    issuer = server.url("")
    if isinstance(published, str):
        published = published.format(issuer=issuer, upper=issuer.upper())
    publish(server, published, server.url("/keys"))  # type: ignore[arg-type]
    refused(issuer, f"OpenID configuration names issuer .*, not '{re.escape(issuer)}'")
    assert server.count("/keys") == 0


@pytest.mark.parametrize(
    ("jwks_uri", "match"),
    [
        ("http://auth.example.com/jwks.json", "plain http refused"),
        ("file:///etc/passwd", "scheme 'file' refused"),
        ("ftp://auth.example.com/jwks.json", "scheme 'ftp' refused"),
        (None, "no jwks_uri string"),
        (["https://auth.example.com/jwks.json"], "no jwks_uri string"),
    ],
)
def test_jwks_uri_obeys_the_scheme_rules(server: JWKSServer, jwks_uri: object, match: str) -> None:
    issuer = server.url("")
    publish(server, issuer, jwks_uri)
    refused(issuer, match)


def test_discovery_document_must_be_a_json_object(server: JWKSServer) -> None:
    server.reply(DISCOVERY, body=b"<html>login</html>")
    refused(server.url(""), "OpenID configuration is not valid JSON")
    server.serve_json(["not", "an", "object"], DISCOVERY)
    refused(server.url(""), "OpenID configuration is not a JSON object")


def test_discovery_transport_errors(server: JWKSServer) -> None:
    refused(server.url(""), r"HTTP 404 \(expected 200\)")
    server.reply(DISCOVERY, status=302, headers={"Location": "https://evil.example.com"})
    refused(server.url(""), "HTTP 302 redirect not followed")
    server.reply(DISCOVERY, body=b"{}", hold=True)
    refused(server.url(""), "timed out", timeout=0.3)


@pytest.mark.parametrize(
    ("issuer", "match"),
    [
        ("http://issuer.example.com", "plain http refused"),
        ("https://issuer.example.com/?tenant=1", "without query or fragment"),
        ("https://issuer.example.com/#x", "without query or fragment"),
    ],
)
def test_bad_issuer_urls_are_refused_before_any_request(issuer: str, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match) as caught:
        RemoteJWKS.from_issuer(issuer)
    assert type(caught.value) is ConfigurationError
    assert caught.value.code == "configuration_invalid"


def test_options_apply_to_discovery_and_the_jwks(server: JWKSServer) -> None:
    with pytest.raises(ConfigurationError) as caught:
        RemoteJWKS.from_issuer(server.url(""), ttl=-1)
    assert type(caught.value) is ConfigurationError
    assert caught.value.code == "configuration_invalid"
    assert server.count(DISCOVERY) == 0


def test_async_discovery(server: JWKSServer, key_a: SigningKey) -> None:
    issuer = server.url("")
    publish(server, issuer, server.url("/keys"))
    server.serve_keys(key_a, path="/keys")

    async def main() -> list[str]:
        jwks = await RemoteJWKS.afrom_issuer(issuer, headers={"X-Tenant": "acme"})
        return [key.kid for key in await jwks.averification_keys()]

    assert asyncio.run(main()) == ["key-a"]
    assert all(headers["X-Tenant"] == "acme" for _, headers in server.requests)


def test_an_https_issuer_cannot_send_us_to_plain_http(
    tls_server: JWKSServer, server: JWKSServer, trusting: ssl.SSLContext, key_a: SigningKey
) -> None:
    """Issue 13 item 5: a discovery document fetched over TLS names a loopback http jwks_uri."""
    issuer = tls_server.url("")
    publish(tls_server, issuer, server.url("/keys"))
    server.serve_keys(key_a, path="/keys")
    refused(
        issuer,
        f"discovered jwks_uri '{re.escape(server.url('/keys'))}' is not https, but the issuer is",
        ssl_context=trusting,
        headers={"Authorization": "Bearer s3cret"},
    )
    assert tls_server.count(DISCOVERY) == 1
    assert server.requests == []  # nothing, and no Authorization value, went out over http


def test_a_loopback_http_issuer_may_name_a_loopback_http_jwks_uri(
    server: JWKSServer, key_a: SigningKey
) -> None:
    issuer = server.url("")
    publish(server, issuer, server.url("/keys"))
    server.serve_keys(key_a, path="/keys")
    assert [k.kid for k in RemoteJWKS.from_issuer(issuer).verification_keys()] == ["key-a"]


def test_headers_go_only_to_the_origin_they_were_configured_for(
    server: JWKSServer, elsewhere: JWKSServer, key_a: SigningKey
) -> None:
    """Issue 13 item 5: the issuer's Authorization value is not sent to a jwks_uri elsewhere."""
    issuer = server.url("")
    publish(server, issuer, elsewhere.url("/keys"))
    elsewhere.serve_keys(key_a, path="/keys")
    jwks = RemoteJWKS.from_issuer(issuer, headers={"Authorization": "Bearer s3cret"})
    assert [k.kid for k in jwks.verification_keys()] == ["key-a"]
    [(_, to_issuer)] = server.requests
    [(_, to_elsewhere)] = elsewhere.requests
    assert to_issuer["Authorization"] == "Bearer s3cret"
    assert "Authorization" not in to_elsewhere


def test_headers_go_to_a_jwks_uri_on_the_issuers_origin(
    server: JWKSServer, key_a: SigningKey
) -> None:
    issuer = server.url("")
    publish(server, issuer, server.url("/keys"))
    server.serve_keys(key_a, path="/keys")
    RemoteJWKS.from_issuer(issuer, headers={"Authorization": "Bearer s3cret"}).verification_keys()
    assert [headers["Authorization"] for _, headers in server.requests] == ["Bearer s3cret"] * 2
