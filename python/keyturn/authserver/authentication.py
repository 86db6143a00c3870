"""Client authentication at every endpoint: the credentials the request carries, checked by the
client registry, behind the failed-attempt limiter.

Every failure is the one ``invalid_client`` answer (RFC 6749 §5.2): 401, with
``WWW-Authenticate: Basic`` (the scheme keyturn accepts in a header; §5.2 asks for the scheme the
client used, and for no header at all it is the one to try), and one fixed description. The
registry's checks are constant-time and say nothing about which part was wrong.

A caller over the limiter's bound gets **429 with ``Retry-After``** and ``invalid_client``,
without its credentials being checked. Why 429 rather than a 401: the status tells the truth
(slow down, your secret may well be right), which keeps a client whose id is under attack from
concluding that its secret is wrong, and ``Retry-After`` is defined for 429 (RFC 6585 §4), not for
401; the body keeps to RFC 6749's vocabulary so OAuth libraries parse it. It says nothing about
the credentials, which were not looked at.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Collection

from keyturn._core import unverified_parts
from keyturn.asgi._http import Request, call
from keyturn.authserver._credentials import Presented, presented
from keyturn.authserver._oauth import OAuthError
from keyturn.authserver.ratelimit import FailureLimiter
from keyturn.clients import AsyncClientRegistry, Client, ClientRegistry
from keyturn.errors import ClientAuthError, KeyturnError

__all__ = ["Authenticator", "Registry"]

Registry = ClientRegistry | AsyncClientRegistry
_CHALLENGE = (b"www-authenticate", b'Basic realm="keyturn", charset="UTF-8"')


def invalid_client() -> OAuthError:
    return OAuthError(
        "invalid_client", "client authentication failed", status=401, headers=[_CHALLENGE]
    )


def _claimed_issuer(assertion: str | None) -> str | None:
    """The unverified ``iss`` of an assertion, for counting failures only."""
    if assertion is None:
        return None
    try:
        _, claims = unverified_parts(assertion)
    except KeyturnError:
        return None
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else None


class Authenticator:
    """Checks the client credentials of a request (see the module documentation)."""

    def __init__(
        self, registry: Registry, limiter: FailureLimiter, *, audiences: Collection[str]
    ) -> None:
        self.registry = registry
        self.limiter = limiter
        # Where a client assertion may be addressed: the token endpoint URL (RFC 7523 §3) and the
        # issuer identifier (draft-ietf-oauth-rfc7523bis); both name this server and no other.
        self._audiences = tuple(audiences)

    async def client(self, request: Request, form: dict[str, str]) -> Client | None:
        """The authenticated client, or None when the request carries no credentials at all."""
        credentials = presented(request, form)
        if credentials.method == "none":
            return None
        address = request.scope.get("client")
        where = address[0] if address else None
        # An assertion may come without client_id (RFC 7523 §3): its claimed issuer is the
        # client it would prove, and the id its failures count against.
        named = credentials.client_id or _claimed_issuer(credentials.assertion)
        wait = self.limiter.retry_after(named, where)
        if wait > 0:
            raise OAuthError(
                "invalid_client",
                "too many failed client authentications; retry later",
                status=429,
                headers=[(b"retry-after", str(math.ceil(wait)).encode())],
            )
        try:
            return await self._check(credentials)
        except ClientAuthError:
            self.limiter.failed(named, where)
            raise invalid_client() from None

    async def required(self, request: Request, form: dict[str, str]) -> Client:
        """The authenticated client; a request without credentials is ``invalid_client``."""
        client = await self.client(request, form)
        if client is None:
            raise invalid_client()
        return client

    async def _check(self, credentials: Presented) -> Client:
        if credentials.malformed or (credentials.secret is None and credentials.assertion is None):
            raise ClientAuthError("client authentication failed")
        if credentials.assertion is not None:
            check = functools.partial(
                self.registry.verify_assertion,
                credentials.assertion,
                audience=self._audiences,
                client_id=credentials.client_id,
            )
        else:
            check = functools.partial(
                self.registry.authenticate,
                credentials.client_id or "",
                credentials.secret or "",
                method="client_secret_basic" if credentials.basic else "client_secret_post",
            )
        client: Client = await call(check)
        return client
