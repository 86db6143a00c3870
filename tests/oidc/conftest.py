"""Identity providers for the sign-in tests, all on 127.0.0.1.

* ``nanoidp`` (tests/support/providers.py, shared with tests/browser) and ``mock_idp``: two real,
  independent OpenID Providers from PyPI (nanoidp, oidc-provider-mock), each started once per
  session as its own process on a free port.
* ``scripted``: a provider this test suite controls byte for byte (discovery, JWKS, and whatever
  answer a test scripts for the token endpoint), for the hostile and malformed answers.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import uvicorn

from keyturn import (
    ClientSecretBasic,
    Issuer,
    Keyring,
    Login,
    OAuthClient,
    RelyingParty,
    SigningKey,
    SQLiteLoginStates,
    SQLiteStore,
    TokenService,
    Verifier,
)
from keyturn.asgi import login_endpoints, refresh_endpoints
from support.providers import (
    NANO_BASIC,
    NANO_PASSWORD,
    NANO_POST,
    NANO_PUBLIC,
    NANO_USER,
    Provider,
    free_port,
    provider_process,
)

__all__ = ["NANO_BASIC", "NANO_POST", "NANO_PUBLIC", "Provider", "free_port"]  # for the tests

REDIRECT_URI = "http://127.0.0.1:9/auth/callback"  # never contacted: tests read the Location


def nanoidp_sign_in(
    browser: httpx.Client, url: str, redirect_uri: str = REDIRECT_URI
) -> dict[str, str]:
    """Do what a user does at nanoidp's login page; the callback's query parameters."""
    page = browser.get(url)
    assert page.status_code == 200, page.text[:500]
    match = re.search(r'name="transaction_id" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    form = {"transaction_id": match.group(1), "username": NANO_USER, "password": NANO_PASSWORD}
    return callback_params(browser.post(str(page.url), data=form), redirect_uri)


# --- oidc-provider-mock ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mock_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    directory = tmp_path_factory.mktemp("oidc-provider-mock")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"  # it names the Host it was reached at
    command = [sys.executable, "-m", "oidc_provider_mock", "-H", "127.0.0.1", "-p", str(port)]
    with provider_process(command, issuer, directory):
        yield Provider(issuer)


def mock_sign_in(url: str, sub: str, *, deny: bool = False) -> dict[str, str]:
    """Submit oidc-provider-mock's authorization form as ``sub`` (or press "deny")."""
    form = {"action": "deny"} if deny else {"sub": sub}
    with httpx.Client() as browser:
        return callback_params(browser.post(url, data=form))


def callback_params(response: httpx.Response, redirect_uri: str = REDIRECT_URI) -> dict[str, str]:
    assert response.status_code in (302, 303), (response.status_code, response.text[:500])
    location = response.headers["location"]
    assert location.startswith(redirect_uri + "?"), location
    return dict(parse_qsl(urlsplit(location).query, keep_blank_values=True))


# --- a provider scripted by the test --------------------------------------------------------------


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"
    drip: float = 0.0  # seconds between body bytes
    delay: float = 0.0  # seconds before the status line


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class Scripted:
    """Serves discovery and a JWKS for ``key``; ``answers[path]`` are sent in order (the last
    one repeats) for every other path; every request is recorded in ``seen``."""

    key: SigningKey
    port: int = 0
    answers: dict[str, list[Answer]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def document(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "userinfo_endpoint": self.issuer + "/userinfo",
            "revocation_endpoint": self.issuer + "/revoke",
            "device_authorization_endpoint": self.issuer + "/device",
            "jwks_uri": self.issuer + "/jwks",
            "id_token_signing_alg_values_supported": [self.key.alg],
            "code_challenge_methods_supported": ["S256"],
            **self.metadata,
        }

    def script(self, path: str, *answers: Answer) -> None:
        with self.lock:
            self.answers[path] = list(answers)

    def json(self, path: str, document: object, status: int = 200) -> None:
        self.script(path, Answer(status, json.dumps(document).encode()))

    def next_answer(self, seen: Seen) -> Answer:
        with self.lock:
            self.seen.append(seen)
            if seen.path == "/.well-known/openid-configuration":
                return Answer(body=json.dumps(self.document()).encode())
            if seen.path == "/jwks":
                return Answer(body=json.dumps({"keys": [self.key.public_key.to_jwk()]}).encode())
            queue = self.answers.get(seen.path)
            if not queue:
                return Answer(404, b'{"error":"not_found"}')
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def requests_to(self, path: str) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.path == path]


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        path = self.path.split("?", 1)[0]
        seen = Seen(self.command, path, dict(self.headers.items()), dict(parse_qsl(raw)))
        answer = self.server.scripted.next_answer(seen)
        time.sleep(answer.delay)
        with contextlib.suppress(OSError):
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if not answer.drip:
                self.wfile.write(answer.body)
                return
            for i in range(len(answer.body)):
                self.wfile.write(answer.body[i : i + 1])
                self.wfile.flush()
                time.sleep(answer.drip)

    do_GET = do_POST = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up early (size caps, timeouts) are part of the tests."""


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    provider = Scripted(SigningKey.generate(alg="ES256", kid="provider-key"))
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.scripted = provider  # type: ignore[attr-defined]
    provider.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.daemon = True
    thread.start()
    yield provider
    httpd.shutdown()
    httpd.server_close()


# --- a keyturn site with sign-in, served by uvicorn -----------------------------------------------


@dataclass
class Site:
    url: str
    party: RelyingParty
    service: TokenService
    verifier: Verifier
    mapped: list[str] = field(default_factory=list)  # subjects map_user was called with


async def _home(scope: Any, receive: Any, send: Any) -> None:
    body = b"<html><body><h1 id='home'>home</h1></body></html>"
    headers = [(b"content-type", b"text/html"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def site(nanoidp: Provider, tmp_path: Path) -> Iterator[Site]:
    """``keyturn serve``'s composition: login + refresh endpoints in front of an app, signing
    users in at nanoidp (client_secret_basic), pairs stored in SQLite."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    ring = Keyring.generate()
    issuer = Issuer(ring, issuer=url, audience="site", ttl=600)
    service = TokenService(issuer, store=SQLiteStore(str(tmp_path / "site.db")))
    client = OAuthClient.discover(nanoidp.issuer, ClientSecretBasic(*NANO_BASIC))
    party = RelyingParty(
        client,
        redirect_uri=url + "/auth/callback",
        states=SQLiteLoginStates(tmp_path / "logins.db"),
        scope="openid email",
    )
    built = Site(url, party, service, issuer.verifier())

    def map_user(login: Login) -> str:
        built.mapped.append(login.subject)
        return f"local-{login.subject}"

    app = login_endpoints(
        party,
        service,
        map_user=map_user,
        app=refresh_endpoints(service, verifier=built.verifier, app=_home),
    )
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield built
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    service.close()
