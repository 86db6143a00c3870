"""Sign in with an identity provider: ``GET {prefix}/login`` and ``GET {prefix}/callback``.

``/login?next=/path`` starts a login at the :class:`keyturn.RelyingParty`, sets one small cookie
for this login only (``__Host-keyturn_login_<16 hex of the state's hash>``: the random binding,
HttpOnly, SameSite=Lax so the provider's redirect back carries it, expiring with the login) and
redirects to the provider. Two tabs get two cookies and never clobber each other.

``/callback`` completes the login with that cookie, asks the application's ``map_user(login)``
hook for the local user id (it may create the user; sync or async), issues keyturn's own pair
through the token service, sets the refresh cookie (the same :class:`RefreshCookie` policy as
``/auth/refresh``), clears the login cookie and redirects (303) to ``next``. Any refusal answers
400 (502 when the provider is unreachable) with ``{"error": <code>}``; nothing is issued and
``map_user`` is not called.

With ``sessions=`` (a :class:`keyturn.SessionService`) the callback also starts a browser session
(a new id; the one the browser held before ends) and binds the refresh family to it: every
access token the family mints carries the session's ``sid``, so ending the session ends them.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl

from keyturn.asgi._http import (
    NO_STORE,
    ASGIApp,
    Receive,
    Request,
    Scope,
    Send,
    call,
    logger,
    not_found,
    respond,
    routed,
)
from keyturn.asgi.cookies import RefreshCookie, cookie_headers
from keyturn.asgi.refresh import RefreshPair
from keyturn.asgi.sessions import SessionCookie
from keyturn.errors import ConfigurationError, KeyturnError, LoginError, ProviderError, StoreError
from keyturn.relying_party import Login, RelyingParty

__all__ = ["LoginIssuer", "login_endpoints"]

LOGIN_COOKIE_PREFIX = "__Host-keyturn_login_"
_LONGEST_NEXT = 512
_LONGEST_QUERY = 8 * 1024

UserMapper = Callable[[Login], "str | Awaitable[str]"]


class LoginIssuer(Protocol):
    """What the callback needs from a :class:`keyturn.TokenService` (or the async one)."""

    def issue_pair(
        self, user_id: str, device_id: str, claims: Mapping[str, Any] | None = None
    ) -> RefreshPair | Awaitable[RefreshPair]: ...


class _Started(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def session(self) -> Any: ...


class SessionStarter(Protocol):
    """What the callback needs from a :class:`keyturn.SessionService` (or the async one)."""

    def start(
        self, user_id: str, *, device: str, user_agent: str, replacing: str | None
    ) -> _Started | Awaitable[_Started]: ...


def login_cookie_name(state: str) -> str:
    return LOGIN_COOKIE_PREFIX + hashlib.sha256(state.encode()).hexdigest()[:16]


def local_path(value: str | None) -> str | None:
    """``next`` only ever names a path on this site: no scheme, no ``//host``, no backslash."""
    if (
        value is None
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or len(value) > _LONGEST_NEXT
        or not value.isascii()
        or any(c < " " or c in "\\\x7f" for c in value)
    ):
        return None
    return value


def _query(scope: Scope) -> dict[str, str] | None:
    """The query as a dict; None when it is too long, malformed or repeats a parameter (a
    repeated ``state`` or ``code`` means someone is tampering: neither copy is trusted)."""
    raw = scope.get("query_string", b"")
    if len(raw) > _LONGEST_QUERY:
        return None
    try:
        pairs = parse_qsl(raw.decode("ascii"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return None
    params = dict(pairs)
    return params if len(params) == len(pairs) else None


class _LoginEndpoints:
    def __init__(
        self,
        party: RelyingParty,
        service: LoginIssuer,
        *,
        map_user: UserMapper,
        prefix: str,
        cookie: RefreshCookie,
        device_id: str,
        default_next: str,
        sessions: SessionStarter | None,
        session_cookie: SessionCookie,
        app: ASGIApp,
    ) -> None:
        self.sessions = sessions
        self.session_cookie = session_cookie
        self.party = party
        self.service = service
        self.map_user = map_user
        self.cookie = cookie
        self.device_id = device_id
        self.default_next = default_next
        self.app = app
        prefix = prefix.rstrip("/")
        self.routes: dict[str, Callable[[Request, Send], Awaitable[None]]] = {
            f"{prefix}/login": self.login,
            f"{prefix}/callback": self.callback,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = await routed(scope, receive, send, self.routes, "GET", self.app)
        if handler is not None:
            try:
                await handler(Request.of(scope), send)
            except StoreError as error:
                logger.warning("login state store unavailable: %s", error.code)
                await respond(send, 503, {"error": "temporarily_unavailable"}, NO_STORE)

    async def login(self, request: Request, send: Send) -> None:
        params = _query(request.scope) or {}
        start = await self.party.astart_login(return_to=local_path(params.get("next")))
        ttl = int(self.party.login_ttl)
        binding = (
            f"{login_cookie_name(start.state)}={start.binding}; Max-Age={ttl}; Path=/; "
            "HttpOnly; Secure; SameSite=Lax"
        )
        headers = [(b"location", start.url.encode()), *cookie_headers([binding]), *NO_STORE]
        await respond(send, 302, None, headers)

    async def callback(self, request: Request, send: Send) -> None:
        params = _query(request.scope)
        state = (params or {}).get("state", "")
        name = login_cookie_name(state)
        clear = cookie_headers([f"{name}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"])
        # A login cookie sent twice was planted beside ours: neither copy binds this browser.
        binding = None if name in request.repeated_cookies else request.cookies.get(name)
        try:
            if params is None:
                raise _bad_callback()
            login = await self.party.acomplete_login(params, binding=binding)
        except StoreError:
            raise  # our storage failed, not the login: a 503 (in __call__)
        except KeyturnError as error:
            status = 502 if isinstance(error, ProviderError) and not _answered(error) else 400
            logger.info("sign-in refused: %s", error.code)
            await respond(send, status, {"error": error.code}, [*clear, *NO_STORE])
            return
        user_id = await call(self.map_user, login)
        if not isinstance(user_id, str) or not user_id:
            raise TypeError("map_user must return the local user id as a non-empty str")
        session_cookies, claims = await self.start_session(request, user_id)
        # Two arguments without sessions: a LoginIssuer of old need not take claims.
        args = (user_id, self.device_id) if claims is None else (user_id, self.device_id, claims)
        pair = cast(RefreshPair, await call(self.service.issue_pair, *args))
        headers = [
            (b"location", (login.return_to or self.default_next).encode()),
            *clear,
            *cookie_headers(self.cookie.set_cookies(pair.refresh, pair.refresh_expires_at)),
            *cookie_headers(session_cookies),
            *NO_STORE,
        ]
        await respond(send, 303, None, headers)

    async def start_session(
        self, request: Request, user_id: str
    ) -> tuple[list[str], dict[str, str] | None]:
        """With ``sessions``: a new session (the browser's old id ends: no fixation), its
        ``Set-Cookie`` values (the first: the CSRF cookie comes with the refresh cookie) and the
        claims that bind the refresh family to it."""
        if self.sessions is None:
            return [], None
        start = functools.partial(
            self.sessions.start,
            user_id,
            device=self.device_id,
            user_agent=request.headers.get("user-agent", ""),
            replacing=request.cookies.get(self.session_cookie.name),
        )
        started = cast(_Started, await call(start))
        session_cookie = self.session_cookie.set_cookies(started.id, started.session.expires_at)[0]
        return [session_cookie], {"sid": started.session.handle}


def _bad_callback() -> LoginError:
    return LoginError("the callback query is malformed", code="login_response_invalid")


def _answered(error: ProviderError) -> bool:
    """Whether the provider did answer (a refusal or a malformed answer: the request's fault)."""
    return error.code != "provider_unavailable"


def login_endpoints(
    party: RelyingParty,
    service: LoginIssuer,
    *,
    map_user: UserMapper,
    prefix: str = "/auth",
    cookie: RefreshCookie | None = None,
    device_id: str = "web",
    default_next: str = "/",
    sessions: SessionStarter | None = None,
    session_cookie: SessionCookie | None = None,
    app: ASGIApp = not_found,
) -> ASGIApp:
    """``GET {prefix}/login`` and ``GET {prefix}/callback`` (see the module documentation).

    ``map_user(login)`` gets the completed :class:`keyturn.Login` (verified id_token claims in
    ``login.claims``, the provider's tokens in ``login.tokens``) and returns the local user id.
    ``cookie`` must be the policy ``refresh_endpoints`` uses. The callback URL registered at
    the provider is ``party.redirect_uri``, which must point at ``{prefix}/callback``. With
    ``sessions``, the callback also starts a browser session (``session_cookie``'s policy, the
    one ``session_endpoints`` reads) and binds the refresh family to it (``sid``).
    """
    if local_path(default_next) is None:
        raise ConfigurationError("default_next must be a local path such as '/'")
    return _LoginEndpoints(
        party,
        service,
        map_user=map_user,
        prefix=prefix,
        cookie=cookie or RefreshCookie(),
        device_id=device_id,
        default_next=default_next,
        sessions=sessions,
        session_cookie=session_cookie or SessionCookie(),
        app=app,
    )
