"""OAuth scopes: which ones a route requires, which ones a token grants, and the RFC 6750 challenge
that says what is missing. Pure; shared by ``BearerAuth`` and the FastAPI/Starlette helpers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from keyturn.errors import ConfigurationError

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). No space, quote or backslash, so a
# configured scope can go into a quoted WWW-Authenticate attribute as it is.
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
_METHOD = re.compile(r"[A-Z]+")


def scope_set(scopes: str | Iterable[str]) -> frozenset[str]:
    """Configured scopes (``"a b"`` or ``["a", "b"]``) as a set; a malformed one is a
    ``ConfigurationError`` (a typo must not silently require a scope no token can carry)."""
    items = scopes.split(" ") if isinstance(scopes, str) else list(scopes)
    for item in items:
        if not isinstance(item, str) or not _SCOPE_TOKEN.fullmatch(item):
            raise ConfigurationError(f"{item!r} is not an RFC 6749 scope token")
    if not items:
        raise ConfigurationError("name at least one scope")
    return frozenset(items)


def granted(claims: Mapping[str, Any]) -> frozenset[str]:
    """The scopes a token grants: its ``scope`` claim, one space-separated string (RFC 9068 §2.2.3,
    RFC 8693 §4.2). Anything else (absent, a list, a number) grants nothing: the verifier does not
    guess at provider-specific shapes such as ``scp``."""
    value = claims.get("scope")
    return frozenset(value.split()) if isinstance(value, str) else frozenset()


def check_realm(realm: str) -> str:
    if not isinstance(realm, str) or '"' in realm or "\\" in realm:
        raise ConfigurationError("realm must be a string without quotes or backslashes")
    return realm


def challenge(realm: str, error: str | None, description: str | None, scope: str | None) -> str:
    """An RFC 6750 §3 ``WWW-Authenticate`` value. Every attribute value is already safe to quote:
    realms and scopes are checked at configuration, descriptions are keyturn's own codes."""
    parts = [f'realm="{realm}"']
    if error is not None:
        parts.append(f'error="{error}"')
    if description is not None:
        parts.append(f'error_description="{description}"')
    if scope is not None:
        parts.append(f'scope="{scope}"')
    return "Bearer " + ", ".join(parts)


def spelled(scopes: Iterable[str]) -> str:
    """Scopes as one space-separated string, sorted so a response never depends on set order."""
    return " ".join(sorted(scopes))


@dataclass(frozen=True)
class _Rule:
    method: str | None
    prefix: str
    scopes: frozenset[str]

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return path == self.prefix or path.startswith(self.prefix.rstrip("/") + "/")


class ScopeRules:
    """Required scopes per path prefix, optionally per method: ``{"/orders": "read:orders",
    "POST /orders": ["write:orders"]}``. A prefix covers itself and the paths below it
    (``/orders`` covers ``/orders/7``, not ``/ordersx``). Every rule that matches a request applies
    and their scopes add up, so a broad rule can never be undone by a narrower one."""

    def __init__(self, rules: Mapping[str, str | Iterable[str]]) -> None:
        self._rules = tuple(_rule(key, scopes) for key, scopes in rules.items())

    def required(self, method: str, path: str) -> frozenset[str]:
        needed: frozenset[str] = frozenset()
        for rule in self._rules:
            if rule.matches(method, path):
                needed |= rule.scopes
        return needed


def _rule(key: object, scopes: str | Iterable[str]) -> _Rule:
    if not isinstance(key, str):
        raise ConfigurationError(f"a scope rule is 'PATH' or 'METHOD PATH', not {key!r}")
    method, _, path = key.rpartition(" ")
    if (method and not _METHOD.fullmatch(method)) or not path.startswith("/"):
        raise ConfigurationError(f"a scope rule is 'PATH' or 'METHOD PATH', not {key!r}")
    return _Rule(method or None, path, scope_set(scopes))
