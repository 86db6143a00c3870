"""Hostile JWKS servers on a raw socket: however the server trickles, ``timeout`` bounds the
fetch, and no verify waits on a hung fetch for longer than that (issue 13, item 1).

Each server here would go on for a minute; the client must give up after ``TIMEOUT``. The only
wall-clock bound is the contract's: ``TIMEOUT`` plus a margin that holds on a loaded 2-core machine.
Ordering uses events: a "hung" server holds its reply until the test releases it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

import keyturn
from keyturn import JWKSError, RemoteJWKS, UnknownKey
from keyturn._core import SigningKey
from support import Clock

TIMEOUT = 1.0
MARGIN = 3.0  # what the test allows beyond the contract's timeout: scheduling on a busy machine
ENDLESS = 60.0  # how long a hostile server would keep going if the client let it
TICK = 0.2  # trickle interval: well inside the timeout, so only an overall deadline stops it

Behaviour = Callable[[socket.socket, "RawServer"], None]


class RawServer:
    """Accepts connections on 127.0.0.1 and runs ``behaviour`` on each after reading the request."""

    def __init__(self) -> None:
        self.behaviour: Behaviour = serve_nothing
        self.release = threading.Event()  # lets a holding behaviour finish
        self.received = threading.Event()  # set when a request has been read
        self.hung_up = threading.Event()  # set when the client closed while we were still sending
        self.errors: list[BaseException] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, path: str = "/jwks.json") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # closed by stop()
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                _read_request(conn)
                self.received.set()
                self.behaviour(conn, self)
            except (BrokenPipeError, ConnectionResetError):
                self.hung_up.set()
            except BaseException as exc:  # collected: the test fails on any
                self.errors.append(exc)

    def stop(self) -> None:
        self.release.set()
        self._listener.close()


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            raise ConnectionResetError("client closed before sending a request")
        data += chunk


def _trickle(conn: socket.socket, data: bytes) -> None:
    for i in range(len(data)):
        conn.sendall(data[i : i + 1])
        time.sleep(TICK)


def serve_nothing(conn: socket.socket, server: RawServer) -> None:
    server.release.wait(ENDLESS)


def serve_body(body: bytes) -> Behaviour:
    def behaviour(conn: socket.socket, server: RawServer) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        conn.sendall(head.encode() + body)

    return behaviour


def slow_status_line(conn: socket.socket, server: RawServer) -> None:
    # Status line and headers, one byte per TICK, with a header that never ends.
    _trickle(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: " + b"a" * 10_000)


def endless_continue(conn: socket.socket, server: RawServer) -> None:
    deadline = time.monotonic() + ENDLESS
    while time.monotonic() < deadline:
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        time.sleep(0.01)


def endless_trailers(body: bytes) -> Behaviour:
    def behaviour(conn: socket.socket, server: RawServer) -> None:
        head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        conn.sendall(head + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n")
        deadline = time.monotonic() + ENDLESS
        while time.monotonic() < deadline:
            conn.sendall(b"X-Trailer: more\r\n")
            time.sleep(0.01)

    return behaviour


@pytest.fixture
def raw() -> Iterator[RawServer]:
    server = RawServer()
    yield server
    server.stop()
    assert server.errors == []


@pytest.fixture
def jwks_body(key_a: SigningKey) -> bytes:
    return json.dumps({"keys": [key_a.public_key.to_jwk()]}).encode()


def _within_contract(call: Callable[[], object]) -> BaseException:
    """Run ``call``, which must raise; check it took no longer than the timeout plus the margin."""
    started = time.monotonic()
    with pytest.raises((JWKSError, UnknownKey)) as caught:
        call()
    assert time.monotonic() - started < TIMEOUT + MARGIN
    return caught.value


@pytest.mark.parametrize(
    "hostile",
    ["slow status line", "endless 100 Continue", "endless chunked trailers", "silence"],
)
def test_a_hostile_server_cannot_stretch_a_fetch(
    raw: RawServer, jwks_body: bytes, hostile: str
) -> None:
    raw.behaviour = {
        "slow status line": slow_status_line,
        "endless 100 Continue": endless_continue,
        "endless chunked trailers": endless_trailers(jwks_body),
        "silence": serve_nothing,
    }[hostile]
    jwks = RemoteJWKS(raw.url(), timeout=TIMEOUT)
    error = _within_contract(jwks.verification_keys)
    assert type(error) is JWKSError
    assert error.code == "jwks_error"
    assert f"timed out: no complete response within {TIMEOUT:g} s" in str(error)
    assert raw.received.is_set()
    if hostile != "silence":  # the client hung up on a server that was still sending
        assert raw.hung_up.wait(TIMEOUT + MARGIN)


def test_the_same_body_without_the_endless_part_is_accepted(
    raw: RawServer, jwks_body: bytes
) -> None:
    """The control: the chunked body the trailer server sends is itself a good JWKS."""
    raw.behaviour = serve_body(jwks_body)
    assert [key.kid for key in RemoteJWKS(raw.url(), timeout=TIMEOUT).verification_keys()] == [
        "key-a"
    ]


def _warm(raw: RawServer, jwks_body: bytes, **options: object) -> tuple[RemoteJWKS, Clock]:
    """A RemoteJWKS holding key-a; afterwards the server hangs every request until released."""
    clock = Clock(1000.0)
    raw.behaviour = serve_body(jwks_body)
    jwks = RemoteJWKS(raw.url(), timeout=TIMEOUT, cooldown=30, clock=clock, **options)  # type: ignore[arg-type]
    jwks.verification_keys()
    raw.behaviour = serve_nothing
    raw.received.clear()
    return jwks, clock


def _token(key: SigningKey) -> str:
    return keyturn.encode({"sub": "user-1", "exp": int(time.time()) + 600}, key)


def _verifier(jwks: RemoteJWKS) -> keyturn.Verifier:
    return keyturn.Verifier(keys=jwks, issuer=None, audience=None)


def test_a_random_kid_waits_no_longer_than_the_timeout_on_a_hung_fetch(
    raw: RawServer, jwks_body: bytes, key_a: SigningKey
) -> None:
    jwks, clock = _warm(raw, jwks_body)
    verifier = _verifier(jwks)
    clock.now += 30  # past the cooldown: the random kid starts a refetch, which hangs
    stranger = SigningKey.generate(kid="random-kid-1")
    error = _within_contract(lambda: verifier.verify(_token(stranger)))
    assert type(error) is UnknownKey
    assert error.code == "key_unknown"
    assert raw.received.is_set()
    assert not raw.release.is_set()  # the server was still holding


def test_a_random_kid_joining_a_hung_background_refresh_is_bounded_and_known_kids_answer(
    raw: RawServer, jwks_body: bytes, key_a: SigningKey
) -> None:
    jwks, clock = _warm(raw, jwks_body, ttl=60)
    verifier = _verifier(jwks)
    known = _token(key_a)
    clock.now += 61  # stale: the next verify starts a background refresh, which hangs
    assert verifier.verify(known)["sub"] == "user-1"
    assert raw.received.wait(TIMEOUT + MARGIN)
    # While the refresh hangs, the cached set keeps answering...
    for _ in range(100):
        assert verifier.verify(known)["sub"] == "user-1"
    # ...and a random kid (within the cooldown of that refresh) joins it for no longer than
    # the timeout, then is refused.
    stranger = SigningKey.generate(kid="random-kid-2")
    error = _within_contract(lambda: verifier.verify(_token(stranger)))
    assert type(error) is UnknownKey
    assert not raw.release.is_set()


def test_async_random_kids_wait_no_longer_than_the_timeout(
    raw: RawServer, jwks_body: bytes, key_a: SigningKey
) -> None:
    jwks, clock = _warm(raw, jwks_body)
    verifier = _verifier(jwks)
    clock.now += 30
    tokens = [_token(SigningKey.generate(kid=f"random-{i}")) for i in range(8)]
    known = _token(key_a)

    async def main() -> tuple[list[object], dict[str, object]]:
        results = await asyncio.gather(
            *(verifier.averify(t) for t in tokens), return_exceptions=True
        )
        return list(results), await verifier.averify(known)

    started = time.monotonic()
    results, claims = asyncio.run(main())
    assert time.monotonic() - started < TIMEOUT + MARGIN
    assert [type(r) for r in results] == [UnknownKey] * len(tokens)
    assert claims["sub"] == "user-1"
    assert not raw.release.is_set()


def test_a_cold_cache_waits_no_longer_than_the_timeout_when_joining(raw: RawServer) -> None:
    """Threads joining a hung cold fetch give up with it: JWKSError, within the contract."""
    jwks = RemoteJWKS(raw.url(), timeout=TIMEOUT)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def call() -> None:
        barrier.wait()
        with contextlib.suppress(JWKSError):
            jwks.verification_keys()
            errors.append(AssertionError("a cold, hung fetch returned keys"))

    threads = [threading.Thread(target=call) for _ in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started < TIMEOUT + MARGIN
    assert errors == []
