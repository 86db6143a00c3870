"""The command line's identity-provider parts: ``keyturn login device`` and the sign-in options of
``keyturn serve`` (``--oidc-issuer``, ``--oidc-client-id``, ``--oidc-client-secret-file``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from keyturn import device
from keyturn.client_auth import ClientAuth, ClientSecretBasic, PublicClient
from keyturn.errors import ConfigurationError
from keyturn.login_state import LoginStates
from keyturn.oauth_client import OAuthClient

__all__ = ["add_login", "add_serve_options", "with_sign_in"]


def _secret(path: str) -> str:
    """The client secret from a file (never from the command line, where ``ps`` shows it)."""
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigurationError(f"client secret file {path}: {error.strerror}") from None
    if not secret:
        raise ConfigurationError(f"client secret file {path} is empty")
    return secret


def _auth(client_id: str, secret_file: str | None) -> ClientAuth:
    if secret_file is None:
        return PublicClient(client_id)
    return ClientSecretBasic(client_id, _secret(secret_file))


def _identity_options(parser: argparse.ArgumentParser, prefix: str, required: bool) -> None:
    parser.add_argument(
        f"--{prefix}issuer", required=required, help="the provider's issuer URL (discovery)"
    )
    parser.add_argument(f"--{prefix}client-id", required=required, help="this client's id")
    parser.add_argument(
        f"--{prefix}client-secret-file",
        help="file holding the client secret (client_secret_basic); none: a public client",
    )


# --- keyturn login device -------------------------------------------------------------------------


def login_device(args: argparse.Namespace) -> None:
    client = OAuthClient.discover(args.issuer, _auth(args.client_id, args.client_secret_file))
    started = device.start(client, scope=args.scope)
    where = started.verification_uri_complete or started.verification_uri
    print(f"To sign in, open {where}", file=sys.stderr)
    print(f"and enter the code: {started.user_code}", file=sys.stderr, flush=True)
    tokens = device.poll(client, started)
    if not args.json:
        print(tokens.access_token)
        return
    document = {
        "access_token": tokens.access_token,
        "token_type": tokens.token_type,
        "refresh_token": tokens.refresh_token,
        "id_token": tokens.id_token,
        "scope": tokens.scope,
    }
    print(json.dumps({k: v for k, v in document.items() if v is not None}, indent=2))


def add_login(commands: Any) -> None:
    login = commands.add_parser("login", help="sign in at an identity provider")
    actions = login.add_subparsers(dest="action", required=True)
    flow = actions.add_parser(
        "device", help="device authorization (RFC 8628): approve on another device"
    )
    _identity_options(flow, "", required=True)
    flow.add_argument("--scope", default="openid", help="scopes to ask for (default openid)")
    flow.add_argument("--json", action="store_true", help="print every token as JSON")
    flow.set_defaults(handler=login_device)


# --- keyturn serve --oidc-* -----------------------------------------------------------------------


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    _identity_options(parser, "oidc-", required=False)
    parser.add_argument(
        "--oidc-scope", default="openid email", help="scopes of the sign-in (default: openid email)"
    )
    parser.add_argument(
        "--oidc-redirect-uri",
        help="the callback URL as the provider sees it (behind a proxy); "
        "default http://HOST:PORT/auth/callback",
    )


def with_sign_in(
    args: argparse.Namespace,
    service: Any,
    app: Any,
    *,
    states: LoginStates,
    sessions: Any = None,
) -> Any:
    """``app`` behind ``/auth/login`` and ``/auth/callback`` when ``--oidc-issuer`` is given.

    Pending logins wait in ``states``, serve's ``--db`` backend's ``login_states``: a login started
    by one process (or before a restart) finishes at any other on the same database. The local
    user id is the provider's ``sub``; the callback URL to register at the provider is
    ``--oidc-redirect-uri`` or ``http://HOST:PORT/auth/callback`` (printed at start). With
    ``sessions`` (a ``SessionService``) a sign-in also starts a browser session.
    """
    if args.oidc_issuer is None:
        return app
    if args.oidc_client_id is None:
        raise ConfigurationError("--oidc-issuer needs --oidc-client-id")
    from keyturn.asgi import login_endpoints
    from keyturn.relying_party import Login, RelyingParty

    client = OAuthClient.discover(
        args.oidc_issuer, _auth(args.oidc_client_id, args.oidc_client_secret_file)
    )
    party = RelyingParty(
        client,
        redirect_uri=args.oidc_redirect_uri or f"http://{args.host}:{args.port}/auth/callback",
        states=states,
        scope=args.oidc_scope,
    )

    def provider_subject(login: Login) -> str:
        return login.subject

    print(f"sign-in at {args.oidc_issuer}: register {party.redirect_uri} as the redirect URI")
    return login_endpoints(party, service, map_user=provider_subject, sessions=sessions, app=app)
