"""The bounded HTTP exchange behind RemoteJWKS, discovery and the OAuth back channel, and the URL
rules it is allowed to make it to: RemoteJWKS GETs a key set, the OpenID Connect client POSTs forms
to a provider's token, revocation and device endpoints (``method="POST"``, ``body=``).

Built on ``http.client`` rather than ``urllib.request`` so that nothing happens implicitly: no
redirect is followed, no proxy from the environment is used, no other scheme handler exists.

One deadline bounds the whole exchange. ``http.client`` only knows a per-socket-operation timeout,
which a server defeats by trickling (one header byte every half timeout, endless ``100 Continue``
interim responses, endless chunked trailer lines). So the connection is opened here, and the
response parser reads through a file whose every ``recv`` first sets the socket timeout to what is
left of the deadline, raising ``TimeoutError`` once nothing is left.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import math
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from keyturn.errors import ConfigurationError, JWKSError

__all__ = [
    "Endpoint",
    "Response",
    "check_headers",
    "check_max_bytes",
    "fetch",
    "published_endpoint",
    "seconds",
]

_CHUNK = 64 * 1024
_MAX_ETAG = 256
_LOCALHOST_NAMES = frozenset({"localhost", "localhost."})


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOCALHOST_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_port(parts: SplitResult, what: str) -> tuple[str, int | None]:
    try:
        return parts.hostname or "", parts.port
    except ValueError as exc:  # a port that is not a number or out of range
        raise ConfigurationError(f"{what} has an invalid port: {exc}") from None


@dataclass(frozen=True)
class Endpoint:
    """An http(s) URL that passed the scheme rules, split into what ``http.client`` needs."""

    scheme: str
    host: str
    port: int | None
    target: str

    @classmethod
    def parse(cls, url: str, *, what: str = "JWKS URL") -> Endpoint:
        """Apply the scheme rules: ``https`` anywhere, ``http`` only to loopback, nothing else.

        A URL that breaks them is a ``ConfigurationError`` naming ``what`` the URL is; for a URL a
        provider published, see ``published_endpoint``.
        """
        if not isinstance(url, str):
            raise ConfigurationError(f"{what} must be a str, not {type(url).__name__}")
        if not url.isascii() or any(c <= " " or c == "\x7f" for c in url):
            # urlsplit would quietly drop some of these; http.client would fail on others later.
            raise ConfigurationError(
                f"{what} must be printable ASCII without spaces (IDNA hosts in punycode form)"
            )
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host, port = _host_port(parts, what)
        if scheme not in ("https", "http"):
            raise ConfigurationError(
                f"{what} scheme {scheme or '(none)'!r} refused: only https "
                "(or http to a loopback address) is allowed"
            )
        if not host:
            raise ConfigurationError(f"{what} has no host")
        if parts.username is not None or parts.password is not None:
            raise ConfigurationError(f"{what} must not embed credentials; pass them in headers=")
        if scheme == "http" and not _is_loopback(host):
            raise ConfigurationError(
                f"{what}: plain http refused for non-loopback host {host!r}: use https "
                "(http is allowed only to 127.0.0.0/8, ::1 and localhost)"
            )
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(scheme, host, port, target)

    def origin(self) -> tuple[str, str, int]:
        """Scheme, host and port (the default one filled in): what "the same server" means."""
        return self.scheme, self.host.lower(), self.port or (443 if self.scheme == "https" else 80)

    def display(self) -> str:
        """The URL without its query string, which is what logs and errors show."""
        netloc = f"[{self.host}]" if ":" in self.host else self.host
        if self.port is not None:
            netloc += f":{self.port}"
        return f"{self.scheme}://{netloc}{self.target.split('?', 1)[0]}"


def published_endpoint(url: str, what: str) -> Endpoint:
    """A URL a provider's document names, under the same rules; breaking them is the provider's
    fault, not the configuration's, so it is a ``JWKSError``."""
    try:
        return Endpoint.parse(url, what=what)
    except ConfigurationError as exc:
        raise JWKSError(str(exc)) from None


@dataclass(frozen=True)
class Response:
    """A 200 (with its body) or a 304 (with an empty body), plus the caching headers."""

    status: int
    body: bytes
    etag: str | None
    max_age: float | None


def check_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Copy extra request headers, refusing anything that could split the request."""
    checked: dict[str, str] = {}
    for name, value in (headers or {}).items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ConfigurationError("headers must map str to str")
        if any(c in name + value for c in "\r\n\0") or not name or ":" in name:
            raise ConfigurationError(f"header {name!r} has a forbidden character")
        if not (name.isascii() and value.isascii()):
            raise ConfigurationError(f"header {name!r} is not ASCII")
        checked[name] = value
    return checked


def seconds(name: str, value: float, *, inclusive: bool) -> float:
    """A finite number of seconds, ``> 0`` (or ``>= 0`` when ``inclusive``)."""
    ok = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value >= 0 if inclusive else value > 0)
    )
    if not ok:
        raise ConfigurationError(f"{name} must be a finite number {'>=' if inclusive else '>'} 0")
    return float(value)


def check_max_bytes(value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigurationError("max_bytes must be a positive int")
    return value


def freshness(message: http.client.HTTPMessage) -> float | None:
    """Seconds the response stays fresh per ``Cache-Control`` minus ``Age``; None if unsaid.

    ``no-store`` and ``no-cache`` count as zero (the caller then applies its lower bound).
    """
    directives = [
        d.strip().lower()
        for value in message.get_all("Cache-Control", [])
        for d in value.split(",")
    ]
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    for directive in directives:
        name, _, value = directive.partition("=")
        value = value.strip().strip('"')
        if name.strip() == "max-age" and value.isdigit():
            age = (message.get("Age") or "").strip()
            return max(0.0, float(value) - (float(age) if age.isdigit() else 0.0))
    return None


def _connection(endpoint: Endpoint, context: ssl.SSLContext) -> http.client.HTTPConnection:
    """The request formatter only: ``fetch`` opens the socket itself, under the deadline."""
    if endpoint.scheme == "https":
        return http.client.HTTPSConnection(endpoint.host, endpoint.port, context=context)
    return http.client.HTTPConnection(endpoint.host, endpoint.port)


class _Deadline:
    """One budget of seconds for the whole exchange, re-applied to the socket before each read."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left


class _DeadlineReader(io.RawIOBase):
    """A socket's receive side on which every read is bounded by what is left of the deadline."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        self._sock.settimeout(self._deadline.left())
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """What ``HTTPResponse`` needs of a socket (``makefile``), reading under the deadline."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        """``HTTPResponse`` asks for ``"rb"``, the only mode there is here."""
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


def _open(endpoint: Endpoint, deadline: _Deadline, context: ssl.SSLContext) -> socket.socket:
    """Connect (each address tried within what is left) and, for https, complete the handshake.

    ``ssl`` bounds one handshake call by the socket timeout as a whole, so setting it to what is
    left bounds a trickled handshake too.
    """
    _, _, port = endpoint.origin()
    addresses = socket.getaddrinfo(endpoint.host, port, type=socket.SOCK_STREAM)
    error: OSError = OSError(f"no address for {endpoint.host!r}")
    for family, kind, proto, _, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(deadline.left())
            sock.connect(address)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if endpoint.scheme == "https":
                sock.settimeout(deadline.left())
                return context.wrap_socket(sock, server_hostname=endpoint.host)
            return sock
        except OSError as exc:  # TimeoutError included: the caller maps it
            sock.close()
            if isinstance(exc, TimeoutError):
                raise
            error = exc
    raise error


def _read_body(response: http.client.HTTPResponse, limit: int) -> bytes:
    """Read at most ``limit + 1`` bytes (the response's file bounds every read by the deadline)."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = response.read1(min(_CHUNK, limit + 1 - total))
        if not chunk:
            if response.length:  # read1 does not raise IncompleteRead: the count tells
                raise JWKSError(f"response ended {response.length} bytes short of its length")
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise JWKSError(f"response is larger than max_bytes={limit}")


def _etag(response: http.client.HTTPResponse) -> str | None:
    """The validator to send back in If-None-Match, if it is safe to send back verbatim."""
    value = response.getheader("ETag")
    if value is None or len(value) > _MAX_ETAG or not (value.isascii() and value.isprintable()):
        return None
    return value


def _check_status(
    response: http.client.HTTPResponse, revalidating: bool, accepted: frozenset[int]
) -> None:
    status = response.status
    if status == 304:
        if revalidating:
            return
        raise JWKSError("HTTP 304 to a request that did not revalidate")
    if 300 <= status < 400:
        raise JWKSError(f"HTTP {status} redirect not followed (use the final URL)")
    if status not in accepted:
        raise JWKSError(f"HTTP {status} (expected {' or '.join(map(str, sorted(accepted)))})")


def _check_body_headers(response: http.client.HTTPResponse, limit: int) -> None:
    declared = (response.getheader("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise JWKSError(f"response is larger than max_bytes={limit} (Content-Length {declared})")
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        # We asked for identity; decompressing would also void the max_bytes bound.
        raise JWKSError(f"response has Content-Encoding {encoding[:40]!r}, not identity")


def fetch(
    endpoint: Endpoint,
    *,
    headers: Mapping[str, str],
    etag: str | None,
    timeout: float,
    max_bytes: int,
    context: ssl.SSLContext,
    method: str = "GET",
    body: bytes | None = None,
    accepted: frozenset[int] = frozenset({200}),
) -> Response:
    """Send one request to ``endpoint``; anything but a bounded response with a status in
    ``accepted`` (or a 304 to our ETag) is a JWKSError. A ``body`` goes out as an HTML form
    (``application/x-www-form-urlencoded``), as every OAuth endpoint expects.

    Error messages do not name the URL: the caller knows it and decides how to show it.
    """
    deadline = _Deadline(timeout)
    conn = _connection(endpoint, context)
    request_headers = {
        "Accept": "application/jwk-set+json, application/json",
        "Accept-Encoding": "identity",
        "Connection": "close",
        **({} if body is None else {"Content-Type": "application/x-www-form-urlencoded"}),
        **headers,
    }
    if etag is not None:
        request_headers["If-None-Match"] = etag
    try:
        sock = conn.sock = _open(endpoint, deadline, context)
        sock.settimeout(deadline.left())  # sendall: one bound for the whole request
        conn.request(method, endpoint.target, body=body, headers=request_headers)
        reader = _DeadlineSocket(sock, deadline)
        response = http.client.HTTPResponse(reader, method=method)  # type: ignore[arg-type]
        response.begin()
        _check_status(response, etag is not None, accepted)
        if response.status == 304:
            body = b""
        else:
            _check_body_headers(response, max_bytes)
            body = _read_body(response, max_bytes)
        return Response(response.status, body, _etag(response), freshness(response.msg))
    except TimeoutError:
        raise JWKSError(f"timed out: no complete response within {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        raise JWKSError(f"{type(exc).__name__}: {exc}") from None
    finally:
        conn.close()
