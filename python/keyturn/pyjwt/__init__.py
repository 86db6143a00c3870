"""A PyJWT-shaped front door: swap ``import jwt`` for ``from keyturn import pyjwt as jwt``.

``encode``, ``decode``, ``decode_complete``, ``get_unverified_header``, ``PyJWT``, ``PyJWK``,
``PyJWKSet`` and ``PyJWKClient`` keep PyJWT 2's signatures, and ``jwt.exceptions`` /
``jwt.warnings`` its names. Every exception here is also the matching keyturn error, so
``except jwt.ExpiredSignatureError`` and ``except keyturn.ExpiredToken`` catch the same failure.

On every input this is at least as strict as PyJWT: keyturn's core checks the signature and its
own claim rules, then PyJWT's claim rules run too. ``docs/migrating-from-pyjwt.md`` lists each
place keyturn refuses what PyJWT accepts, and which of PyJWT's own tests that makes fail.
"""

from __future__ import annotations

from keyturn.pyjwt import exceptions, warnings
from keyturn.pyjwt.api_jwk import PyJWK, PyJWKSet
from keyturn.pyjwt.api_jws import get_unverified_header
from keyturn.pyjwt.api_jwt import SUPPORTED_ALGORITHMS, PyJWT, decode, decode_complete, encode
from keyturn.pyjwt.exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidJTIError,
    InvalidKeyError,
    InvalidOptionError,
    InvalidSignatureError,
    InvalidSubjectError,
    InvalidTokenError,
    MissingRequiredClaimError,
    PyJWKClientConnectionError,
    PyJWKClientError,
    PyJWKError,
    PyJWKSetError,
    PyJWTError,
)
from keyturn.pyjwt.jwks_client import PyJWKClient
from keyturn.pyjwt.warnings import InsecureKeyLengthWarning

#: The PyJWT release whose API (and test suite, ``scripts/pyjwt_suite.py``) this module follows.
#: Code that gates PyJWT features on ``jwt.__version__`` sees the API it gets.
__version__ = "2.15.1"

__all__ = [
    "SUPPORTED_ALGORITHMS",
    "DecodeError",
    "ExpiredSignatureError",
    "ImmatureSignatureError",
    "InsecureKeyLengthWarning",
    "InvalidAlgorithmError",
    "InvalidAudienceError",
    "InvalidIssuedAtError",
    "InvalidIssuerError",
    "InvalidJTIError",
    "InvalidKeyError",
    "InvalidOptionError",
    "InvalidSignatureError",
    "InvalidSubjectError",
    "InvalidTokenError",
    "MissingRequiredClaimError",
    "PyJWK",
    "PyJWKClient",
    "PyJWKClientConnectionError",
    "PyJWKClientError",
    "PyJWKError",
    "PyJWKSet",
    "PyJWKSetError",
    "PyJWT",
    "PyJWTError",
    "decode",
    "decode_complete",
    "encode",
    "exceptions",
    "get_unverified_header",
    "warnings",
]
