"""Helpers for the revocation tests: tokens, verifiers, and the async stores driven from sync test
code (``from .revocation_support import``)."""

from __future__ import annotations

import asyncio
import inspect
import os
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import keyturn as kt

T = TypeVar("T")
ISSUER = "https://auth.test"
AUDIENCE = "api.test"


def token(signing_key: kt.SigningKey, **claims: Any) -> str:
    """A token this package's verifiers accept, with the given claims over sensible defaults."""
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "iat": now,
        "exp": now + 600,
        "jti": os.urandom(8).hex(),
    }
    base.update(claims)
    return kt.encode({k: v for k, v in base.items() if v is not None}, signing_key)


def verifier(
    signing_key: kt.SigningKey, revocations: kt.Revocations, **options: Any
) -> kt.Verifier:
    return kt.Verifier(
        signing_key.public_key,
        issuer=ISSUER,
        audience=AUDIENCE,
        revocations=revocations,
        **options,
    )


class BackgroundLoop:
    """One event loop in a thread of its own, for the async stores: every coroutine of a test
    runs there, whichever thread or loop asks (an async client is bound to the loop it met)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    async def relay(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Await, from any other loop, a coroutine run on this one."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class Blocking:
    """A ``Revocations`` whose every call goes through its ``a`` twin on the background loop, so
    one test body checks the sync API and the async one (the store kinds ``async-*``): ``check``
    runs ``acheck``, ``screen`` runs ``ascreen``, and ``acheck`` itself stays a coroutine."""

    def __init__(self, revocations: kt.Revocations, background: BackgroundLoop) -> None:
        self.revocations = revocations
        self._background = background

    def __repr__(self) -> str:
        return f"Blocking({self.revocations!r})"

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.revocations, name)
        if name.startswith("a") and inspect.iscoroutinefunction(attribute):

            async def relayed(*args: Any, **kwargs: Any) -> Any:
                return await self._background.relay(attribute(*args, **kwargs))

            return relayed
        twin = getattr(self.revocations, f"a{name}", None)
        if twin is None:
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._background.run(twin(*args, **kwargs))

        return call
