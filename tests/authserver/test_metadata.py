"""The metadata documents over real HTTP: keyturn's own discovery and RemoteJWKS find keyturn, and
Authlib's RFC 8414 model checks the document independently."""

from __future__ import annotations

import httpx
import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

import keyturn as kt
from keyturn.asgi import jwks_endpoint
from keyturn.authserver import authorization_server
from keyturn.authserver.metadata import Metadata
from keyturn.clients import ClientRegistry
from keyturn.stores.memory.clients import MemoryClientStore

from .conftest import AUDIENCE, Running, bound_socket, serve


def test_both_locations_serve_one_document_with_cache_headers(auth: Running) -> None:
    oauth = httpx.get(auth.url + "/.well-known/oauth-authorization-server")
    openid = httpx.get(auth.url + "/.well-known/openid-configuration")
    assert oauth.status_code == openid.status_code == 200
    assert oauth.json() == openid.json()
    assert oauth.headers["content-type"] == "application/json"
    assert oauth.headers["cache-control"] == f"public, max-age={auth.ring.max_age_hint()}"
    document = oauth.json()
    assert document["issuer"] == auth.url
    assert document["jwks_uri"] == auth.url + "/.well-known/jwks.json"
    assert document["token_endpoint"] == auth.token_url
    assert document["introspection_endpoint"] == auth.url + "/oauth/introspect"
    assert document["revocation_endpoint"] == auth.url + "/oauth/revoke"
    assert document["grant_types_supported"] == ["client_credentials", "refresh_token"]
    methods = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
    for endpoint in ("token", "introspection", "revocation"):
        assert document[f"{endpoint}_endpoint_auth_methods_supported"] == methods
        algs = document[f"{endpoint}_endpoint_auth_signing_alg_values_supported"]
        assert "ES256" in algs
        assert "EdDSA" in algs
        assert not [a for a in algs if a.startswith("HS")]
    assert document["id_token_signing_alg_values_supported"] == ["Ed25519", "EdDSA"]
    assert "scopes_supported" not in document  # none configured


def test_head_answers_without_a_body_and_post_is_refused(auth: Running) -> None:
    head = httpx.head(auth.url + "/.well-known/openid-configuration")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0
    post = httpx.post(auth.url + "/.well-known/oauth-authorization-server")
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"


def test_authlib_accepts_the_document(auth: Running) -> None:
    metadata = AuthorizationServerMetadata(
        httpx.get(auth.url + "/.well-known/oauth-authorization-server").json()
    )
    # Every check Authlib has, except response_types_supported: RFC 8414 requires the member and
    # keyturn, without an authorization endpoint, supports no response type (Authlib wants one).
    for name in dir(metadata):
        if name.startswith("validate_") and name != "validate_response_types_supported":
            getattr(metadata, name)()
    assert metadata["response_types_supported"] == []


def test_keyturn_discovery_and_remote_jwks_find_keyturn(auth: Running) -> None:
    found = kt.discover(auth.url)
    assert found.issuer == auth.url
    assert found.token_endpoint == auth.token_url
    assert found.introspection_endpoint == auth.url + "/oauth/introspect"
    assert found.token_endpoint_auth_methods_supported == (
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    )
    remote = kt.RemoteJWKS.from_issuer(auth.url)
    verifier = kt.Verifier(keys=remote, issuer=auth.url, audience=AUDIENCE)
    assert verifier.verify(auth.issuer.issue("user-1"))["sub"] == "user-1"


def test_scopes_are_published_when_configured() -> None:
    ring = kt.Keyring.generate()
    metadata = Metadata("https://auth.example.com", ring, lambda: ["EdDSA"], scopes=["a", "b"])
    document = metadata.document()
    assert document["scopes_supported"] == ["a", "b"]
    assert document["token_endpoint"] == "https://auth.example.com/oauth/token"


def test_an_issuer_with_a_path_serves_everything_under_it() -> None:
    ring = kt.Keyring.generate()
    metadata = Metadata("https://auth.example.com/tenant-a/", ring, lambda: ["EdDSA"])
    assert metadata.document_paths == (
        "/.well-known/oauth-authorization-server/tenant-a",  # RFC 8414 §3
        "/tenant-a/.well-known/openid-configuration",  # OpenID Discovery §4
    )
    document = metadata.document()
    assert document["issuer"] == "https://auth.example.com/tenant-a/"
    assert document["token_endpoint"] == "https://auth.example.com/tenant-a/oauth/token"
    assert document["revocation_endpoint"] == "https://auth.example.com/tenant-a/oauth/revoke"
    assert document["jwks_uri"] == "https://auth.example.com/.well-known/jwks.json"


@pytest.mark.parametrize(
    "url", ["https://auth.example.com?x=1", "https://auth.example.com#f", "ftp://auth.example.com"]
)
def test_an_issuer_url_with_a_query_fragment_or_other_scheme_is_refused(url: str) -> None:
    ring = kt.Keyring.generate()
    issuer = kt.Issuer(ring, issuer=url, audience="api", ttl=60)
    with pytest.raises(kt.ConfigurationError) as refused:
        authorization_server(issuer, keys=ring, clients=ClientRegistry(MemoryClientStore()))
    assert refused.value.code == "configuration_invalid"


def test_a_path_issuer_is_found_by_discovery_over_http() -> None:
    sock, origin = bound_socket()
    url = origin + "/tenant-a"
    ring = kt.Keyring.generate()
    issuer = kt.Issuer(ring, issuer=url, audience="api", ttl=60)
    clients = ClientRegistry(MemoryClientStore())
    app = authorization_server(issuer, keys=ring, clients=clients, app=jwks_endpoint(ring))
    for _ in serve(app, sock):
        rfc8414 = httpx.get(origin + "/.well-known/oauth-authorization-server/tenant-a")
        assert rfc8414.json()["token_endpoint"] == url + "/oauth/token"
        assert kt.discover(url).token_endpoint == url + "/oauth/token"
        verifier = kt.Verifier(keys=kt.RemoteJWKS.from_issuer(url), issuer=url, audience="api")
        assert verifier.verify(issuer.issue("user-1"))["sub"] == "user-1"
        answer = httpx.post(url + "/oauth/token", data={"grant_type": "client_credentials"})
        assert answer.json()["error"] == "invalid_client"  # routed, and nobody is registered
        assert httpx.post(origin + "/oauth/token").status_code == 404
