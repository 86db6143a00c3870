"""Cookie-authenticated websockets over real HTTP (uvicorn on loopback, the ``websockets`` client):
a handshake that carries a session cookie must come from an allowed Origin (no cross-site
websocket hijacking); a refused one reaches no app and records nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from keyturn.asgi.sessions import SessionMiddleware
from keyturn.sessions import SessionService
from keyturn.stores.memory.sessions import MemorySessionStore
from support import Clock
from support.loopback import serve

SESSION = "__Host-keyturn_session"


async def echo_session(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The websocket app behind the middleware: sends the session's user, then closes."""
    session = scope["state"]["session"]
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    user = None if session is None else session.user_id
    await send({"type": "websocket.send", "text": json.dumps({"user": user})})
    await send({"type": "websocket.close", "code": 1000})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sessions(clock: Clock) -> SessionService:
    # touch_interval=0: every accepted handshake writes last_seen, so a refused one that wrote
    # anything would show.
    return SessionService(MemorySessionStore(), touch_interval=0, clock=clock)


def served(sessions: SessionService, **options: Any) -> Any:
    return serve(SessionMiddleware(echo_session, sessions, **options))


@pytest.fixture
def base(sessions: SessionService) -> Iterator[str]:
    with served(sessions) as url:
        yield url


def handshake(base: str, *, session_id: str | None, origin: str | None) -> Any:
    """The first message the app sends, or the refused handshake's HTTP status."""
    headers = {} if session_id is None else {"cookie": f"{SESSION}={session_id}"}
    url = base.replace("http://", "ws://") + "/socket"
    try:
        with connect(url, additional_headers=headers, origin=origin, proxy=None) as socket:  # type: ignore[arg-type]
            return json.loads(socket.recv(timeout=10))
    except InvalidStatus as refused:
        return refused.response.status_code


def last_seen(sessions: SessionService) -> list[float]:
    return [session.last_seen for session in sessions.store.list_user("user-1")]  # type: ignore[union-attr]


def test_a_websocket_from_the_apps_own_origin_gets_its_session(
    base: str, sessions: SessionService, clock: Clock
) -> None:
    session_id = sessions.start("user-1", device="laptop").id
    clock.advance(5)
    assert handshake(base, session_id=session_id, origin=base) == {"user": "user-1"}
    assert last_seen(sessions) == [clock.now]


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://sibling.127.0.0.1.nip.io",  # another page of the same site
        "null",  # a sandboxed iframe or a file: page
        None,  # no browser leaves it out
    ],
)
def test_a_websocket_from_any_other_origin_is_refused_and_records_nothing(
    base: str, sessions: SessionService, clock: Clock, origin: str | None
) -> None:
    session_id = sessions.start("user-1", device="laptop").id
    before = last_seen(sessions)
    clock.advance(5)
    # The middleware closes the handshake (1008) before accepting: uvicorn answers it 403.
    assert handshake(base, session_id=session_id, origin=origin) == 403
    assert last_seen(sessions) == before


def test_an_ended_session_from_the_apps_own_origin_is_refused(
    base: str, sessions: SessionService
) -> None:
    session_id = sessions.start("user-1", device="laptop").id
    sessions.end(session_id)
    assert handshake(base, session_id=session_id, origin=base) == 403
    assert handshake(base, session_id="junk", origin=base) == 403


def test_configured_origins_replace_the_apps_own(sessions: SessionService) -> None:
    session_id = sessions.start("user-1", device="laptop").id
    with served(sessions, allowed_origins=["https://app.example"]) as base:
        assert handshake(base, session_id=session_id, origin="https://app.example") == {
            "user": "user-1"
        }
        assert handshake(base, session_id=session_id, origin=base) == 403


def test_a_websocket_without_a_session_cookie_needs_no_origin(base: str) -> None:
    # Nothing rides on it: the app sees no session, as for an HTTP request without the cookie.
    assert handshake(base, session_id=None, origin="https://evil.example") == {"user": None}
