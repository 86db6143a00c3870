"""keyturn.pyjwt is at least as strict as PyJWT on every input (issue 13 item 3): over a grid of
claim values and decode options, whenever PyJWT refuses a token keyturn.pyjwt refuses it too, with
a PyJWTError (never another exception)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from typing import Any

import jwt as real_jwt
import pytest

from keyturn import pyjwt as kt_jwt

SECRET = b"d" * 64
NOW = int(time.time())

CLAIM_VALUES: dict[str, list[Any]] = {
    "iss": [None, "issuer", "issuer-x", 7, ""],
    "aud": [None, "api", ["api", "web"], ["web"], [], "", ["api", 3]],
    "exp": [NOW + 600, NOW + 0.999, NOW - 1, NOW + 0.5, "x", True],
    "sub": ["alice", None, 5],
}
OPTIONS: list[dict[str, Any]] = [
    {},
    {"require": ["iss"]},
    {"require": ["exp", "sub"]},
    {"strict_aud": True},
    {"verify_iss": False},
]
ARGUMENTS: list[dict[str, Any]] = [
    {},
    {"audience": "api"},
    {"audience": ["api"]},
    {"issuer": "issuer"},
    {"issuer": ["issuer", "other"], "audience": "web"},
    {"subject": "alice", "audience": ["web", "api"]},
]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(claims: dict[str, Any]) -> str:
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(SECRET, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


def claim_sets() -> list[dict[str, Any]]:
    """Each claim absent or taking each value, one claim varied at a time plus pairs with aud."""
    sets: list[dict[str, Any]] = [{}]
    for name, values in CLAIM_VALUES.items():
        sets.extend({name: value} for value in values)
    for aud, (name, values) in itertools.product(
        CLAIM_VALUES["aud"], [(n, v) for n, v in CLAIM_VALUES.items() if n != "aud"]
    ):
        sets.extend({"aud": aud, name: value} for value in values)
    return sets


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: json.dumps(o))
@pytest.mark.parametrize("arguments", ARGUMENTS, ids=lambda a: json.dumps(a))
def test_keyturn_refuses_whatever_pyjwt_refuses(
    options: dict[str, Any], arguments: dict[str, Any]
) -> None:
    for claims in claim_sets():
        jwt = token(claims)
        try:
            real_jwt.decode(jwt, SECRET, algorithms=["HS256"], options=options, **arguments)
        except real_jwt.PyJWTError:
            pyjwt_accepts = False
        else:
            pyjwt_accepts = True
        try:
            kt_jwt.decode(jwt, SECRET, algorithms=["HS256"], options=options, **arguments)
        except kt_jwt.PyJWTError:
            continue  # refused, with PyJWT's base class: at least as strict
        assert pyjwt_accepts, f"keyturn.pyjwt accepted what PyJWT refuses: {claims}"
