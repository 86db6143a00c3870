"""Registered clients: the machines keyturn issues tokens to when it is its own authorization
server (client credentials, RFC 6749 §4.4).

A client has an id, a name, one authentication method, the scopes and audiences it may ask for,
and an enabled flag. ``client_secret_basic`` / ``client_secret_post`` clients hold a secret that is
shown once, at ``add`` or ``rotate_secret``, and stored only as its SHA-256: the secret is 256 bits
from ``secrets`` (``ktc_`` + 43 base64url characters), so no password hash (salt, work factor) is
needed, as for refresh tokens; nobody can guess a preimage of 2**256 possibilities, and a stolen
database yields no usable secret. ``private_key_jwt`` clients (RFC 7523) hold no secret at all,
only their public JWKS or a ``jwks_uri``.

How the token endpoint uses it (``keyturn.authserver``)::

    from keyturn.clients import ClientRegistry
    from keyturn.errors import ClientAuthError
    from keyturn.stores import open_backend

    backend = open_backend("sqlite:///keyturn.db")
    registry = ClientRegistry(backend.clients)          # AsyncClientRegistry for asyncio

    client, secret = registry.add("billing", scopes="invoices:read", audiences=["api.internal"])
    # ``secret`` is shown to the operator once; the store only ever sees its hash.

    try:
        # client_secret_basic / client_secret_post: the method the request used
        client = registry.authenticate(client_id, secret, method="client_secret_basic")
        # private_key_jwt: client_assertion (client_id is optional in the form, RFC 7523 §3)
        client = registry.verify_assertion(
            assertion, audience=[token_endpoint_url, issuer], client_id=form_client_id
        )
    except ClientAuthError as error:      # error.code == "invalid_client", one message for all
        ...                               # 401 with WWW-Authenticate
    if not client.allows_scopes(requested_scopes):
        ...                               # invalid_scope
    if not client.allows_audience(audience):
        ...                               # invalid_target (RFC 8707)

Every authentication failure (unknown client, wrong secret, disabled client, the wrong method, a
bad, expired, too long-lived or replayed assertion) raises ``ClientAuthError`` with code
``invalid_client`` and one fixed message: it never says which part was wrong. Secrets are compared
as SHA-256 digests with ``hmac.compare_digest``, and an unknown client is compared against a
dummy digest, so timing does not tell a known id from an unknown one either.

``rotate_secret(client_id, overlap=s)`` gives a new secret; the previous one keeps working for
``overlap`` seconds (deploy the new secret, then it lapses by itself). Rotating again during an
overlap ends the older secret at once: at most two secrets work at any moment.

Assertions (``verify_assertion``): signed by one of the client's keys (``EdDSA``, ``RS*``,
``PS*``, ``ES*``; never HMAC), ``iss`` = ``sub`` = the client id, ``aud`` exactly one value that
is one of the ``audience`` given (the token endpoint URL, RFC 7523 §3; the issuer identifier too,
as draft-ietf-oauth-rfc7523bis asks and keyturn's own ``PrivateKeyJWT`` sends), ``exp`` required
and at most ``MAX_ASSERTION_LIFETIME`` (5 minutes) ahead, ``jti`` required: a ``jti`` seen before
is refused while the assertion that carried it could still be valid (the store remembers it until
its ``exp`` plus the leeway, atomically on every backend: of two racing requests one wins).
"""

from keyturn.clients.records import (
    ASSERTION_ALGORITHMS,
    AUTH_METHODS,
    MAX_ASSERTION_LIFETIME,
    SECRET_PREFIX,
    AuthMethod,
    Client,
    SecretHashes,
    StoredClient,
    jti_hash,
    secret_hash,
)
from keyturn.clients.registry import AsyncClientRegistry, ClientRegistry
from keyturn.clients.store import AsyncClientStore, ClientStore

__all__ = [
    "ASSERTION_ALGORITHMS",
    "AUTH_METHODS",
    "MAX_ASSERTION_LIFETIME",
    "SECRET_PREFIX",
    "AsyncClientRegistry",
    "AsyncClientStore",
    "AuthMethod",
    "Client",
    "ClientRegistry",
    "ClientStore",
    "SecretHashes",
    "StoredClient",
    "jti_hash",
    "secret_hash",
]
