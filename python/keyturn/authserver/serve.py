"""``keyturn serve``'s authorization server: ``with_authorization_server(issuer, ring, clients,
service, revocations, app)`` puts the metadata, token, introspection and revocation endpoints in
front of ``app``, with the registered clients of the database ``--db`` names.

Always on: a server with no registered client issues nothing through ``/oauth/token`` but the
``refresh_token`` grant, which ``/auth/refresh`` already offers; the metadata lets every other
service find the keys (``RemoteJWKS.from_issuer``). The limiter is in-process (``ratelimit``):
``keyturn serve`` runs one process. Nothing is printed: serve's startup line comes first.
"""

from __future__ import annotations

from keyturn.asgi._http import ASGIApp
from keyturn.authserver._tokens import Families
from keyturn.authserver.server import AuthorizationKeys, authorization_server
from keyturn.clients import ClientRegistry
from keyturn.issuer import Issuer
from keyturn.revocation import Revocations

__all__ = ["with_authorization_server"]


def with_authorization_server(
    issuer: Issuer,
    ring: AuthorizationKeys,
    clients: ClientRegistry,
    service: Families,
    revocations: Revocations,
    app: ASGIApp,
) -> ASGIApp:
    """``app`` behind keyturn's authorization server for ``issuer`` (``--issuer``): ``clients``
    on the backend's ``clients`` store, refresh families from ``service``, access-token
    revocations into ``revocations`` (the ones ``service`` and the endpoints' verifier consult)."""
    return authorization_server(
        issuer,
        keys=ring,
        clients=clients,
        families=service,
        revocations=revocations,
        app=app,
    )
