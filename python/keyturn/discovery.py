"""OpenID Connect discovery (OpenID Connect Discovery 1.0): the whole provider metadata, checked.

``discover(issuer)`` fetches ``issuer + "/.well-known/openid-configuration"`` under the same
transport rules as ``RemoteJWKS`` (``https``, or ``http`` to loopback; no redirects, no proxies,
size and time bounds) and returns a :class:`ProviderMetadata`: the endpoints a sign-in needs, the
``jwks_uri`` and the algorithms, plus the raw document for anything else.

Issuer rule (Discovery §4.3): the document's ``issuer`` must equal the issuer it was fetched for,
exactly. One exception, for Microsoft Entra's multi-tenant endpoints: a document fetched for
``.../common/v2.0`` (or ``organizations``, ``consumers``) names the template
``.../{tenantid}/v2.0``; that template is accepted, and an id_token verifier built from it matches
each token's ``iss`` against the template filled with the token's ``tid``.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from keyturn._jwks_http import (
    Endpoint,
    check_headers,
    check_max_bytes,
    fetch,
    published_endpoint,
    seconds,
)
from keyturn._jwks_parse import parse_json_object, shown
from keyturn._limits import MAX_FETCHED_BYTES
from keyturn.errors import ConfigurationError, JWKSError

__all__ = ["TENANT_PLACEHOLDER", "ProviderMetadata", "discover", "discovery_url"]

TENANT_PLACEHOLDER = "{tenantid}"
_WELL_KNOWN = "/.well-known/openid-configuration"
#: The Entra path segments that stand for "any tenant" in a discovery URL.
_MULTI_TENANT = ("common", "organizations", "consumers")

_ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "end_session_endpoint",
    "device_authorization_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "registration_endpoint",
)
_LISTS = (
    "id_token_signing_alg_values_supported",
    "scopes_supported",
    "response_types_supported",
    "grant_types_supported",
    "code_challenge_methods_supported",
    "token_endpoint_auth_methods_supported",
    "subject_types_supported",
    "claims_supported",
)


@dataclass(frozen=True)
class ProviderMetadata:
    """An OpenID provider's discovery document, with its members type-checked.

    Endpoint members are None when the provider does not publish them; list members are empty
    tuples. ``document`` is the whole JSON object as fetched.
    """

    issuer: str
    jwks_uri: str
    id_token_signing_alg_values_supported: tuple[str, ...]
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    end_session_endpoint: str | None = None
    device_authorization_endpoint: str | None = None
    revocation_endpoint: str | None = None
    introspection_endpoint: str | None = None
    registration_endpoint: str | None = None
    scopes_supported: tuple[str, ...] = ()
    response_types_supported: tuple[str, ...] = ()
    grant_types_supported: tuple[str, ...] = ()
    code_challenge_methods_supported: tuple[str, ...] = ()
    token_endpoint_auth_methods_supported: tuple[str, ...] = ()
    subject_types_supported: tuple[str, ...] = ()
    claims_supported: tuple[str, ...] = ()
    document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def multi_tenant(self) -> bool:
        """Whether ``issuer`` is a template whose ``{tenantid}`` each token's ``tid`` fills."""
        return TENANT_PLACEHOLDER in self.issuer

    @classmethod
    def from_document(cls, document: Mapping[str, Any], *, issuer: str) -> ProviderMetadata:
        """Check a discovery document fetched for ``issuer`` (see the module's issuer rule)."""
        named = document.get("issuer")
        if not isinstance(named, str) or not _issuer_matches(named, issuer):
            raise JWKSError(
                f"OpenID configuration names issuer {shown(named)}, not {shown(issuer)}"
            )
        jwks_uri = _url(document, "jwks_uri", required=True)
        # The JWKS will be fetched under RemoteJWKS's scheme rules.
        published_endpoint(jwks_uri, "OpenID configuration jwks_uri")
        members: dict[str, Any] = {name: _url(document, name) for name in _ENDPOINTS}
        members.update({name: _strings(document, name) for name in _LISTS})
        if not members["id_token_signing_alg_values_supported"]:
            raise JWKSError("OpenID configuration has no id_token_signing_alg_values_supported")
        return cls(issuer=named, jwks_uri=jwks_uri, document=dict(document), **members)


def discovery_url(issuer: str) -> str:
    """Where ``issuer`` publishes its metadata (``ConfigurationError`` if it is no issuer URL)."""
    if not isinstance(issuer, str) or "?" in issuer or "#" in issuer:
        raise ConfigurationError("issuer must be a URL string without query or fragment")
    return issuer.rstrip("/") + _WELL_KNOWN


def _issuer_matches(named: str, requested: str) -> bool:
    if named == requested:
        return True
    if TENANT_PLACEHOLDER not in named:
        return False
    return any(named.replace(TENANT_PLACEHOLDER, alias) == requested for alias in _MULTI_TENANT)


def _url(document: Mapping[str, Any], name: str, *, required: bool = False) -> Any:
    value = document.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise JWKSError(f"OpenID configuration {name} is not an http(s) URL string")
    return value


def _strings(document: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = document.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise JWKSError(f"OpenID configuration {name} is not an array of strings")
    return tuple(value)


def discover(
    issuer: str,
    *,
    timeout: float = 5,
    max_bytes: int = MAX_FETCHED_BYTES,
    headers: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> ProviderMetadata:
    """Fetch and check ``issuer``'s discovery document (``JWKSError`` says what is wrong with it;
    ``ConfigurationError``, before any request, what is wrong with ``issuer`` or an option)."""
    endpoint = Endpoint.parse(discovery_url(issuer), what="issuer URL")
    checked_headers = check_headers(headers)
    timeout = seconds("timeout", timeout, inclusive=False)
    max_bytes = check_max_bytes(max_bytes)
    context = ssl_context if ssl_context is not None else ssl.create_default_context()
    try:
        response = fetch(
            endpoint,
            headers=checked_headers,
            etag=None,
            timeout=timeout,
            max_bytes=max_bytes,
            context=context,
        )
    except JWKSError as exc:
        raise JWKSError(f"{endpoint.display()}: {exc}") from None
    document = parse_json_object(response.body, "OpenID configuration")
    return ProviderMetadata.from_document(document, issuer=issuer)
