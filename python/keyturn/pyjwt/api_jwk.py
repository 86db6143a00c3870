"""``PyJWK`` and ``PyJWKSet`` (``jwt.api_jwk``): JWKs read into keyturn keys.

``PyJWK(jwk).key`` is a keyturn key (``VerifyingKey``, ``SigningKey`` or ``HmacKey``) where PyJWT
gives a ``cryptography`` object; both are what ``decode``/``encode`` take as ``key``. Messages
never repeat the JWK: it may hold private material.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping
from typing import Any

from keyturn._core import HmacKey, SigningKey, VerifyingKey
from keyturn.errors import KeyturnError
from keyturn.pyjwt._keys import SUPPORTED_ALGORITHMS
from keyturn.pyjwt.exceptions import InvalidKeyError, PyJWKError, PyJWKSetError, PyJWTError

__all__ = ["PyJWK", "PyJWKSet"]

KeyturnKey = VerifyingKey | SigningKey | HmacKey

# The algorithm a JWK without ``alg`` is used with, as PyJWT picks it.
_DEFAULT_ALGORITHM = {
    ("oct", None): "HS256",
    ("OKP", "Ed25519"): "EdDSA",
    ("RSA", None): "RS256",
    ("EC", "P-256"): "ES256",
    ("EC", "P-384"): "ES384",
    ("EC", "P-521"): "ES512",
}


def _declared_algorithm(jwk: Mapping[str, Any]) -> str | None:
    alg = jwk.get("alg")
    return alg if isinstance(alg, str) else None


def _default_algorithm(jwk: Mapping[str, Any]) -> str:
    """As PyJWT: an unknown ``kty`` or curve is a key error, checked before the algorithm."""
    kty = jwk.get("kty")
    if kty is None:
        raise InvalidKeyError("kty is not found")
    if kty in ("oct", "RSA"):
        return _DEFAULT_ALGORITHM[(kty, None)]
    if kty not in ("EC", "OKP"):
        raise InvalidKeyError(f"Unsupported kty: {kty!r}")
    crv = jwk.get("crv")
    if crv is None:
        raise InvalidKeyError("crv is not found")
    found = _DEFAULT_ALGORITHM.get((kty, crv))
    if found is None:
        raise InvalidKeyError(f"Unsupported crv: {crv!r}")
    return found


def _oct_secret(jwk: Mapping[str, Any]) -> HmacKey:
    k = jwk.get("k")
    if not isinstance(k, str):
        raise InvalidKeyError('an "oct" JWK needs a base64url "k" member')
    try:
        secret = base64.urlsafe_b64decode(k + "=" * (-len(k) % 4))
    except (binascii.Error, ValueError):
        raise InvalidKeyError('the "k" member is not base64url') from None
    if not secret:
        raise InvalidKeyError("HMAC key must not be empty.")
    return HmacKey(secret, kid=jwk.get("kid") if isinstance(jwk.get("kid"), str) else None)


def _keyturn_key(jwk: Mapping[str, Any]) -> KeyturnKey:
    if jwk.get("kty") == "oct":
        return _oct_secret(jwk)
    if "d" in jwk:
        return SigningKey.from_jwk(jwk)
    return VerifyingKey.from_jwk(jwk)


class PyJWK:
    """One JWK, as PyJWT's ``PyJWK``: ``.key``, ``.key_id``, ``.key_type``, ``.algorithm_name``."""

    def __init__(self, jwk_data: Mapping[str, Any], algorithm: str | None = None) -> None:
        if not isinstance(jwk_data, Mapping):
            raise InvalidKeyError("a JWK must be a JSON object")
        self._jwk_data = dict(jwk_data)
        default = _default_algorithm(jwk_data)  # checks kty and crv first, as PyJWT does
        algorithm = algorithm or _declared_algorithm(jwk_data) or default
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise PyJWKError(f"Unable to find an algorithm for key: {algorithm!r} is not supported")
        self.algorithm_name: str = algorithm
        try:
            self.key: KeyturnKey = _keyturn_key(jwk_data)
        except KeyturnError as error:
            raise InvalidKeyError(f"the JWK cannot be used: {error}") from None

    @property
    def keyturn_key(self) -> KeyturnKey:
        """The keyturn key (the same object as ``.key``); what keyturn's own APIs take."""
        return self.key

    @property
    def jwk_data(self) -> dict[str, Any]:
        """A copy of the JWK this key was read from."""
        return dict(self._jwk_data)

    @staticmethod
    def from_dict(obj: Mapping[str, Any], algorithm: str | None = None) -> PyJWK:
        return PyJWK(obj, algorithm)

    @staticmethod
    def from_json(data: str, algorithm: str | None = None) -> PyJWK:
        return PyJWK(json.loads(data), algorithm)

    @property
    def key_type(self) -> str | None:
        value = self._jwk_data.get("kty")
        return value if isinstance(value, str) else None

    @property
    def key_id(self) -> str | None:
        value = self._jwk_data.get("kid")
        return value if isinstance(value, str) else None

    @property
    def public_key_use(self) -> str | None:
        value = self._jwk_data.get("use")
        return value if isinstance(value, str) else None

    def __repr__(self) -> str:
        return f"PyJWK(kty={self.key_type!r}, kid={self.key_id!r}, alg={self.algorithm_name!r})"


class PyJWKSet:
    """A JWK Set; keys keyturn cannot use are skipped, as PyJWT skips them."""

    def __init__(self, keys: list[Mapping[str, Any]]) -> None:
        if not isinstance(keys, list) or not keys:
            raise PyJWKSetError("The JWK Set did not contain any keys")
        self.keys: list[PyJWK] = []
        for jwk in keys:
            try:
                self.keys.append(PyJWK(jwk))
            except PyJWTError:
                continue  # another key type or a key keyturn refuses: not fatal for the set
        if not self.keys:
            raise PyJWKSetError("The JWK Set did not contain any usable keys")

    @staticmethod
    def from_dict(obj: Mapping[str, Any]) -> PyJWKSet:
        return PyJWKSet(obj.get("keys", []))

    @staticmethod
    def from_json(data: str) -> PyJWKSet:
        return PyJWKSet.from_dict(json.loads(data))

    def __iter__(self) -> Iterator[PyJWK]:
        return iter(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, kid: str) -> PyJWK:
        for key in self.keys:
            if key.key_id == kid:
                return key
        raise KeyError(f"keyset has no key for kid: {kid}")
