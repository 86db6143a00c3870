"""keyturn as the authorization server of its own platform (issue 19): one service issues tokens,
every other service finds it and verifies them.

``authorization_server(issuer, keys=ring, clients=registry, families=service, revocations=r)``
serves, in front of any ASGI app:

* ``/.well-known/oauth-authorization-server`` and ``/.well-known/openid-configuration``
  (``metadata``), so ``RemoteJWKS.from_issuer`` and ``keyturn.discover`` find keyturn;
* ``POST /oauth/token`` (``token``): ``client_credentials`` for registered clients,
  ``refresh_token`` for refresh families;
* ``POST /oauth/introspect`` (``introspection``, RFC 7662) and ``POST /oauth/revoke``
  (``revocation``, RFC 7009).

Client authentication (``authentication``) is ``client_secret_basic``, ``client_secret_post`` or
``private_key_jwt``, checked by ``keyturn.clients``, behind a failed-attempt limiter
(``ratelimit``). ``serve`` wires it all into ``keyturn serve``. docs/service-to-service.md is the
guide.
"""

from keyturn.authserver.metadata import Paths
from keyturn.authserver.ratelimit import FailureLimiter
from keyturn.authserver.server import AuthorizationKeys, authorization_server

__all__ = ["AuthorizationKeys", "FailureLimiter", "Paths", "authorization_server"]
