"""The OAuth back channel: form POSTs and bearer GETs to a provider, answers read as JSON.

Every request goes through ``_jwks_http.fetch``, the exchange RemoteJWKS uses, so the same limits
hold: ``https`` only (``http`` to loopback), no redirects followed, no proxies, one deadline over
the whole exchange, a size cap read while the body arrives. This module adds what OAuth says about
the answers: a 200 must be a JSON object; a 400/401 with a JSON ``error`` is the provider refusing
(``GrantError`` carrying that ``error``); anything else (an HTML error page, a 5xx, truncated or
malformed JSON) is a ``ProviderError``.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from keyturn._jwks_http import Endpoint, fetch
from keyturn._jwks_parse import parse_json_object
from keyturn.errors import (
    ConfigurationError,
    GrantError,
    JWKSError,
    ProviderError,
    provider_code,
    with_provider_code,
)

__all__ = ["BackChannel"]

#: RFC 6749 §5.2 error responses are 400 (401 for a failed client authentication); RFC 8628
#: pending/slow_down answers are 400 as well.
_ERROR_STATUSES = frozenset({400, 401})
_JSON = "application/json"


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigurationError(f"{name} must be a positive number")
    return float(value)


@dataclass(frozen=True)
class BackChannel:
    """The limits of every request to one provider: ``timeout`` seconds for each whole exchange,
    ``max_bytes`` of answer, ``ssl_context`` for https (default: the system trust store)."""

    timeout: float = 5.0
    max_bytes: int = 256 * 1024
    ssl_context: ssl.SSLContext = field(default_factory=ssl.create_default_context, repr=False)

    def __post_init__(self) -> None:
        _positive("timeout", self.timeout)
        if isinstance(self.max_bytes, bool) or not isinstance(self.max_bytes, int):
            raise ConfigurationError("max_bytes must be an int")
        _positive("max_bytes", self.max_bytes)

    def post_form(
        self, url: str, form: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """POST ``form`` to ``url``: the JSON object of a 200, else GrantError/ProviderError."""
        return self._exchange(url, "POST", urlencode(form).encode(), headers or {})

    def get_json(self, url: str, headers: Mapping[str, str]) -> dict[str, Any]:
        """GET ``url`` (userinfo): the JSON object of a 200, else GrantError/ProviderError."""
        return self._exchange(url, "GET", None, headers)

    def post_expecting_no_body(
        self, url: str, form: Mapping[str, str], headers: Mapping[str, str]
    ) -> None:
        """POST where a 200 needs no body (RFC 7009 revocation): only refusals are read."""
        self._exchange(url, "POST", urlencode(form).encode(), headers, need_body=False)

    def _exchange(
        self,
        url: str,
        method: str,
        body: bytes | None,
        headers: Mapping[str, str],
        *,
        need_body: bool = True,
    ) -> dict[str, Any]:
        endpoint = Endpoint.parse(url, what="provider endpoint")
        try:
            response = fetch(
                endpoint,
                headers={"Accept": _JSON, **headers},
                etag=None,
                timeout=self.timeout,
                max_bytes=self.max_bytes,
                context=self.ssl_context,
                method=method,
                body=body,
                accepted=_ERROR_STATUSES | {200},
            )
        except JWKSError as exc:
            raise ProviderError(
                f"{endpoint.display()}: {exc}", code="provider_unavailable"
            ) from None
        if response.status == 200:
            if not need_body:
                return {}
            return _json(response.body, endpoint)
        raise _refusal(response.status, response.body, endpoint)


def _json(body: bytes, endpoint: Endpoint) -> dict[str, Any]:
    try:
        return parse_json_object(body, "the answer")
    except JWKSError as exc:
        raise ProviderError(
            f"{endpoint.display()}: {exc}", code="provider_response_invalid"
        ) from None


def _refusal(status: int, body: bytes, endpoint: Endpoint) -> ProviderError:
    """A 400/401: the provider's OAuth error if it sent one, else an unusable answer."""
    try:
        document = parse_json_object(body, "the error answer")
    except JWKSError:
        return ProviderError(
            f"{endpoint.display()}: HTTP {status} without a JSON error",
            code="provider_response_invalid",
        )
    error = document.get("error")
    if not isinstance(error, str):
        return ProviderError(
            f"{endpoint.display()}: HTTP {status} without an error code",
            code="provider_response_invalid",
        )
    code = provider_code(error)
    refusal = GrantError(f"{endpoint.display()}: the provider answered {code}")
    return with_provider_code(refusal, code)
