"""Direct ASGI calls, where they are clearer than HTTP: websockets, lifespan, async services and
faults."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

import keyturn
from keyturn.asgi import BearerAuth, RefreshCookie, refresh_endpoints


def call(app: Any, scope: dict[str, Any], body: bytes = b"") -> list[dict[str, Any]]:
    """Run one ASGI request to completion and return what the app sent."""
    sent: list[dict[str, Any]] = []
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    if scope["type"] == "websocket":
        incoming = [{"type": "websocket.connect"}]

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def http_scope(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": path,
        "scheme": "http",
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
    }


def json_body(sent: list[dict[str, Any]]) -> Any:
    return json.loads(sent[1]["body"])


def test_websocket_without_a_token_is_closed(verifier: keyturn.Verifier, echo: Any) -> None:
    app = BearerAuth(echo, verifier)
    sent = call(app, {"type": "websocket", "path": "/ws", "headers": []})
    assert sent == [{"type": "websocket.close", "code": 1008}]


def test_websocket_with_a_token_gets_claims(
    verifier: keyturn.Verifier, issuer: keyturn.Issuer
) -> None:
    seen: dict[str, Any] = {}

    async def ws_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.update(scope["state"]["claims"])

    headers = [(b"authorization", f"Bearer {issuer.issue('user-9')}".encode())]
    call(BearerAuth(ws_app, verifier), {"type": "websocket", "path": "/ws", "headers": headers})
    assert seen["sub"] == "user-9"


def test_lifespan_passes_through(verifier: keyturn.Verifier) -> None:
    seen: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    call(BearerAuth(app, verifier), {"type": "lifespan"})
    assert seen == ["lifespan"]


def test_claims_do_not_leak_into_the_shared_state(
    verifier: keyturn.Verifier, issuer: keyturn.Issuer, echo: Any
) -> None:
    shared_state: dict[str, Any] = {"db": "pool"}
    scope = http_scope("/me", {"authorization": f"Bearer {issuer.issue('user-1')}"})
    scope["state"] = shared_state
    sent = call(BearerAuth(echo, verifier), scope)
    assert json_body(sent)["sub"] == "user-1"
    assert shared_state == {"db": "pool"}  # lifespan state is not mutated across requests


def test_async_token_service(
    issuer: keyturn.Issuer, verifier: keyturn.Verifier, tmp_path: Path
) -> None:
    service = keyturn.AsyncTokenService(issuer, keyturn.SQLiteStore(str(tmp_path / "a.db")))
    pair = asyncio.run(service.issue_pair("user-1", "phone"))
    app = refresh_endpoints(service, verifier=verifier)
    body = json.dumps({"refresh_token": pair.refresh}).encode()
    sent = call(app, http_scope("/auth/refresh", {"content-type": "application/json"}), body)
    assert sent[0]["status"] == 200
    assert json_body(sent)["refresh_token"] != pair.refresh


def test_store_failure_is_503_and_loses_nothing(
    issuer: keyturn.Issuer, verifier: keyturn.Verifier, tmp_path: Path
) -> None:
    database = tmp_path / "kt.db"
    service = keyturn.TokenService(issuer, keyturn.SQLiteStore(str(database)))
    pair = service.issue_pair("user-1", "phone")
    service.close()
    saved = database.read_bytes()
    database.write_bytes(b"this is not a database" * 100)  # a real fault: a corrupted file

    broken = keyturn.TokenService(issuer, keyturn.SQLiteStore(str(database)))
    app = refresh_endpoints(broken, verifier=verifier)
    body = json.dumps({"refresh_token": pair.refresh}).encode()
    sent = call(app, http_scope("/auth/refresh", {"content-type": "application/json"}), body)
    assert sent[0]["status"] == 503
    assert json_body(sent) == {"error": "temporarily_unavailable"}
    broken.close()

    database.write_bytes(saved)
    restored = keyturn.TokenService(issuer, keyturn.SQLiteStore(str(database)))
    assert restored.rotate(pair.refresh).access  # the token was not consumed
    restored.close()


class ExplodingService:
    """A fault that cannot be caused for real through the public API: a bug in the service."""

    def rotate(self, refresh: str) -> Any:
        raise RuntimeError(f"internal detail that must not leak: {refresh}")

    def logout(self, refresh: str) -> None:
        raise RuntimeError("boom")

    def logout_all(self, user_id: str) -> int:
        raise RuntimeError("boom")


def test_unexpected_failure_is_a_bare_500(verifier: keyturn.Verifier) -> None:
    app = refresh_endpoints(ExplodingService(), verifier=verifier)
    body = json.dumps({"refresh_token": "kt_secret_value"}).encode()
    sent = call(app, http_scope("/auth/refresh", {"content-type": "application/json"}), body)
    assert sent[0]["status"] == 500
    assert json_body(sent) == {"error": "server_error"}
    assert b"kt_secret_value" not in sent[1]["body"]


def test_client_disconnect_while_sending_the_body(verifier: keyturn.Verifier) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    app = refresh_endpoints(ExplodingService(), verifier=verifier)
    asyncio.run(app(http_scope("/auth/refresh"), receive, send))
    assert sent[0]["status"] == 400


def test_refresh_cookie_never_shows_up_in_repr() -> None:
    cookie = RefreshCookie()
    values = cookie.set_cookies("kt_secret", 0)
    assert "kt_secret" not in repr(cookie)
    assert values[0].startswith("__Host-keyturn_refresh=kt_secret; Max-Age=0; Path=/; HttpOnly")


@pytest.mark.parametrize(
    ("policy", "name", "path"),
    [
        (None, "__Host-keyturn_refresh", "/"),  # __Host- cookies live at Path=/ whatever the prefix
        (
            RefreshCookie(name="__Secure-keyturn_refresh", path="/api/auth"),
            "__Secure-keyturn_refresh",
            "/api/auth",
        ),
    ],
)
def test_custom_prefix_and_the_cookie_path(
    service: keyturn.TokenService,
    verifier: keyturn.Verifier,
    policy: RefreshCookie | None,
    name: str,
    path: str,
) -> None:
    pair = service.issue_pair("user-1", "browser")
    app = refresh_endpoints(service, verifier=verifier, prefix="/api/auth/", cookie=policy)
    headers = {"cookie": f"{name}={pair.refresh}", "sec-fetch-site": "same-origin"}
    sent = call(app, http_scope("/api/auth/refresh", headers))
    assert sent[0]["status"] == 200
    cookies = [value.decode() for name, value in sent[0]["headers"] if name == b"set-cookie"]
    assert cookies[0].startswith(f"{name}=")
    assert f"; Path={path}; HttpOnly; Secure; SameSite=Strict" in cookies[0]
    assert call(app, http_scope("/auth/refresh"))[0]["status"] == 404


def test_logout_all_with_revocations_kills_access_tokens_too(
    ring: keyturn.Keyring, issuer: keyturn.Issuer, service: keyturn.TokenService, echo: Any
) -> None:
    revocations = keyturn.Revocations(keyturn.MemoryRevocationStore())
    verifier = keyturn.Verifier(
        keys=ring, issuer="https://auth.test", audience="api.test", revocations=revocations
    )
    app = refresh_endpoints(
        service, verifier=verifier, revocations=revocations, app=BearerAuth(echo, verifier)
    )
    phone = service.issue_pair("user-1", "phone")
    laptop = service.issue_pair("user-1", "laptop")
    bearer = {"authorization": f"Bearer {phone.access}"}
    assert call(app, http_scope("/auth/logout-all", bearer))[0]["status"] == 200

    refused = call(app, http_scope("/api/me", {"authorization": f"Bearer {laptop.access}"}))
    assert refused[0]["status"] == 401
    assert json_body(refused)["error_description"] == "token_revoked"


def test_unreachable_jwks_is_503_and_never_reaches_the_app(echo: Any) -> None:
    """A real fault: the issuer's JWKS endpoint refuses connections (nothing listens there)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    jwks = keyturn.RemoteJWKS(f"http://127.0.0.1:{port}/jwks.json", timeout=1)
    verifier = keyturn.Verifier(jwks, issuer="https://a", audience="b")
    token = keyturn.encode({"exp": 4_000_000_000}, keyturn.SigningKey.generate())
    scope = http_scope("/api", {"authorization": f"Bearer {token}"})
    sent = call(BearerAuth(echo, verifier), scope)
    assert sent[0]["status"] == 503
    assert json_body(sent) == {"error": "temporarily_unavailable"}
    ws = call(BearerAuth(echo, verifier), {**scope, "type": "websocket"})
    assert ws == [{"type": "websocket.close", "code": 1011}]


def test_unreachable_revocation_store_is_503(
    echo: Any, ring: keyturn.Keyring, issuer: keyturn.Issuer, tmp_path: Path
) -> None:
    """A real fault: the revocation database lives in a directory that does not exist."""
    store = keyturn.SQLiteRevocationStore(tmp_path / "missing-dir" / "revocations.db")
    verifier = keyturn.Verifier(
        ring,
        issuer=issuer.issuer,
        audience=issuer.audience,
        revocations=keyturn.Revocations(store),
    )
    scope = http_scope("/api", {"authorization": f"Bearer {issuer.issue('user-1')}"})
    sent = call(BearerAuth(echo, verifier), scope)
    assert sent[0]["status"] == 503
    assert json_body(sent) == {"error": "temporarily_unavailable"}


@pytest.mark.parametrize("realm", ['api"', "api\\"])
def test_a_realm_that_would_break_the_header_is_a_configuration_error(realm: str) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("never called")

    with pytest.raises(keyturn.ConfigurationError) as refused:
        BearerAuth(app, verifier=None, realm=realm)  # type: ignore[arg-type]
    assert refused.value.code == "configuration_invalid"
