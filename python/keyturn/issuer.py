"""Signing access tokens: an ``Issuer`` signs RFC 9068 access tokens with a keyring's current key
(or one fixed signer), under a lifetime short enough for its keys' retirement."""

from __future__ import annotations

import os
import time
from binascii import b2a_base64
from collections.abc import Collection
from typing import Any, Protocol

from keyturn._core import HmacKey, SigningKey, VerifyingKey, encode
from keyturn._limits import MAX_LEEWAY, MAX_TTL
from keyturn._policy import names
from keyturn.errors import ConfigurationError
from keyturn.key_source import Keys, KeySource
from keyturn.signer import Signer
from keyturn.tokens import DEFAULT_ALGORITHMS, Verifier

__all__ = ["REGISTERED_CLAIMS", "Issuer", "SigningSource"]

#: Claims the Issuer writes itself and never takes from ``**claims``.
REGISTERED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})


class SigningSource(Protocol):
    """Something that names the key signing now (a ``Keyring``)."""

    @property
    def current(self) -> Signer: ...


class Issuer:
    """Signs RFC 9068 access tokens with a keyring's current key (or one fixed signer)."""

    def __init__(
        self,
        keyring_or_signer: SigningSource | Signer,
        *,
        issuer: str,
        audience: str | Collection[str],
        ttl: int = 600,
        typ: str = "at+jwt",
        allow_long_ttl: bool = False,
    ) -> None:
        self._issuer = _text("issuer", issuer)
        audiences = names("audience", audience)
        self._audience: str | list[str] = audiences[0] if len(audiences) == 1 else list(audiences)
        self._ttl = _ttl(ttl, allow_long_ttl)
        self._typ = _text("typ", typ)
        # encode() reads the header parameters and keeps nothing: one dict serves every token.
        self._headers = {"typ": self._typ}
        self._source = _signing_source(keyring_or_signer)
        # A demoted key must stay verifiable until its last token expires, even for a verifier
        # with the largest leeway.
        retire_after = getattr(keyring_or_signer, "retire_after", None)
        if isinstance(retire_after, (int, float)) and self._ttl + MAX_LEEWAY > retire_after:
            raise ConfigurationError(
                f"the keyring retires keys {retire_after:g} s after demotion, less than ttl + "
                f"{MAX_LEEWAY} s of leeway: tokens would outlive their key"
            )

    @property
    def issuer(self) -> str:
        return self._issuer

    @property
    def audience(self) -> str | list[str]:
        return self._audience

    @property
    def ttl(self) -> int:
        """Lifetime of every token this issuer signs, in seconds."""
        return self._ttl

    @property
    def typ(self) -> str:
        return self._typ

    def issue(self, subject: str, /, **claims: Any) -> str:
        """A signed access token for ``subject``.

        ``client_id`` and ``scope`` (a string or a list of scopes) follow RFC 9068; other claims
        pass through; a claim given as ``None`` is left out. Registered claims cannot be passed.
        """
        _text("subject", subject)
        if not REGISTERED_CLAIMS.isdisjoint(claims):
            clash = sorted(REGISTERED_CLAIMS.intersection(claims))
            raise ConfigurationError(f"the issuer sets {', '.join(clash)} itself")
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self._issuer,
            "sub": subject,
            "aud": self._audience,
            "iat": now,
            "exp": now + self._ttl,
            "jti": _jti(),
        }
        for name, value in claims.items():
            if value is not None:
                payload[name] = _scope(value) if name == "scope" else value
        return encode(payload, self._source.current, headers=self._headers)

    def verifier(self, **options: Any) -> Verifier:
        """A Verifier that accepts this issuer's tokens (override any option by keyword)."""
        options.setdefault("issuer", self._issuer)
        options.setdefault("audience", self._audience)
        options.setdefault("typ", self._typ)
        options.setdefault("algorithms", self._algorithms())
        if "keys" not in options:
            options["keys"] = self._verification_keys()
        return Verifier(**options)

    def _algorithms(self) -> tuple[str, ...]:
        """The algorithms of the keys that sign or signed now (a keyring moving between
        algorithms holds both); Ed25519 adds its fully specified name."""
        names = {self._signer().alg}
        if isinstance(self._source, KeySource):
            names.update(
                key.alg or key.algorithms[0]
                for key in self._source.verification_keys()
                if isinstance(key, VerifyingKey)
            )
        if names & {"EdDSA", "Ed25519"}:
            names.update(DEFAULT_ALGORITHMS)
        return tuple(sorted(names))

    def _signer(self) -> Signer:
        return self._source.current

    def _verification_keys(self) -> Keys:
        if isinstance(self._source, KeySource):
            return self._source
        signer = self._source.current
        if isinstance(signer, SigningKey):
            return signer.public_key
        if isinstance(signer, HmacKey):
            return signer
        raise ConfigurationError("a custom signer's public key is unknown here: pass keys=")


class _OneSigner:
    """A SigningSource that always names the same signer."""

    def __init__(self, signer: Signer) -> None:
        self.current = signer


def _signing_source(value: SigningSource | Signer) -> SigningSource:
    if isinstance(value, Signer):
        return _OneSigner(value)
    if not hasattr(value, "current"):
        raise ConfigurationError(
            "sign with a Keyring, a SigningKey, an HmacKey or an object with kid, alg and sign()"
        )
    return value


def _text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{name} must be a non-empty string")
    return value


def _ttl(ttl: object, allow_long_ttl: bool) -> int:
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
        raise ConfigurationError("ttl must be a positive whole number of seconds")
    if ttl > MAX_TTL and not allow_long_ttl:
        raise ConfigurationError(
            f"ttl above {MAX_TTL} seconds defeats short-lived tokens; pass allow_long_ttl=True"
        )
    return ttl


#: base64 to base64url.
_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _jti() -> str:
    """16 random bytes from ``os.urandom`` in base64url, exactly as ``secrets.token_urlsafe(16)``
    writes them (22 characters; the two ``=`` of padding cut), minus its five Python-level calls
    through ``secrets`` and ``base64``."""
    return b2a_base64(os.urandom(16), newline=False)[:22].translate(_URL_SAFE).decode()


def _scope(value: object) -> object:
    if isinstance(value, (list, tuple, set, frozenset)):
        return " ".join(sorted(value) if isinstance(value, (set, frozenset)) else value)
    return value
