"""The authorization server's metadata: RFC 8414 ``/.well-known/oauth-authorization-server`` and
OpenID Connect Discovery's ``/.well-known/openid-configuration``, one document at both.

Both are served so that a verifier finds keyturn the way it finds any other issuer:
``RemoteJWKS.from_issuer(url)`` and ``keyturn.discover(url)`` read the OpenID location, OAuth
libraries the RFC 8414 one.

Members worth a word:

* ``id_token_signing_alg_values_supported``: keyturn issues no id_tokens, but OpenID discovery
  requires the member and verifiers read their algorithm allowlist from it; it names the
  algorithms keyturn signs with (the keyring's, so a keyring moving between algorithms lists
  both), which is exactly what a verifier of keyturn's access tokens must accept.
* ``response_types_supported`` is ``[]``: RFC 8414 requires the member, and keyturn has no
  authorization endpoint, so it supports no response type.
* The document follows the keyring: it is rebuilt when the keys change, and cached by clients
  for the JWKS's own ``max-age`` (the rotation schedule), so an algorithm change reaches them no
  later than the keys do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from keyturn.asgi._http import JSON_TYPE, Scope, Send, method_not_allowed
from keyturn.errors import ConfigurationError

__all__ = [
    "AUTH_METHODS",
    "DEFAULT_PATHS",
    "OAUTH_METADATA_PATH",
    "OPENID_CONFIGURATION_PATH",
    "Metadata",
    "Paths",
]

OAUTH_METADATA_PATH = "/.well-known/oauth-authorization-server"
OPENID_CONFIGURATION_PATH = "/.well-known/openid-configuration"
#: Client authentication at every endpoint (RFC 6749 §2.3.1, RFC 7523 §2.2).
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt")
GRANT_TYPES = ("client_credentials", "refresh_token")


@dataclass(frozen=True)
class Paths:
    """Where each endpoint is served: the token, introspection and revocation paths under the
    issuer's own path, the JWKS path from the origin (where ``jwks_endpoint`` serves it)."""

    token: str = "/oauth/token"  # noqa: S105 (a path)
    introspection: str = "/oauth/introspect"
    revocation: str = "/oauth/revoke"
    jwks: str = "/.well-known/jwks.json"


DEFAULT_PATHS = Paths()


class MetadataKeys(Protocol):
    """What the metadata needs from a keyring: when its keys change, how long clients may cache."""

    @property
    def keys_version(self) -> int: ...

    def max_age_hint(self) -> int: ...


def split_issuer(issuer: str) -> tuple[str, str]:
    """The issuer's origin and its path without the trailing slash ("" for an origin issuer);
    ``ConfigurationError`` for anything but an http(s) URL without query or fragment."""
    parts = urlsplit(issuer)
    if (
        parts.scheme not in ("https", "http")
        or not parts.netloc
        or parts.query
        or parts.fragment
        or "?" in issuer
        or "#" in issuer
    ):
        raise ConfigurationError(
            "the authorization server's issuer must be an http(s) URL without query or fragment "
            "(https://auth.example.com)"
        )
    return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")


class Metadata:
    """The metadata document of ``issuer`` and its endpoint; see the module documentation."""

    def __init__(
        self,
        issuer: str,
        keys: MetadataKeys,
        algorithms: Callable[[], Sequence[str]],
        *,
        paths: Paths = DEFAULT_PATHS,
        assertion_algorithms: Sequence[str] = (),
        scopes: Sequence[str] = (),
        grant_types: Sequence[str] = GRANT_TYPES,
    ) -> None:
        self.issuer = issuer
        self.origin, prefix = split_issuer(issuer)
        # The endpoints live under the issuer's path; the documents where RFC 8414 §3 (the
        # well-known part first) and OpenID Discovery §4 (the issuer first) look for them.
        self.paths = Paths(
            token=prefix + paths.token,
            introspection=prefix + paths.introspection,
            revocation=prefix + paths.revocation,
            jwks=paths.jwks,
        )
        self.document_paths = (OAUTH_METADATA_PATH + prefix, prefix + OPENID_CONFIGURATION_PATH)
        self._keys = keys
        self._algorithms = algorithms  # the signing algorithms now
        self._assertion_algorithms = list(assertion_algorithms)
        self._scopes = list(scopes)
        self._grant_types = list(grant_types)
        self._cached: tuple[int, bytes] | None = None
        self._wrong_method = method_not_allowed("GET, HEAD")

    def url(self, path: str) -> str:
        return self.origin + path

    def document(self) -> dict[str, Any]:
        auth = {
            "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "token_endpoint_auth_signing_alg_values_supported": self._assertion_algorithms,
        }
        document: dict[str, Any] = {
            "issuer": self.issuer,
            "jwks_uri": self.url(self.paths.jwks),
            "token_endpoint": self.url(self.paths.token),
            "introspection_endpoint": self.url(self.paths.introspection),
            "revocation_endpoint": self.url(self.paths.revocation),
            "grant_types_supported": self._grant_types,
            "response_types_supported": [],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": list(self._algorithms()),
            **auth,
        }
        for endpoint in ("introspection", "revocation"):
            for member, value in auth.items():
                document[member.replace("token_endpoint", f"{endpoint}_endpoint")] = value
        if self._scopes:
            document["scopes_supported"] = self._scopes
        return document

    def body(self) -> bytes:
        version = self._keys.keys_version
        cached = self._cached
        if cached is None or cached[0] != version:
            cached = (version, json.dumps(self.document(), separators=(",", ":")).encode())
            self._cached = cached
        return cached[1]

    async def serve(self, scope: Scope, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await self._wrong_method(send)
            return
        body = self.body()
        headers = [
            JSON_TYPE,
            (b"cache-control", f"public, max-age={int(self._keys.max_age_hint())}".encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
