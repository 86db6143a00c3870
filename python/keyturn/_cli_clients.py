"""``keyturn clients add|list|show|enable|disable|rotate-secret``: the registered clients of
keyturn's own authorization server (``keyturn.clients``), in the database ``--db`` names.

A client secret is printed once, by ``add`` and ``rotate-secret``, on stdout (``--json``: as
``client_secret``); the database keeps only its SHA-256, so it can never be shown again. ``list``
and ``show`` print no secret, and nothing of one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from keyturn._command import CommandError
from keyturn.clients import AUTH_METHODS, Client, ClientRegistry
from keyturn.errors import StoreError

__all__ = ["add_clients"]

_ONCE = "the secret is shown this once: store it now (the database keeps only its hash)"


@contextmanager
def _registry(db: str) -> Iterator[ClientRegistry]:
    from keyturn import cli
    from keyturn.stores import open_backend

    with open_backend(db) as backend:
        try:
            yield ClientRegistry(backend.clients)
        except StoreError as error:
            raise cli.store_failed(db, error) from None


def _described(client: Client) -> dict[str, Any]:
    from keyturn.cli import iso

    document: dict[str, Any] = {
        "client_id": client.client_id,
        "name": client.name,
        "auth_method": client.auth_method,
        "scopes": list(client.scopes),
        "audiences": list(client.audiences),
        "enabled": client.enabled,
        "created": iso(client.created_at),
    }
    if client.jwks is not None:
        document["jwks"] = client.jwks
    if client.jwks_uri is not None:
        document["jwks_uri"] = client.jwks_uri
    return document


def _print(document: dict[str, Any]) -> None:
    print(json.dumps(document, indent=2, sort_keys=True))


def _jwks(path: str | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(f"--jwks {path}: {error.strerror}") from None
    except ValueError:
        raise CommandError(f"--jwks {path} is not JSON") from None
    if not isinstance(document, dict):
        raise CommandError(f"--jwks {path} is not a JWKS (a JSON object with keys)")
    return document


def clients_add(args: argparse.Namespace) -> None:
    with _registry(args.db) as registry:
        client, secret = registry.add(
            args.name,
            auth_method=args.auth_method,
            scopes=" ".join(args.scope),
            audiences=args.audience,
            client_id=args.client_id,
            jwks=_jwks(args.jwks),
            jwks_uri=args.jwks_uri,
        )
    if args.json:
        _print({**_described(client), "client_secret": secret})
    else:
        print(f"client_id: {client.client_id}")
        if secret is not None:
            print(f"client_secret: {secret}")
    if secret is not None:
        print(_ONCE, file=sys.stderr)


def clients_list(args: argparse.Namespace) -> None:
    with _registry(args.db) as registry:
        clients = registry.list()
    if args.json:
        print(json.dumps([_described(c) for c in clients], indent=2, sort_keys=True))
        return
    print(f"{'CLIENT_ID':<26} {'STATE':<8} {'AUTH METHOD':<20} {'NAME':<20} SCOPES")
    for client in clients:
        state = "enabled" if client.enabled else "disabled"
        print(
            f"{client.client_id:<26} {state:<8} {client.auth_method:<20} "
            f"{client.name:<20} {' '.join(client.scopes)}"
        )


def clients_show(args: argparse.Namespace) -> None:
    with _registry(args.db) as registry:
        client = registry.get(args.client_id)
    if client is None:
        raise CommandError(f"no client has the id {args.client_id!r} (see: keyturn clients list)")
    _print(_described(client))


def clients_disable(args: argparse.Namespace) -> None:
    with _registry(args.db) as registry:
        registry.disable(args.client_id)
    print(f"disabled {args.client_id}: it can no longer authenticate")


def clients_enable(args: argparse.Namespace) -> None:
    with _registry(args.db) as registry:
        registry.enable(args.client_id)
    print(f"enabled {args.client_id}")


def clients_rotate_secret(args: argparse.Namespace) -> None:
    if args.overlap < 0:
        raise CommandError("--overlap must be 0 or more seconds")
    with _registry(args.db) as registry:
        secret = registry.rotate_secret(args.client_id, overlap=args.overlap)
    if args.json:
        _print({"client_id": args.client_id, "client_secret": secret, "overlap": args.overlap})
    else:
        print(f"client_secret: {secret}")
    print(f"{_ONCE}; the previous secret works for {args.overlap:g} more seconds", file=sys.stderr)


def add_clients(commands: Any) -> None:
    """``keyturn clients ...`` on the top-level subcommands."""
    from keyturn.cli import DEFAULT_DB

    group = commands.add_parser("clients", help="registered clients of keyturn's token endpoint")
    actions = group.add_subparsers(dest="action", required=True)

    def action(
        name: str, handler: Callable[[argparse.Namespace], None], help_text: str
    ) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(name, help=help_text)
        parser.add_argument(
            "--db",
            default=DEFAULT_DB,
            help=f"database: SQLite path or postgresql:// / redis:// URL (default ./{DEFAULT_DB})",
        )
        parser.set_defaults(handler=handler)
        return parser

    add = action("add", clients_add, "register a client (prints its secret once)")
    add.add_argument("name", help="a name for people (the client_id is generated)")
    add.add_argument("--client-id", help="the client_id (default: 24 random hex digits)")
    add.add_argument(
        "--auth-method",
        default="client_secret_basic",
        choices=AUTH_METHODS,
        help="how it authenticates (default client_secret_basic)",
    )
    add.add_argument("--scope", action="append", default=[], help="an allowed scope (repeatable)")
    add.add_argument(
        "--audience", action="append", required=True, help="an allowed audience (repeatable)"
    )
    keys = add.add_mutually_exclusive_group()
    keys.add_argument("--jwks", help="private_key_jwt: a file with the client's public JWKS")
    keys.add_argument("--jwks-uri", help="private_key_jwt: where the client publishes its JWKS")
    add.add_argument("--json", action="store_true", help="print JSON (includes the secret)")

    listing = action("list", clients_list, "show every client (no secrets)")
    listing.add_argument("--json", action="store_true")

    for name, handler, help_text in (
        ("show", clients_show, "one client as JSON (no secret)"),
        ("disable", clients_disable, "the client can no longer authenticate"),
        ("enable", clients_enable, "the client can authenticate again"),
    ):
        action(name, handler, help_text).add_argument("client_id")

    rotate = action("rotate-secret", clients_rotate_secret, "a new secret (printed once)")
    rotate.add_argument("client_id")
    rotate.add_argument(
        "--overlap",
        type=float,
        default=0,
        help="seconds the previous secret keeps working (default 0: it stops now)",
    )
    rotate.add_argument("--json", action="store_true", help="print JSON (includes the secret)")
