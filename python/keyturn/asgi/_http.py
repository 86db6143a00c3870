"""What every ASGI piece shares: the ASGI types, reading a request, writing a JSON response."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from keyturn.errors import StoreError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger("keyturn.asgi")

#: Refresh requests are tiny; anything bigger is refused before it is parsed.
MAX_BODY_BYTES = 8 * 1024
JSON_TYPE = (b"content-type", b"application/json")
# RFC 6749 §5.1: token responses must never be cached.
NO_STORE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]


async def respond(
    send: Send,
    status: int,
    body: Mapping[str, Any] | None,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    head = [*headers, (b"content-length", str(len(payload)).encode())]
    if body is not None:
        head.append(JSON_TYPE)
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": payload})


async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """The default fall-through app: 404 for HTTP, a refused handshake for websockets."""
    if scope["type"] == "http":
        await respond(send, 404, {"error": "not_found"})
    elif scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})


def method_not_allowed(allow: str) -> Callable[[Send], Awaitable[None]]:
    async def answer(send: Send) -> None:
        await respond(send, 405, {"error": "method_not_allowed"}, [(b"allow", allow.encode())])

    return answer


Handler = TypeVar("Handler")


async def routed(
    scope: Scope,
    receive: Receive,
    send: Send,
    routes: Mapping[str, Handler],
    method: str,
    app: ASGIApp,
) -> Handler | None:
    """The handler for an HTTP ``method`` request to one of ``routes``; None when the request is
    already answered: passed on to ``app`` (another path, not HTTP) or refused with a 405."""
    handler = routes.get(scope.get("path", "")) if scope["type"] == "http" else None
    if handler is None:
        await app(scope, receive, send)
    elif scope["method"] != method:
        await method_not_allowed(method)(send)
    else:
        return handler
    return None


class Reject(Exception):
    """A refusal to answer as an RFC 6749 error body; never carries a token."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str,
        headers: Iterable[tuple[bytes, bytes]] = (),
    ) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = list(headers)


async def answer_errors(run: Callable[[], Awaitable[None]], send: Send, what: str) -> None:
    """Run an endpoint (``what`` names it in logs); every failure becomes an RFC 6749 JSON error,
    so nothing internal reaches the client: a ``Reject`` as itself, a store outage as 503, any
    other exception as 500 (logged)."""
    try:
        await run()
    except Reject as reject:
        body = {"error": reject.error, "error_description": reject.description}
        await respond(send, reject.status, body, [*reject.headers, *NO_STORE])
    except StoreError as error:
        logger.warning("%s: store unavailable: %s", what, error.code)
        await respond(send, 503, {"error": "temporarily_unavailable"}, NO_STORE)
    except Exception:
        logger.exception("%s failed", what)
        await respond(send, 500, {"error": "server_error"}, NO_STORE)


@dataclass(frozen=True)
class Request:
    # Headers and cookies carry tokens: kept out of repr so no log or traceback can show them.
    scope: Scope = field(repr=False)
    headers: dict[str, str] = field(repr=False)
    cookies: dict[str, str] = field(repr=False)
    repeated_cookies: frozenset[str] = frozenset()  # names sent more than once

    @classmethod
    def of(cls, scope: Scope) -> Request:
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            # Repeated headers are joined (Cookie the way HTTP/2 splits it); a repeated
            # Authorization header therefore never verifies.
            headers[name] = f"{headers[name]}; {value}" if name in headers else value
        return cls(scope, headers, *parse_cookies(headers.get("cookie", "")))

    def origin(self) -> str:
        """This request's own origin as a browser writes it in ``Origin``: a websocket's ``ws`` /
        ``wss`` scheme is the ``http`` / ``https`` of the page that opened it."""
        scheme = self.scope.get("scheme", "http")
        scheme = _PAGE_SCHEME.get(scheme, scheme)
        return f"{scheme}://{self.headers.get('host', '')}"


_PAGE_SCHEME = {"ws": "http", "wss": "https"}


def parse_cookies(header: str) -> tuple[dict[str, str], frozenset[str]]:
    """The first value of each cookie, and the names that came more than once.

    A repeated name is how cookie tossing shows: another site (a sibling subdomain) planted a
    cookie of that name beside ours, and which one comes first is up to the browser.
    """
    cookies: dict[str, str] = {}
    repeated: set[str] = set()
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if not (sep and name):
            continue
        if name in cookies:
            repeated.add(name)
        else:
            cookies[name] = value.strip().strip('"')
    return cookies, frozenset(repeated)


async def read_body(receive: Receive, limit: int = MAX_BODY_BYTES) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Reject(400, "invalid_request", "the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Reject(400, "invalid_request", "request body too large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def call(function: Callable[..., object], *args: object) -> Any:
    """Await an async service method; run a sync one in a worker thread (it does database I/O)."""
    if inspect.iscoroutinefunction(function):
        return await function(*args)
    return await asyncio.to_thread(function, *args)
