"""Sign in with an identity provider: OpenID Connect Authorization Code + PKCE (S256).

``start_login()`` makes a fresh ``state``, ``nonce`` and PKCE verifier, stores them server-side
(:mod:`keyturn.login_state`) and returns the authorization URL plus a *binding* value that the
browser keeps in a cookie of its own. ``complete_login(callback_params, binding=...)`` takes the
pending login (single use), checks that this browser started it, refuses a provider error, a
mix-up (RFC 9207 ``iss``) or a malformed callback, redeems the code with the verifier and
verifies the id_token (signature always, nonce, ``max_age``, ``at_hash`` when present).

Order of checks in the callback, and why: the state row is taken first (so a callback is
single-use whatever happens next), then the browser binding (login CSRF), then expiry, then
``iss`` (mix-up), and only then is a provider ``error`` believed: an error for a state nobody is
waiting for is noise from anywhere.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import inspect
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from keyturn._core import constant_time_eq, unverified_parts
from keyturn.errors import (
    ConfigurationError,
    InvalidClaim,
    LoginError,
    ProviderError,
    provider_code,
    with_provider_code,
)
from keyturn.key_source import Keys
from keyturn.login_state import AsyncLoginStates, LoginStates, PendingLogin, state_key
from keyturn.oauth_client import OAuthClient, TokenResponse
from keyturn.oidc import IdTokenVerifier

__all__ = ["Login", "LoginStart", "RelyingParty"]

#: Parameters the relying party sets itself; ``extra=`` may not override them.
_OWN_PARAMETERS = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
        "max_age",
    }
)
_LONGEST_PARAMETER = 4096  # a callback value longer than this is not a code or a state


@dataclass(frozen=True)
class LoginStart:
    """Send the browser to ``url``; keep ``binding`` in a cookie for the callback."""

    url: str
    state: str
    binding: str = field(repr=False)


@dataclass(frozen=True)
class Login:
    """A completed sign-in: the verified id_token claims, the provider's tokens, where to go."""

    claims: dict[str, Any]
    tokens: TokenResponse
    return_to: str | None

    @property
    def subject(self) -> str:
        return str(self.claims["sub"])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _refused(code: str, message: str) -> LoginError:
    return LoginError(message, code=code)


def _state_of(params: Mapping[str, str]) -> str:
    state = params.get("state")
    if not isinstance(state, str) or not 0 < len(state) <= _LONGEST_PARAMETER:
        raise _refused("login_state_invalid", "the callback carries no state")
    return state


def _check_pending(pending: PendingLogin | None, binding: str | None) -> PendingLogin:
    if pending is None:
        raise _refused("login_state_invalid", "no login is pending with this state")
    if binding is None or not constant_time_eq(
        _hash(binding).encode(), pending.binding_hash.encode()
    ):
        raise _refused("login_state_invalid", "this login was started in another browser")
    if pending.expires_at <= time.time():
        raise _refused("login_state_expired", "the login took too long; start again")
    return pending


class RelyingParty:
    """Signs users in at one provider for one registered client.

    ``redirect_uri``: the callback URL registered at the provider; ``states``: where pending
    logins wait (a backend's ``login_states``: :class:`keyturn.MemoryLoginStates`,
    :class:`keyturn.SQLiteLoginStates`, PostgreSQL or Redis; an asyncio store serves only
    ``astart_login``/``acomplete_login``);
    ``scope``: must include ``openid``; ``login_ttl``: seconds a login may take; ``keys``: the
    provider's keys (default: a RemoteJWKS of its ``jwks_uri``); ``leeway``: clock tolerance
    for the id_token.
    """

    def __init__(
        self,
        client: OAuthClient,
        *,
        redirect_uri: str,
        states: LoginStates | AsyncLoginStates,
        scope: str = "openid",
        login_ttl: float = 600,
        keys: Keys | None = None,
        leeway: float = 30,
    ) -> None:
        metadata = client.metadata
        if "openid" not in scope.split():
            raise ConfigurationError("scope must include 'openid'")
        client.endpoint("authorization_endpoint")
        client.endpoint("token_endpoint")
        methods = metadata.code_challenge_methods_supported
        if methods and "S256" not in methods:
            # PKCE S256 only: "plain" protects nothing against an attacker who saw the request.
            raise ConfigurationError("the provider does not support PKCE with S256")
        if not 0 < login_ttl <= 3600:
            raise ConfigurationError("login_ttl must be within (0, 3600] seconds")
        self.client = client
        self.redirect_uri = redirect_uri
        self._states = states
        self._native_async = inspect.iscoroutinefunction(states.take)
        self._scope = scope
        self._ttl = float(login_ttl)
        self._id_tokens = IdTokenVerifier(
            metadata, client.client_id, keys=keys or self._remote_keys(), leeway=leeway
        )

    def _remote_keys(self) -> Keys:
        from keyturn.jwks import RemoteJWKS

        channel = self.client.back_channel
        return RemoteJWKS(
            self.client.metadata.jwks_uri, timeout=channel.timeout, ssl_context=channel.ssl_context
        )

    @property
    def login_ttl(self) -> float:
        """Seconds a started login stays redeemable."""
        return self._ttl

    # --- the front channel ---

    def start_login(
        self,
        *,
        return_to: str | None = None,
        max_age: int | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> LoginStart:
        """A new login: the authorization URL, and the binding the browser must keep."""
        start, pending = self._new_login(return_to, max_age, extra)
        self._sync_states().put(state_key(start.state), pending, time.time())
        return start

    def _new_login(
        self, return_to: str | None, max_age: int | None, extra: Mapping[str, str] | None
    ) -> tuple[LoginStart, PendingLogin]:
        overriding = _OWN_PARAMETERS.intersection(extra or {})
        if overriding:
            raise ConfigurationError(f"extra may not set {sorted(overriding)}")
        state, nonce, binding = (secrets.token_urlsafe(32) for _ in range(3))
        verifier = secrets.token_urlsafe(64)  # 86 characters: RFC 7636 asks for 43..128
        pending = PendingLogin(
            binding_hash=_hash(binding),
            nonce=nonce,
            code_verifier=verifier,
            expires_at=time.time() + self._ttl,
            return_to=return_to,
            max_age=max_age,
        )
        params = {
            "response_type": "code",
            "client_id": self.client.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self._scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
            "code_challenge_method": "S256",
            **({} if max_age is None else {"max_age": str(max_age)}),
            **(extra or {}),
        }
        base = self.client.endpoint("authorization_endpoint")
        url = base + ("&" if "?" in base else "?") + urlencode(params)
        return LoginStart(url=url, state=state, binding=binding), pending

    def complete_login(self, params: Mapping[str, str], *, binding: str | None) -> Login:
        """Finish the login the callback ``params`` (its query) answer; LoginError if refused."""
        # Single use from here on, whatever follows.
        pending = self._sync_states().take(state_key(_state_of(params)))
        return self._finish(params, binding, pending)

    def _finish(
        self, params: Mapping[str, str], binding: str | None, pending: PendingLogin | None
    ) -> Login:
        """The callback's checks once its login is taken, the code grant, the id_token."""
        pending = _check_pending(pending, binding)
        self._check_issuer(params)
        if "error" in params:
            code = provider_code(params["error"])
            denied = _refused("login_denied", f"the provider refused the sign-in: {code}")
            raise with_provider_code(denied, code)
        code_value = params.get("code")
        if not isinstance(code_value, str) or not 0 < len(code_value) <= _LONGEST_PARAMETER:
            raise _refused("login_response_invalid", "the callback carries no code")
        tokens = self.client.grant(
            {
                "grant_type": "authorization_code",
                "code": code_value,
                "redirect_uri": self.redirect_uri,
                "code_verifier": pending.code_verifier,
            }
        )
        claims = self._verify_id_token(tokens, pending)
        return Login(claims=claims, tokens=tokens, return_to=pending.return_to)

    async def astart_login(
        self,
        *,
        return_to: str | None = None,
        max_age: int | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> LoginStart:
        """``start_login`` for asyncio: an async store awaited, a blocking one in a thread."""
        start, pending = self._new_login(return_to, max_age, extra)
        if self._native_async:
            await self._states.put(state_key(start.state), pending, time.time())  # type: ignore[misc]
        else:
            await asyncio.to_thread(self._states.put, state_key(start.state), pending, time.time())
        return start

    async def acomplete_login(self, params: Mapping[str, str], *, binding: str | None) -> Login:
        """``complete_login`` off the event loop (store, token endpoint and JWKS do I/O)."""
        key = state_key(_state_of(params))
        if self._native_async:
            pending = await self._states.take(key)  # type: ignore[misc]
        else:
            pending = await asyncio.to_thread(self._states.take, key)
        return await asyncio.to_thread(self._finish, params, binding, pending)

    def refresh(self, refresh_token: str, *, subject: str) -> TokenResponse:
        """The refresh-token grant. A new id_token, if the provider sends one, is verified like
        the first (no nonce: OIDC Core §12.2) and must name the same ``subject``."""
        tokens = self.client.refresh(refresh_token)
        if tokens.id_token is not None:
            claims = self._id_tokens.verify(tokens.id_token)
            if claims["sub"] != subject:
                raise InvalidClaim("the refreshed id_token names another subject", claim="sub")
        return tokens

    async def arefresh(self, refresh_token: str, *, subject: str) -> TokenResponse:
        return await asyncio.to_thread(lambda: self.refresh(refresh_token, subject=subject))

    # --- checks ---

    def _sync_states(self) -> LoginStates:
        if self._native_async:
            raise ConfigurationError(
                "this RelyingParty's login states are an asyncio store: "
                "use astart_login and acomplete_login"
            )
        return self._states  # type: ignore[return-value]

    def _check_issuer(self, params: Mapping[str, str]) -> None:
        """RFC 9207: the callback names its issuer; another one is a mix-up."""
        metadata = self.client.metadata
        if metadata.multi_tenant:
            return  # an Entra template: the id_token's iss/tid check covers it
        iss = params.get("iss")
        if iss is None:
            if metadata.document.get("authorization_response_iss_parameter_supported") is True:
                raise _refused("login_response_invalid", "the callback does not name its issuer")
            return
        if iss != metadata.issuer:
            raise _refused("login_response_invalid", "the callback names another issuer")

    def _verify_id_token(self, tokens: TokenResponse, pending: PendingLogin) -> dict[str, Any]:
        if tokens.id_token is None:
            raise ProviderError(
                "token response: id_token is missing", code="provider_response_invalid"
            )
        # at_hash is optional from the token endpoint (OIDC Core §3.1.3.8) but checked when the
        # token carries one. Peeking only chooses whether to add that check: verify() below
        # reads the same signed bytes.
        _, unverified = unverified_parts(tokens.id_token)
        return self._id_tokens.verify(
            tokens.id_token,
            nonce=pending.nonce,
            max_age=pending.max_age,
            access_token=tokens.access_token if "at_hash" in unverified else None,
        )
