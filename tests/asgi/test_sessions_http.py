"""The session middleware and the session endpoints (token exchange, logout, logout everywhere)
over real HTTP (uvicorn on loopback): every refusal reads and writes nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import keyturn
from keyturn.asgi import RefreshCookie
from keyturn.asgi._http import MAX_BODY_BYTES
from keyturn.asgi.session_endpoints import session_endpoints
from keyturn.asgi.sessions import SessionCookie, SessionMiddleware
from keyturn.sessions import AsyncSessionService, SessionService
from keyturn.stores.memory import MemoryRevocationStore
from keyturn.stores.memory.sessions import MemorySessionStore
from support import Clock

from .conftest import AUDIENCE, ISSUER

SESSION = "__Host-keyturn_session"
CSRF = "__Host-keyturn_csrf"


async def echo_session(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The app behind the middleware: answers with the session it was given."""
    session = scope["state"]["session"]
    body = json.dumps(None if session is None else {"user": session.user_id}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def revocations() -> keyturn.Revocations:
    return keyturn.Revocations(MemoryRevocationStore())


@pytest.fixture
def verifier(ring: keyturn.Keyring, revocations: keyturn.Revocations) -> keyturn.Verifier:
    return keyturn.Verifier(keys=ring, issuer=ISSUER, audience=AUDIENCE, revocations=revocations)


@pytest.fixture
def tokens(
    issuer: keyturn.Issuer, tmp_path: Path, revocations: keyturn.Revocations
) -> Iterator[keyturn.TokenService]:
    service = keyturn.TokenService(issuer, store=keyturn.SQLiteStore(str(tmp_path / "kt.db")))
    yield service
    service.close()


@pytest.fixture
def sessions(
    tokens: keyturn.TokenService, revocations: keyturn.Revocations, clock: Clock
) -> SessionService:
    # touch_interval=0: every accepted request writes last_seen, so a refused one that wrote
    # anything would show.
    return SessionService(
        MemorySessionStore(),
        tokens=tokens,
        revocations=revocations,
        touch_interval=0,
        clock=clock,
    )


@pytest.fixture(params=["sync", "async"])
def served(
    request: pytest.FixtureRequest,
    sessions: SessionService,
    issuer: keyturn.Issuer,
    tmp_path: Path,
    revocations: keyturn.Revocations,
    clock: Clock,
) -> Iterator[Any]:
    """The service the endpoints use: ``sessions`` itself, or an AsyncSessionService over the
    same stores (awaited by the endpoints instead of run in a worker thread)."""
    if request.param == "sync":
        yield sessions
        return
    tokens = keyturn.AsyncTokenService(issuer, keyturn.SQLiteStore(str(tmp_path / "kt.db")))
    yield AsyncSessionService(
        sessions.store, tokens=tokens, revocations=revocations, touch_interval=0, clock=clock
    )
    asyncio.run(tokens.close())


@pytest.fixture
def app(served: Any, issuer: keyturn.Issuer) -> Any:
    return session_endpoints(
        served, issuer, scope="read", app=SessionMiddleware(echo_session, served)
    )


def started(sessions: SessionService, user: str = "user-1") -> str:
    return sessions.start(user, device="laptop").id


def last_seen(sessions: SessionService, user: str = "user-1") -> list[float]:
    return [session.last_seen for session in sessions.store.list_user(user)]  # type: ignore[union-attr]


def cookies(session_id: str, csrf: str = "c" * 43) -> dict[str, str]:
    return {"cookie": f"{SESSION}={session_id}; {CSRF}={csrf}", "x-csrf-token": csrf}


# --- the middleware -------------------------------------------------------------------------------


def test_no_cookie_is_no_session(client: httpx.Client) -> None:
    response = client.get("/page")
    assert response.status_code == 200
    assert response.json() is None


def test_a_live_session_reaches_the_app(
    client: httpx.Client, sessions: SessionService, clock: Clock
) -> None:
    session_id = started(sessions)
    clock.advance(5)
    response = client.get("/page", headers={"cookie": f"{SESSION}={session_id}"})
    assert response.status_code == 200
    assert response.json() == {"user": "user-1"}
    assert last_seen(sessions) == [clock.now]  # the request was recorded


def test_a_session_cookie_sent_twice_is_400_and_writes_nothing(
    client: httpx.Client, sessions: SessionService, clock: Clock
) -> None:
    mine = started(sessions)
    before = last_seen(sessions)
    clock.advance(5)
    tossed = f"{SESSION}={mine}; {SESSION}=kts_{'A' * 43}"
    response = client.get("/page", headers={"cookie": tossed})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": f"cookie {SESSION} sent more than once",
    }
    assert "set-cookie" not in response.headers  # our cookie is not cleared by a planted one
    assert last_seen(sessions) == before


@pytest.mark.parametrize(
    "value",
    [
        "junk",
        "kts_" + "A" * 43,  # well formed, never issued
        "kts_" + "A" * 42 + "B",  # non-zero trailing bits: a second spelling of an id
        "kts_" + "A" * 5000,  # oversized
        "kts_" + "A" * 42 + "%",
    ],
)
def test_a_bad_session_cookie_is_401_session_invalid(
    client: httpx.Client, sessions: SessionService, value: str
) -> None:
    response = client.get("/page", headers={"cookie": f"{SESSION}={value}"})
    assert response.status_code == 401
    assert response.json() == {"error": "session_invalid"}
    assert response.headers["set-cookie"] == (
        f"{SESSION}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"
    )
    assert response.headers["cache-control"] == "no-store"


def test_an_idle_session_is_401_session_expired(
    client: httpx.Client, sessions: SessionService, clock: Clock
) -> None:
    session_id = started(sessions)
    clock.advance(31 * 60)  # past the default 30-minute idle timeout
    response = client.get("/page", headers={"cookie": f"{SESSION}={session_id}"})
    assert response.status_code == 401
    assert response.json() == {"error": "session_expired"}


def test_an_unreachable_store_is_503(issuer: keyturn.Issuer) -> None:
    class Down:
        def get(self, session_id: str) -> object:
            raise keyturn.StoreError("the database is down")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    scope = {"type": "http", "path": "/", "headers": [(b"cookie", f"{SESSION}=x".encode())]}
    asyncio.run(SessionMiddleware(echo_session, Down())(scope, receive, send))
    assert sent[0]["status"] == 503
    assert json.loads(sent[1]["body"]) == {"error": "temporarily_unavailable"}
    ws = websocket_scope(f"{SESSION}=x")
    sent.clear()
    asyncio.run(SessionMiddleware(echo_session, Down())(ws, receive, send))
    assert sent == [{"type": "websocket.close", "code": 1011}]


def test_a_websocket_with_a_bad_session_is_closed_1008(sessions: SessionService) -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    scope = websocket_scope(f"{SESSION}=x")
    asyncio.run(SessionMiddleware(echo_session, sessions)(scope, receive, send))
    assert sent == [{"type": "websocket.close", "code": 1008}]


def websocket_scope(cookie: str) -> dict[str, Any]:
    """A handshake from the app's own page: its Origin passes, so what follows is the session's
    (tests/asgi/test_sessions_websocket.py tests the Origin check itself)."""
    headers = {"cookie": cookie, "host": "app.example", "origin": "https://app.example"}
    return {
        "type": "websocket",
        "scheme": "wss",
        "path": "/",
        "headers": [(name.encode(), value.encode()) for name, value in headers.items()],
    }


# --- POST /auth/token -----------------------------------------------------------------------------


def test_the_session_is_exchanged_for_a_short_lived_token_with_sid(
    client: httpx.Client, sessions: SessionService, verifier: keyturn.Verifier
) -> None:
    start = sessions.start("user-1", device="laptop")
    response = client.post("/auth/token", headers=cookies(start.id))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    claims = verifier.verify(body["access_token"])
    assert claims["sub"] == "user-1"
    assert claims["sid"] == start.session.handle
    assert claims["scope"] == "read"
    assert "set-cookie" not in response.headers


def test_same_origin_evidence_other_than_the_csrf_token_is_accepted(
    client: httpx.Client, sessions: SessionService
) -> None:
    cookie = {"cookie": f"{SESSION}={started(sessions)}"}
    by_fetch = client.post("/auth/token", headers={**cookie, "sec-fetch-site": "same-origin"})
    assert by_fetch.status_code == 200
    by_origin = client.post("/auth/token", headers={**cookie, "origin": str(client.base_url)})
    assert by_origin.status_code == 200


@pytest.mark.parametrize(
    "evidence",
    [
        {},  # none at all
        {"x-csrf-token": "wrong"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},  # a sibling subdomain is not this app
        {"origin": "https://evil.test"},
    ],
)
def test_a_cross_site_exchange_is_403_and_touches_nothing(
    client: httpx.Client, sessions: SessionService, clock: Clock, evidence: dict[str, str]
) -> None:
    session_id = started(sessions)
    before = last_seen(sessions)
    clock.advance(5)
    headers = {"cookie": f"{SESSION}={session_id}; {CSRF}=right", **evidence}
    response = client.post("/auth/token", headers=headers)
    assert response.status_code == 403
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "cross-site request refused",
    }
    assert last_seen(sessions) == before


def test_exchange_refusals(client: httpx.Client, sessions: SessionService) -> None:
    session_id = started(sessions)
    missing = client.post("/auth/token", headers={"x-csrf-token": "c", "cookie": f"{CSRF}=c"})
    assert missing.status_code == 401
    assert missing.json() == {"error": "invalid_request", "error_description": "no session cookie"}
    twice = cookies(session_id)
    twice["cookie"] += f"; {CSRF}=other"
    csrf_twice = client.post("/auth/token", headers=twice)
    assert csrf_twice.status_code == 400
    assert csrf_twice.json() == {
        "error": "invalid_request",
        "error_description": f"cookie {CSRF} sent more than once",
    }
    big = client.post(
        "/auth/token", headers=cookies(session_id), content=b"x" * (MAX_BODY_BYTES + 1)
    )
    assert big.status_code == 400
    assert big.json() == {"error": "invalid_request", "error_description": "request body too large"}
    wrong_method = client.get("/auth/token", headers=cookies(session_id))
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"


def test_an_ended_session_is_not_exchanged(client: httpx.Client, sessions: SessionService) -> None:
    session_id = started(sessions)
    sessions.end(session_id)
    response = client.post("/auth/token", headers=cookies(session_id))
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_grant", "error_description": "session_invalid"}
    assert response.headers["set-cookie"].startswith(f"{SESSION}=; Max-Age=0;")


# --- logout ---------------------------------------------------------------------------------------


def test_logout_ends_the_session_and_the_tokens_minted_from_it(
    client: httpx.Client, sessions: SessionService, verifier: keyturn.Verifier
) -> None:
    session_id = started(sessions)
    access = client.post("/auth/token", headers=cookies(session_id)).json()["access_token"]
    assert verifier.verify(access)["sub"] == "user-1"
    other = started(sessions)  # the same user on another device: untouched
    other_access = client.post("/auth/token", headers=cookies(other)).json()["access_token"]

    response = client.post("/auth/session/logout", headers=cookies(session_id))
    assert response.status_code == 200
    assert response.json() == {"logged_out": True}
    assert response.headers["set-cookie"] == (
        f"{SESSION}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax"
    )
    with pytest.raises(keyturn.TokenRevoked) as raised:
        verifier.verify(access)
    assert raised.value.code == "token_revoked"
    assert verifier.verify(other_access)["sub"] == "user-1"
    page = client.get("/page", headers={"cookie": f"{SESSION}={session_id}"})
    assert page.status_code == 401
    assert page.json() == {"error": "session_invalid"}
    # Logging out an ended session again answers the same (RFC 7009 §2.2).
    assert client.post("/auth/session/logout", headers=cookies(session_id)).status_code == 200


@pytest.mark.parametrize("value", ["junk", "kts_" + "A" * 43])
def test_logout_of_an_unknown_session_answers_the_same(client: httpx.Client, value: str) -> None:
    response = client.post("/auth/session/logout", headers=cookies(value))
    assert response.status_code == 200
    assert response.json() == {"logged_out": True}
    assert response.headers["set-cookie"].startswith(f"{SESSION}=; Max-Age=0;")


def test_a_cross_site_logout_is_refused(client: httpx.Client, sessions: SessionService) -> None:
    session_id = started(sessions)
    headers = {"cookie": f"{SESSION}={session_id}", "sec-fetch-site": "cross-site"}
    response = client.post("/auth/session/logout", headers=headers)
    assert response.status_code == 403
    assert response.json()["error_description"] == "cross-site request refused"
    assert client.get("/page", headers={"cookie": f"{SESSION}={session_id}"}).status_code == 200


def test_logout_everywhere_ends_sessions_refresh_families_and_access_tokens(
    client: httpx.Client,
    sessions: SessionService,
    tokens: keyturn.TokenService,
    verifier: keyturn.Verifier,
    clock: Clock,
) -> None:
    here, there = started(sessions), started(sessions)
    pair = tokens.issue_pair("user-1", "phone")
    access = client.post("/auth/token", headers=cookies(there)).json()["access_token"]
    bystander = started(sessions, "user-2")

    response = client.post("/auth/session/logout-all", headers=cookies(here))
    assert response.status_code == 200
    assert response.json() == {"logged_out": True}
    cleared = response.headers.get_list("set-cookie")
    assert f"{SESSION}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax" in cleared
    assert set(RefreshCookie().clear_cookies()) <= set(cleared)

    for session_id in (here, there):
        page = client.get("/page", headers={"cookie": f"{SESSION}={session_id}"})
        assert page.json() == {"error": "session_invalid"}
    with pytest.raises(keyturn.RevokedRefresh) as refused:
        tokens.rotate(pair.refresh)
    assert refused.value.code == "refresh_revoked"
    with pytest.raises(keyturn.TokenRevoked) as revoked:
        verifier.verify(access)
    assert revoked.value.code == "token_revoked"
    with pytest.raises(keyturn.TokenRevoked):
        verifier.verify(pair.access)
    other = client.get("/page", headers={"cookie": f"{SESSION}={bystander}"})
    assert other.json() == {"user": "user-2"}


def test_logout_everywhere_needs_a_live_session(
    client: httpx.Client, sessions: SessionService
) -> None:
    response = client.post("/auth/session/logout-all", headers=cookies("kts_" + "A" * 43))
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_grant", "error_description": "session_invalid"}


# --- configuration --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{"name": "keyturn_session"}, {"name": "__Secure-session"}, {"name": "a b"}, {"csrf_name": ""}],
)
def test_the_session_cookie_policy_refuses_weak_names(options: dict[str, str]) -> None:
    with pytest.raises(keyturn.ConfigurationError) as raised:
        SessionCookie(**options)
    assert raised.value.code == "configuration_invalid"


def test_set_cookies_are_host_only_httponly_lax(sessions: SessionService) -> None:
    start = sessions.start("user-1")
    session, csrf = SessionCookie().set_cookies(start.id, start.session.expires_at)
    assert session.startswith(f"{SESSION}={start.id}; Max-Age=")
    assert session.endswith("; Path=/; HttpOnly; Secure; SameSite=Lax")
    assert csrf.startswith(f"{CSRF}=")
    assert "HttpOnly" not in csrf  # same-origin JavaScript reads it to echo it


@pytest.mark.parametrize("scope", ["", 'read"', "read\\x"])
def test_a_malformed_exchange_scope_is_a_configuration_error(
    sessions: SessionService, issuer: keyturn.Issuer, scope: str
) -> None:
    with pytest.raises(keyturn.ConfigurationError) as raised:
        session_endpoints(sessions, issuer, scope=scope)
    assert raised.value.code == "configuration_invalid"
