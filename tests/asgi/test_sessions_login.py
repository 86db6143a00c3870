"""login_endpoints(sessions=...): the provider callback also starts a browser session (a new id,
the browser's old one ended) and binds the refresh family to it by ``sid``. The provider is a
stand-in RelyingParty (tests/oidc drives real ones); the endpoints run on uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

import keyturn
from keyturn.asgi import login_endpoints
from keyturn.relying_party import Login
from keyturn.sessions import SessionService
from keyturn.stores.memory.sessions import MemorySessionStore
from support.loopback import serve

SESSION = "__Host-keyturn_session"
STATE, BINDING = "state-1", "binding-1"


class Party:
    """Answers one login: ``state-1`` bound to ``binding-1``, for the provider's user alice."""

    login_ttl = 600

    async def astart_login(self, return_to: str | None = None) -> Any:
        return SimpleNamespace(state=STATE, binding=BINDING, url="https://idp.test/authorize")

    async def acomplete_login(self, params: dict[str, str], *, binding: str | None) -> Login:
        if params.get("state") != STATE or binding != BINDING:
            raise keyturn.LoginError("not this browser's login", code="login_state_invalid")
        return Login(claims={"sub": "alice"}, tokens=None, return_to="/home")  # type: ignore[arg-type]


@pytest.fixture
def tokens(issuer: keyturn.Issuer, tmp_path: Path) -> Iterator[keyturn.TokenService]:
    service = keyturn.TokenService(issuer, store=keyturn.SQLiteStore(str(tmp_path / "kt.db")))
    yield service
    service.close()


@pytest.fixture
def sessions() -> SessionService:
    return SessionService(MemorySessionStore())


@pytest.fixture
def client(tokens: keyturn.TokenService, sessions: SessionService) -> Iterator[httpx.Client]:
    app = login_endpoints(
        Party(),  # type: ignore[arg-type]
        tokens,
        map_user=lambda login: f"local-{login.subject}",
        sessions=sessions,
    )
    with serve(app) as url, httpx.Client(base_url=url) as client:
        yield client


def login_cookie(client: httpx.Client) -> str:
    started = client.get("/auth/login")
    assert started.status_code == 302
    return started.headers["set-cookie"].split(";", 1)[0]


def test_the_callback_starts_a_session_bound_to_the_refresh_family(
    client: httpx.Client,
    tokens: keyturn.TokenService,
    sessions: SessionService,
    verifier: keyturn.Verifier,
) -> None:
    planted = sessions.start("local-alice").id  # an id the browser held before (or was given)
    cookie = f"{login_cookie(client)}; {SESSION}={planted}"
    answer = client.get(f"/auth/callback?state={STATE}&code=c", headers={"cookie": cookie})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/home"
    set_cookies = answer.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookies if c.startswith(f"{SESSION}="))
    assert session_cookie.endswith("; Path=/; HttpOnly; Secure; SameSite=Lax")
    session_id = session_cookie.split(";", 1)[0].split("=", 1)[1]
    assert session_id != planted
    with pytest.raises(keyturn.InvalidSession) as ended:
        sessions.get(planted)  # fixation: the old id died at sign-in
    assert ended.value.code == "session_invalid"
    session = sessions.get(session_id)
    assert session.user_id == "local-alice"
    refresh = next(c for c in set_cookies if c.startswith("__Host-keyturn_refresh="))
    pair = tokens.rotate(refresh.split(";", 1)[0].split("=", 1)[1])
    assert verifier.verify(pair.access)["sid"] == session.handle


def test_a_refused_callback_starts_no_session(
    client: httpx.Client, sessions: SessionService
) -> None:
    answer = client.get(f"/auth/callback?state={STATE}&code=c")  # no login cookie
    assert answer.status_code == 400
    assert answer.json() == {"error": "login_state_invalid"}
    assert not any(c.startswith(f"{SESSION}=") for c in answer.headers.get_list("set-cookie"))
    assert sessions.sessions("local-alice") == []
