"""``PyJWKClient`` (``jwt.jwks_client``) on top of ``keyturn.RemoteJWKS``.

``jwks_client.get_signing_key_from_jwt(token).key`` is how most PyJWT users verify tokens from an
identity provider; it works unchanged, with RemoteJWKS's transport rules underneath: https only
(http to loopback), no redirects, a bounded exchange and body, a cached set kept through outages,
and at most one refetch per cooldown for unknown kids.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping

from keyturn.errors import ConfigurationError, JWKSError
from keyturn.jwks import RemoteJWKS
from keyturn.pyjwt.api_jwk import PyJWK, PyJWKSet
from keyturn.pyjwt.api_jws import get_unverified_header
from keyturn.pyjwt.exceptions import PyJWKClientConnectionError, PyJWKClientError

__all__ = ["PyJWKClient"]


class PyJWKClient:
    """PyJWT's JWKS client. ``lifespan`` is the cache lifetime without ``max-age``; keys are
    always cached (``cache_keys``/``cache_jwk_set``/``max_cached_keys`` are accepted and ignored:
    RemoteJWKS caches the set and bounds refetches itself)."""

    def __init__(
        self,
        uri: str,
        cache_keys: bool = False,
        max_cached_keys: int = 16,
        cache_jwk_set: bool = True,
        lifespan: float = 300,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30,
        ssl_context: ssl.SSLContext | None = None,
        cooldown_duration: float = 30,
    ) -> None:
        del cache_keys, max_cached_keys, cache_jwk_set  # see the class docstring
        self.uri = uri
        try:
            self.remote = RemoteJWKS(
                uri,
                ttl=lifespan,
                cooldown=cooldown_duration,
                timeout=timeout,
                headers=headers,
                ssl_context=ssl_context,
            )
        except ConfigurationError as error:
            # A URL RemoteJWKS refuses (not https, not loopback http) or lifespan, timeout or
            # cooldown out of range: PyJWT's callers catch PyJWKClientError.
            raise PyJWKClientError(str(error)) from None

    def get_signing_keys(self, refresh: bool = False) -> list[PyJWK]:
        try:
            if refresh:
                self.remote.refresh_on_unknown_kid()
            keys = self.remote.verification_keys()
        except JWKSError as error:
            raise PyJWKClientConnectionError(
                f"Fail to fetch data from the url, err: {error}"
            ) from None
        if not keys:
            raise PyJWKClientError("The JWKS endpoint did not contain any signing keys")
        return [PyJWK(key.to_jwk()) for key in keys]

    def get_jwk_set(self, refresh: bool = False) -> PyJWKSet:
        return PyJWKSet([jwk.jwk_data for jwk in self.get_signing_keys(refresh)])

    def get_signing_key(self, kid: str | None) -> PyJWK:
        """The key with ``kid``; one refetch (rate-limited by RemoteJWKS) if it is unknown."""
        key = self.match_kid(self.get_signing_keys(), kid)
        if key is None:
            key = self.match_kid(self.get_signing_keys(refresh=True), kid)
        if key is None:
            raise PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')
        return key

    def get_signing_key_from_jwt(self, token: str | bytes) -> PyJWK:
        return self.get_signing_key(get_unverified_header(token).get("kid"))

    @staticmethod
    def match_kid(signing_keys: list[PyJWK], kid: str | None) -> PyJWK | None:
        return next((key for key in signing_keys if key.key_id == kid), None)
