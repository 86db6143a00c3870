"""``keyturn serve``'s authorization server: ``with_authorization_server(args, ring, issuer,
service, app)`` puts the metadata, token, introspection and revocation endpoints in front of
``app``, with the registered clients and the revocation list of the database ``--db`` names.

Always on: a server with no registered client issues nothing through ``/oauth/token`` but the
``refresh_token`` grant, which ``/auth/refresh`` already offers; the metadata lets every other
service find the keys (``RemoteJWKS.from_issuer``). The limiter is in-process (``ratelimit``):
``keyturn serve`` runs one process.
"""

from __future__ import annotations

import argparse
from typing import Any

from keyturn.asgi._http import ASGIApp
from keyturn.authserver.server import AuthorizationKeys, authorization_server
from keyturn.clients import ClientRegistry
from keyturn.issuer import Issuer
from keyturn.revocation import Revocations

__all__ = ["with_authorization_server"]


def with_authorization_server(
    args: argparse.Namespace, ring: AuthorizationKeys, issuer: Issuer, service: Any, app: ASGIApp
) -> ASGIApp:
    """``app`` behind keyturn's authorization server for ``issuer`` (``--issuer``).

    The clients and revocations come from their own ``open_backend(args.db)``: the process keeps
    it until it ends, as it keeps the token store.
    """
    from keyturn.stores import open_backend

    backend = open_backend(args.db)
    server = authorization_server(
        issuer,
        keys=ring,
        clients=ClientRegistry(backend.clients),
        families=service,
        revocations=Revocations(backend.revocations),
        app=app,
    )
    print(
        f"authorization server: {issuer.issuer} (discovery at "
        f"{issuer.issuer.rstrip('/')}/.well-known/openid-configuration; register clients with "
        "keyturn clients add)",
        flush=True,
    )
    return server
