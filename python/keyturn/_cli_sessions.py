"""``keyturn serve``'s browser sessions: the session endpoints, and sign-in that starts sessions."""

from __future__ import annotations

import argparse
from typing import Any

from keyturn import _cli_oidc
from keyturn.asgi import session_endpoints
from keyturn.issuer import Issuer
from keyturn.refresh import TokenService
from keyturn.sessions import SessionService
from keyturn.stores import Backend

__all__ = ["with_sessions"]


def with_sessions(
    args: argparse.Namespace,
    issuer: Issuer,
    backend: Backend,
    tokens: TokenService,
    sessions: SessionService,
    app: Any,
) -> Any:
    """``app`` behind sign-in (``--oidc-issuer``, see ``_cli_oidc.with_sign_in``) and behind
    ``POST /auth/token``, ``/auth/session/logout`` and ``/auth/session/logout-all``.

    ``sessions`` live in ``--db`` beside the refresh tokens (``backend.sessions``); a sign-in
    starts one and binds its refresh family to it. Ending a session revokes its ``sid`` in the
    same revocations the server's verifier consults, so the tokens exchanged for it stop
    verifying at once.
    """
    app = _cli_oidc.with_sign_in(args, tokens, app, states=backend.login_states, sessions=sessions)
    return session_endpoints(sessions, issuer, app=app)
