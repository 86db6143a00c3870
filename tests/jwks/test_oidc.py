"""Discovery metadata (every real provider's document, and over loopback) and the id_token profile
of OIDC Core §3.1.3.7: each rule has a test naming the exact class, ``.code`` and claim."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from typing import Any

import pytest

import keyturn as kt
from keyturn.discovery import ProviderMetadata, discover
from keyturn.oidc import IdTokenVerifier

from .conftest import JWKSServer

ISS = "https://idp.example"
CLIENT = "client-1"
NOW = 1_800_000_000
TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
ENTRA = "https://login.microsoftonline.com/{tenantid}/v2.0"


@pytest.fixture(scope="module")
def providers(vectors: Callable[[str], Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = vectors("provider_metadata_jwks_2024-10.json")
    return loaded


@pytest.fixture(scope="module")
def rsa_key() -> kt.SigningKey:
    return kt.SigningKey.generate(kid="rsa", alg="RS256", bits=2048)


def metadata(issuer: str = ISS, algs: tuple[str, ...] = ("RS256",)) -> ProviderMetadata:
    return ProviderMetadata(
        issuer=issuer,
        jwks_uri="https://idp.example/jwks",
        id_token_signing_alg_values_supported=algs,
    )


def claims(**changes: Any) -> dict[str, Any]:
    base = {"iss": ISS, "aud": CLIENT, "sub": "user", "iat": NOW - 10, "exp": NOW + 300}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def verify(
    key: kt.SigningKey, body: dict[str, Any], meta: ProviderMetadata | None = None, **options: Any
) -> dict[str, Any]:
    trusted = options.pop("trusted_audiences", ())
    verifier = IdTokenVerifier(
        meta or metadata(), CLIENT, keys=key.public_key, trusted_audiences=trusted
    )
    return verifier.verify(kt.encode(body, key), now=NOW, **options)


def refused(
    error: type[kt.TokenError], code: str, claim: str | None, call: Callable[[], Any]
) -> None:
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error
    assert info.value.code == code
    assert info.value.claim == claim


def half_hash(value: str, name: str) -> str:
    digest = hashlib.new(name, value.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


# --- discovery -----------------------------------------------------------------------------------


@pytest.mark.provider_snapshot
def test_every_provider_document_parses(providers: dict[str, Any]) -> None:
    for name, provider in providers.items():
        document = provider["metadata"]
        issuer = document["issuer"].replace("{tenantid}", "common")
        meta = ProviderMetadata.from_document(document, issuer=issuer)
        assert meta.issuer == document["issuer"], name
        assert meta.jwks_uri == document["jwks_uri"]
        assert meta.token_endpoint == document.get("token_endpoint")
        assert meta.authorization_endpoint == document.get("authorization_endpoint")
        assert meta.id_token_signing_alg_values_supported == tuple(
            document["id_token_signing_alg_values_supported"]
        )
        assert meta.multi_tenant == (name == "entra-common")
        assert meta.document == document


@pytest.mark.provider_snapshot
def test_entra_template_only_for_its_multi_tenant_aliases(providers: dict[str, Any]) -> None:
    document = providers["entra-common"]["metadata"]
    for alias in ("common", "organizations", "consumers"):
        ProviderMetadata.from_document(document, issuer=ENTRA.replace("{tenantid}", alias))
    with pytest.raises(kt.JWKSError) as info:
        ProviderMetadata.from_document(document, issuer=ENTRA.replace("{tenantid}", TENANT))
    assert info.value.code == "jwks_error"


@pytest.mark.parametrize(
    "change",
    [
        {"issuer": "https://other.example"},
        {"jwks_uri": None},
        {"jwks_uri": "ftp://idp.example/jwks"},
        {"jwks_uri": "http://idp.example/jwks"},  # plain http off loopback
        {"id_token_signing_alg_values_supported": "RS256"},
        {"id_token_signing_alg_values_supported": []},
        {"token_endpoint": 5},
    ],
)
def test_bad_documents_are_refused(change: dict[str, Any]) -> None:
    document = {
        "issuer": ISS,
        "jwks_uri": "https://idp.example/jwks",
        "id_token_signing_alg_values_supported": ["RS256"],
        **change,
    }
    document = {k: v for k, v in document.items() if v is not None}
    with pytest.raises(kt.JWKSError) as info:
        ProviderMetadata.from_document(document, issuer=ISS)
    assert type(info.value) is kt.JWKSError
    assert info.value.code == "jwks_error"


def test_discover_over_loopback_then_verify(server: JWKSServer, rsa_key: kt.SigningKey) -> None:
    issuer = server.url("/tenant")
    server.serve_json(
        {
            "issuer": issuer,
            "jwks_uri": server.url("/jwks.json"),
            "authorization_endpoint": server.url("/authorize"),
            "token_endpoint": server.url("/token"),
            "id_token_signing_alg_values_supported": ["RS256", "none", "HS256"],
        },
        path="/tenant/.well-known/openid-configuration",
    )
    server.serve_keys(rsa_key)
    meta = discover(issuer)
    assert meta.token_endpoint == server.url("/token")
    verifier = IdTokenVerifier(meta, CLIENT)
    assert verifier.algorithms == ("RS256",)
    now = int(time.time())
    token = kt.encode(claims(iss=issuer, iat=now, exp=now + 60), rsa_key)
    assert verifier.verify(token)["sub"] == "user"


@pytest.mark.parametrize(
    ("issuer", "match"),
    [
        ("http://idp.example", "issuer URL: plain http refused"),
        ("ftp://idp.example", "issuer URL scheme 'ftp' refused"),
        ("https://idp.example/?tenant=1", "without query or fragment"),
        (b"https://idp.example", "must be a URL string"),
    ],
)
def test_discover_refuses_a_bad_issuer_before_any_request(issuer: object, match: str) -> None:
    with pytest.raises(kt.ConfigurationError, match=match) as info:
        discover(issuer)  # type: ignore[arg-type]
    assert type(info.value) is kt.ConfigurationError
    assert info.value.code == "configuration_invalid"


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"timeout": -1}, "timeout must be a finite number > 0"),
        ({"timeout": float("nan")}, "timeout must be a finite number > 0"),
        ({"max_bytes": 0}, "max_bytes must be a positive int"),
        ({"headers": {"X-A": "a\r\nInjected: yes"}}, "forbidden character"),
    ],
)
def test_discover_refuses_bad_options_before_any_request(
    server: JWKSServer, options: dict[str, Any], match: str
) -> None:
    with pytest.raises(kt.ConfigurationError, match=match) as info:
        discover(server.url(""), **options)
    assert type(info.value) is kt.ConfigurationError
    assert info.value.code == "configuration_invalid"
    assert server.requests == []


# --- the id_token rules --------------------------------------------------------------------------


def test_a_valid_id_token(rsa_key: kt.SigningKey) -> None:
    assert verify(rsa_key, claims())["sub"] == "user"


def test_signature_is_always_verified(rsa_key: kt.SigningKey) -> None:
    verifier = IdTokenVerifier(metadata(), CLIENT, keys=rsa_key.public_key)
    forged = kt.encode(claims(), kt.SigningKey.generate(kid="rsa", alg="RS256", bits=2048))
    refused(
        kt.InvalidSignature, "signature_invalid", None, lambda: verifier.verify(forged, now=NOW)
    )


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "iss", "aud"])
def test_required_claims(rsa_key: kt.SigningKey, missing: str) -> None:
    refused(
        kt.MissingClaim,
        "claim_missing",
        missing,
        lambda: verify(rsa_key, claims(**{missing: None})),
    )


def test_issuer_exact(rsa_key: kt.SigningKey) -> None:
    refused(
        kt.InvalidIssuer, "issuer_invalid", "iss", lambda: verify(rsa_key, claims(iss=ISS + "/"))
    )


def test_audience_rules(rsa_key: kt.SigningKey) -> None:
    refused(
        kt.InvalidAudience, "audience_invalid", "aud", lambda: verify(rsa_key, claims(aud="other"))
    )
    refused(
        kt.InvalidAudience,
        "audience_invalid",
        "aud",
        lambda: verify(rsa_key, claims(aud=[CLIENT, "untrusted"], azp=CLIENT)),
    )
    several = claims(aud=[CLIENT, "api"])
    refused(
        kt.MissingClaim,
        "claim_missing",
        "azp",
        lambda: verify(rsa_key, several, trusted_audiences=["api"]),
    )
    assert verify(rsa_key, {**several, "azp": CLIENT}, trusted_audiences=["api"])["azp"] == CLIENT
    refused(
        kt.InvalidClaim, "claim_invalid", "azp", lambda: verify(rsa_key, claims(azp="someone-else"))
    )


def test_nonce_rules(rsa_key: kt.SigningKey) -> None:
    assert verify(rsa_key, claims(nonce="n-1"), nonce="n-1")["nonce"] == "n-1"
    refused(
        kt.InvalidClaim,
        "claim_invalid",
        "nonce",
        lambda: verify(rsa_key, claims(nonce="n-2"), nonce="n-1"),
    )
    refused(
        kt.MissingClaim, "claim_missing", "nonce", lambda: verify(rsa_key, claims(), nonce="n-1")
    )
    refused(
        kt.InvalidClaim, "claim_invalid", "nonce", lambda: verify(rsa_key, claims(nonce="unasked"))
    )


def test_max_age_needs_a_recent_auth_time(rsa_key: kt.SigningKey) -> None:
    assert verify(rsa_key, claims(auth_time=NOW - 60), max_age=120)["auth_time"] == NOW - 60
    refused(
        kt.MissingClaim,
        "claim_missing",
        "auth_time",
        lambda: verify(rsa_key, claims(), max_age=120),
    )
    refused(
        kt.InvalidClaim,
        "claim_invalid",
        "auth_time",
        lambda: verify(rsa_key, claims(auth_time=NOW - 121), max_age=120),
    )
    refused(
        kt.InvalidClaim,
        "claim_invalid",
        "auth_time",
        lambda: verify(rsa_key, claims(auth_time="yesterday"), max_age=120),
    )


@pytest.mark.parametrize(("alg", "hash_name"), [("RS256", "sha256"), ("ES384", "sha384")])
def test_at_hash_and_c_hash(alg: str, hash_name: str) -> None:
    key = kt.SigningKey.generate(kid=alg, alg=alg, bits=2048)
    meta = metadata(algs=(alg,))
    good = claims(at_hash=half_hash("access", hash_name), c_hash=half_hash("code", hash_name))
    assert verify(key, good, meta, access_token="access", code="code")["sub"] == "user"
    refused(
        kt.InvalidClaim,
        "claim_invalid",
        "at_hash",
        lambda: verify(key, good, meta, access_token="other"),
    )
    refused(
        kt.InvalidClaim, "claim_invalid", "c_hash", lambda: verify(key, good, meta, code="other")
    )
    refused(
        kt.MissingClaim,
        "claim_missing",
        "at_hash",
        lambda: verify(key, claims(), meta, access_token="access"),
    )


def test_algorithms_come_from_the_provider(rsa_key: kt.SigningKey) -> None:
    with pytest.raises(kt.ConfigurationError) as info:
        IdTokenVerifier(metadata(algs=("none", "HS256")), CLIENT, keys=rsa_key.public_key)
    assert info.value.code == "configuration_invalid"
    ps = kt.SigningKey.generate(kid="rsa", alg="PS256", bits=2048)
    refused(kt.AlgorithmNotAllowed, "algorithm_not_allowed", None, lambda: verify(ps, claims()))


def test_entra_tenant_issuer(rsa_key: kt.SigningKey) -> None:
    meta = metadata(issuer=ENTRA)
    mine = ENTRA.replace("{tenantid}", TENANT)
    assert verify(rsa_key, claims(iss=mine, tid=TENANT), meta)["tid"] == TENANT
    other = ENTRA.replace("{tenantid}", "00000000-0000-0000-0000-000000000000")
    refused(
        kt.InvalidIssuer,
        "issuer_invalid",
        "iss",
        lambda: verify(rsa_key, claims(iss=other, tid=TENANT), meta),
    )
    refused(
        kt.InvalidIssuer, "issuer_invalid", "tid", lambda: verify(rsa_key, claims(iss=mine), meta)
    )
    refused(
        kt.InvalidIssuer,
        "issuer_invalid",
        "tid",
        lambda: verify(rsa_key, claims(iss=mine, tid=f"{TENANT}/v2.0/x"), meta),
    )
