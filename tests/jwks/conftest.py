"""A real HTTP server on 127.0.0.1 that serves what each test tells it and counts every request."""

from __future__ import annotations

import contextlib
import json
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import keyturn
from keyturn._core import SigningKey
from support import Clock


@dataclass
class Reply:
    """What the server sends for one path."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line (a slow server)
    hold: bool = False  # wait for the test's server.release before the status line
    drip: float = 0.0  # seconds between body bytes (a slow body)
    content_length: bool = True  # False: the body ends when the connection closes


HOLD_AT_MOST = 30.0  # a held reply goes out after this even if the test never releases it


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: JWKSServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up early (size cap, timeouts) are part of the tests, not failures."""


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def do_GET(self) -> None:
        owner = self.server.owner
        reply = owner.record(self.path, dict(self.headers.items()))
        if reply.hold:
            owner.release.wait(HOLD_AT_MOST)
        time.sleep(reply.delay)
        etag = reply.headers.get("ETag")
        if etag is not None and self.headers.get("If-None-Match") == etag:
            self._send(Reply(304, b"", reply.headers))
        else:
            self._send(reply)

    def _send(self, reply: Reply) -> None:
        with contextlib.suppress(OSError):
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.content_length and reply.status != 304:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if not reply.drip:
                self.wfile.write(reply.body)
                return
            for i in range(len(reply.body)):
                self.wfile.write(reply.body[i : i + 1])
                self.wfile.flush()
                time.sleep(reply.drip)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class JWKSServer:
    """ThreadingHTTPServer in a thread; ``routes`` maps a path to its Reply."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Reply] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.arrived = threading.Event()  # set by every request (tests clear it)
        self.release = threading.Event()  # lets held replies go out
        self._lock = threading.Lock()
        self.httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self
        self.scheme = "http" if tls is None else "https"
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def record(self, path: str, headers: dict[str, str]) -> Reply:
        path = path.split("?", 1)[0]  # routes and counts ignore the query string
        with self._lock:
            self.requests.append((path, headers))
            self.arrived.set()
            return self.routes.get(path, Reply(404, b"not found"))

    def url(self, path: str = "/jwks.json", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def count(self, path: str = "/jwks.json") -> int:
        with self._lock:
            return sum(1 for seen, _ in self.requests if seen == path)

    def reply(self, path: str = "/jwks.json", **fields: Any) -> None:
        self.routes[path] = Reply(**fields)

    def serve_json(self, document: object, path: str = "/jwks.json", **reply: Any) -> None:
        headers = {"Content-Type": "application/json", **reply.pop("headers", {})}
        self.routes[path] = Reply(body=json.dumps(document).encode(), headers=headers, **reply)

    def serve_keys(self, *keys: SigningKey, path: str = "/jwks.json", **reply: Any) -> None:
        self.serve_json({"keys": [key.public_key.to_jwk() for key in keys]}, path, **reply)

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeClock(Clock):
    """The monotonic clock RemoteJWKS reads for freshness and cooldown; tests move it by hand.

    It also counts its readers, so a test can wait until N callers have reached the point where
    RemoteJWKS reads the clock (``wait_for_reads``) instead of sleeping and hoping.
    """

    def __init__(self) -> None:
        super().__init__(1000.0)
        self.reads = 0
        self._changed = threading.Condition()

    def __call__(self) -> float:
        with self._changed:
            self.reads += 1
            self._changed.notify_all()
        return self.now

    def wait_for_reads(self, count: int, timeout: float = 30.0) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.reads >= count, timeout), self.reads


@pytest.fixture
def server() -> Iterator[JWKSServer]:
    running = JWKSServer()
    yield running
    running.stop()


@pytest.fixture
def elsewhere() -> Iterator[JWKSServer]:
    """A second server: another origin (same host, another port)."""
    running = JWKSServer()
    yield running
    running.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def key_a() -> SigningKey:
    return SigningKey.generate(kid="key-a")


@pytest.fixture
def key_b() -> SigningKey:
    return SigningKey.generate(kid="key-b")


@pytest.fixture
def make_token() -> Callable[[SigningKey], str]:
    def make(key: SigningKey) -> str:
        return keyturn.encode({"sub": "user-1", "exp": int(time.time()) + 600}, key)

    return make


@pytest.fixture
def make_verifier() -> Callable[[Any], keyturn.Verifier]:
    def make(keys: Any) -> keyturn.Verifier:
        return keyturn.Verifier(keys=keys, issuer=None, audience=None)

    return make


@pytest.fixture
def join() -> Callable[[keyturn.RemoteJWKS], None]:
    """Wait for the fetch in flight by joining it. It starts no fetch of its own as long as the
    (frozen) clock is within the cooldown of the last request, which a test must arrange."""

    def wait(jwks: keyturn.RemoteJWKS) -> None:
        jwks.refresh_on_unknown_kid()

    return wait


def _openssl(command: str, cwd: Path) -> None:
    subprocess.run(["openssl", *command.split()], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ca.pem, and server.pem/server.key for IP 127.0.0.1 only (not the name localhost)."""
    d = tmp_path_factory.mktemp("pki")
    ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    _openssl(f"req -x509 {ec} -keyout ca.key -out ca.pem -days 1 -subj /CN=keyturn-test-CA", d)
    _openssl(f"req {ec} -keyout server.key -out server.csr -subj /CN=127.0.0.1", d)
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    _openssl(
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem "
        "-days 1 -extfile ext.cnf",
        d,
    )
    return d


@pytest.fixture
def tls_server(pki: Path) -> Iterator[JWKSServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "server.pem", pki / "server.key")
    running = JWKSServer(tls=context)
    yield running
    running.stop()


@pytest.fixture
def trusting(pki: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(pki / "ca.pem"))
