"""The ``keyturn`` command line (also ``python -m keyturn``).

Every failure is one line on stderr and a non-zero exit; secrets (refresh tokens, private keys) are
printed only when a flag asks for them (``token issue --json``).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import socket
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from keyturn import _cli_clients, _cli_oidc, _core
from keyturn._command import CommandError
from keyturn._keyfile import KeyringFile
from keyturn._limits import HOUR, MAX_TTL
from keyturn.errors import (
    ConfigurationError,
    InvalidAudience,
    InvalidIssuer,
    JWKSError,
    KeyturnError,
    StoreError,
    TokenError,
)
from keyturn.issuer import Issuer
from keyturn.keyring import Keyring
from keyturn.stores import SCHEMES, Backend, open_backend
from keyturn.tokens import DEFAULT_ALGORITHMS, Verifier

__all__ = ["main"]

DEFAULT_KEYRING = "keyturn-keys.json"
DEFAULT_DB = "keyturn.db"
DEFAULT_ISSUER = "http://127.0.0.1:8000"
DEFAULT_AUDIENCE = "keyturn-api"


# --- shared helpers -------------------------------------------------------------------------------


def missing_keyring(path: str) -> CommandError:
    return CommandError(f"no keyring at {path} (create one with: keyturn keys init)")


def _not_a_keyring(path: str) -> CommandError | None:
    """Say what the file is when it is clearly not a keyring, before any permission check: a JWKS
    or a PEM key given to --keyring is a mix-up to explain, not a mode to fix."""
    try:
        with open(path, "rb") as file:
            head = file.read(64 * 1024)
    except OSError:
        return None  # Keyring.load reports it
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if "-----BEGIN " in text:
        return CommandError(
            f"{path} is a PEM key, not a keyring: create a keyring with "
            f"'keyturn keys init --keyring FILE' (keyturn keeps its keys in a JSON keyring)"
        )
    try:
        document = json.loads(text)
    except ValueError:
        return CommandError(
            f"{path} is not a keyring (not JSON): create one with keyturn keys init"
        )
    if isinstance(document, dict) and "keys" in document and "format" not in document:
        return CommandError(
            f"{path} is a JWKS (public keys), not a keyring: verify with "
            f"'keyturn token verify TOKEN --jwks {path}'"
        )
    return None


def keyring_error(path: str, error: KeyturnError) -> CommandError:
    """What the file is, if it is not a keyring; otherwise the keyring's error, naming the file."""
    message = str(error)
    return _not_a_keyring(path) or CommandError(
        message if path in message else f"{path}: {message}"
    )


def load_keyring(path: str) -> Keyring:
    try:
        return Keyring.load(path)
    except FileNotFoundError:
        raise missing_keyring(path) from None
    except KeyturnError as error:
        raise keyring_error(path, error) from None


_STORE_SCHEMES = "a SQLite file path, sqlite:///PATH, postgresql://, redis://, rediss:// or unix://"


def open_db(url: str) -> Backend:
    """The backend of ``--db`` (``keyturn.stores.open_backend``): a SQLite path, or a
    ``postgresql://`` / ``redis://`` URL; every store of the command on one pool or client."""
    scheme, separator, _ = url.partition("://")
    if separator and scheme not in SCHEMES:
        raise CommandError(f"--db: unsupported scheme {scheme!r}; use {_STORE_SCHEMES}")
    if not separator or scheme == "sqlite":
        directory = os.path.dirname(url.removeprefix("sqlite:///")) or "."
        if not os.path.isdir(directory):
            raise CommandError(f"--db: directory {directory} does not exist (create it first)")
    try:
        return open_backend(url)
    except ConfigurationError as error:
        raise CommandError(f"--db {shown_db(url)}: {error}") from None


_DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "redis": 6379, "rediss": 6379}


def shown_db(url: str) -> str:
    """``--db`` for messages: a password in the URL is never printed."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def connect_db(url: str) -> Backend:
    """``open_db`` after checking that a server URL answers at all: a dead server is one line
    at once, not a pool's retries and a timeout later."""
    parts = urlsplit(url)
    port = _DEFAULT_PORTS.get(parts.scheme)
    if port is not None and parts.hostname:
        try:
            socket.create_connection((parts.hostname, parts.port or port), timeout=3).close()
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise CommandError(
                f"--db {shown_db(url)}: cannot connect to {parts.hostname}:{parts.port or port} "
                f"({reason}); is the server running, and is the URL right?"
            ) from None
    return open_db(url)


def store_failed(url: str, error: StoreError) -> CommandError:
    return CommandError(f"--db {shown_db(url)}: {error} (check the server and the URL)")


def make_issuer(args: argparse.Namespace, ring: Keyring | KeyringFile) -> Issuer:
    if args.ttl > MAX_TTL:
        raise CommandError(
            f"--ttl {args.ttl} is over {MAX_TTL} seconds (one day); access tokens should live "
            "minutes: use a shorter --ttl and a refresh token (--db) for long sessions"
        )
    return Issuer(ring, issuer=args.issuer, audience=args.audience, ttl=args.ttl)


def read_token(value: str) -> str:
    """``-`` reads the token from stdin, which keeps it out of shell history and ``ps``."""
    token = (sys.stdin.readline() if value == "-" else value).strip()
    if not token:
        where = "on stdin" if value == "-" else "given"
        raise CommandError(f"no token {where}: pass the token, or pipe it into 'token ... -'")
    return token


def print_json(value: object) -> None:
    print(json.dumps(value, indent=2, sort_keys=True))


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


# --- keyturn keys ---------------------------------------------------------------------------------


def keys_init(args: argparse.Namespace) -> None:
    if os.path.exists(args.keyring):
        raise CommandError(f"{args.keyring} already exists; refusing to overwrite a keyring")
    directory = os.path.dirname(args.keyring) or "."
    if not os.path.isdir(directory):
        raise CommandError(f"--keyring: directory {directory} does not exist (create it first)")
    ring = Keyring.generate(alg=args.alg)
    ring.save(args.keyring)
    print(f"created {args.keyring} (mode 0600): current key {ring.current.kid}")


def keys_rotate(args: argparse.Namespace) -> None:
    ring = load_keyring(args.keyring)
    old = ring.current.kid
    ring.rotate()
    ring.save(args.keyring)
    print(f"rotated: {ring.current.kid} now signs; {old} verifies until its tokens expire")


def keys_revoke(args: argparse.Namespace) -> None:
    ring = load_keyring(args.keyring)
    ring.revoke(args.kid)
    ring.save(args.keyring)
    print(f"revoked {args.kid}: removed from the JWKS and from verification")


def keys_list(args: argparse.Namespace) -> None:
    entries = load_keyring(args.keyring).entries()
    if args.json:
        print_json(
            [{"kid": e.kid, "state": e.state.value, "since": e.since[e.state]} for e in entries]
        )
        return
    print(f"{'KID':<45} {'STATE':<9} SINCE")
    for entry in entries:
        print(f"{entry.kid:<45} {entry.state.value:<9} {iso(entry.since[entry.state])}")


def keys_jwks(args: argparse.Namespace) -> None:
    print_json(load_keyring(args.keyring).jwks())


def keys_maintain(args: argparse.Namespace) -> None:
    ring = load_keyring(args.keyring)
    if ring.maintain():
        ring.save(args.keyring)
        print(f"updated {args.keyring}: current key {ring.current.kid}")
    else:
        print("nothing due")


# --- keyturn token --------------------------------------------------------------------------------


def token_issue(args: argparse.Namespace) -> None:
    issuer = make_issuer(args, load_keyring(args.keyring))
    extra = {"scope": args.scope} if args.scope else {}
    if args.db is None:
        access = issuer.issue(args.sub, **extra)
        if args.json:
            print_json({"access_token": access, "token_type": "Bearer", "expires_in": issuer.ttl})
        else:
            print(access)
        return
    from keyturn.refresh import TokenService

    with connect_db(args.db) as backend:
        try:
            pair = TokenService(issuer, backend.tokens).issue_pair(
                args.sub, args.device, claims=extra or None
            )
        except StoreError as error:
            raise store_failed(args.db, error) from None
    if args.json:
        print_json(
            {
                "access_token": pair.access,
                "refresh_token": pair.refresh,
                "token_type": "Bearer",
                "expires_in": max(0, int(pair.access_expires_at - time.time())),
            }
        )
    else:
        print(pair.access)
        print("refresh token stored; not shown (use --json to receive it)", file=sys.stderr)


def verification_keys(args: argparse.Namespace) -> Any:
    if args.jwks_url:
        from keyturn.jwks import RemoteJWKS

        return RemoteJWKS(args.jwks_url)
    if args.jwks:
        try:
            return json.loads(Path(args.jwks).read_text(encoding="utf-8"))
        except ValueError:
            raise CommandError(f"{args.jwks} is not JSON") from None
    return load_keyring(args.keyring)


def token_verify(args: argparse.Namespace) -> None:
    keys = verification_keys(args)
    verifier = Verifier(
        keys=keys,
        issuer=args.issuer,
        audience=args.audience,
        leeway=args.leeway,
        algorithms=args.algorithms or _algorithms(keys),
    )
    try:
        claims = verifier.verify(read_token(args.token))
    except JWKSError as error:
        raise CommandError(
            f"--jwks-url: {error} (check the URL and that the issuer is up)"
        ) from None
    except TokenError as error:
        raise CommandError(f"token rejected: {error.code}: {rejection(error, args)}") from None
    print_json(claims)


def _algorithms(keys: object) -> tuple[str, ...]:
    """A keyring's own algorithms (it may hold two while moving between them); else EdDSA."""
    if isinstance(keys, Keyring):
        return tuple(sorted({key.alg or key.algorithms[0] for key in keys.verification_keys()}))
    return DEFAULT_ALGORITHMS


def rejection(error: TokenError, args: argparse.Namespace) -> str:
    """The reason, with what was expected where an option sets it."""
    if isinstance(error, InvalidAudience):
        return f"audience does not match (expected {args.audience!r}; set it with --audience)"
    if isinstance(error, InvalidIssuer):
        return f"issuer does not match (expected {args.issuer!r}; set it with --issuer)"
    return str(error)


def token_inspect(args: argparse.Namespace) -> None:
    header, claims = _core.unverified_parts(read_token(args.token))
    print("UNVERIFIED: the signature and claims below have NOT been checked", file=sys.stderr)
    print_json({"header": header, "claims": claims})


# --- keyturn serve / demo / bench -----------------------------------------------------------------


def serve(args: argparse.Namespace) -> None:
    try:
        import uvicorn
    except ImportError:
        raise CommandError("keyturn serve needs uvicorn: pip install 'keyturn[server]'") from None
    from keyturn._cli_purge import PurgeLoop
    from keyturn._cli_sessions import with_sessions
    from keyturn.asgi import jwks_endpoint, refresh_endpoints
    from keyturn.authserver.serve import with_authorization_server
    from keyturn.clients import ClientRegistry
    from keyturn.refresh import TokenService
    from keyturn.revocation import Revocations
    from keyturn.sessions import SessionService

    try:
        # Follows the file, so `keyturn keys rotate|revoke|maintain` apply without a restart.
        ring = KeyringFile(args.keyring)
    except FileNotFoundError:
        raise missing_keyring(args.keyring) from None
    except KeyturnError as error:
        raise keyring_error(args.keyring, error) from None
    issuer = make_issuer(args, ring)
    check_port_free(args.host, args.port)
    backend = connect_db(args.db)
    # One database for every store. logout-all ends the user's refresh families and, by the
    # service's watermark on the subject, the access tokens already out; the endpoints' verifier
    # consults the same revocations (refresh_endpoints' own revocations= would write it twice).
    revocations = Revocations(backend.revocations)
    service = TokenService(issuer, backend.tokens, revocations=revocations)
    sessions = SessionService(backend.sessions, tokens=service, revocations=revocations)
    clients = ClientRegistry(backend.clients)
    verifier = issuer.verifier(revocations=revocations)
    app = refresh_endpoints(service, verifier=verifier, app=jwks_endpoint(ring))
    app = with_sessions(args, issuer, backend, service, sessions, app)  # and sign-in
    app = with_authorization_server(issuer, ring, clients, service, revocations, app)
    purging = PurgeLoop(
        args.purge_interval,
        {
            "refresh tokens": service.purge_expired,
            "sessions": sessions.purge_expired,
            "revocations": revocations.purge,
            "client assertion ids": clients.purge,
        },
    )
    if args.purge_interval:
        purging.start()
    print(
        f"keyturn serving on http://{args.host}:{args.port} (JWKS, /auth/refresh, /auth/logout); "
        f"keyring {args.keyring}, database {shown_db(args.db)}",
        flush=True,
    )
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    finally:
        purging.stop()
        backend.close()


def check_port_free(host: str, port: int) -> None:
    """Fail before saying "serving" when the address is taken (uvicorn would exit 3 after it)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        raise CommandError(
            f"cannot listen on {host}:{port}: {error.strerror or error}; "
            "stop what uses it or pick another --port"
        ) from None


def demo(args: argparse.Namespace) -> None:
    from keyturn import _demo

    _demo.run(Path(args.dir))


def bench(args: argparse.Namespace) -> None:
    from keyturn import _bench

    _bench.run(args.seconds)


# --- argument parsing -----------------------------------------------------------------------------


def _keyring_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keyring", default=DEFAULT_KEYRING, help=f"keyring file (default ./{DEFAULT_KEYRING})"
    )


def _claims_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--issuer", default=DEFAULT_ISSUER, help=f"the iss claim (default {DEFAULT_ISSUER})"
    )
    parser.add_argument(
        "--audience", default=DEFAULT_AUDIENCE, help=f"the aud claim (default {DEFAULT_AUDIENCE})"
    )


def _add_keys(commands: Any) -> None:
    group = commands.add_parser("keys", help="manage a signing keyring")
    # `keyturn keys --keyring X list` as well as `keyturn keys list --keyring X`
    group.add_argument("--keyring", dest="group_keyring", help=argparse.SUPPRESS)
    keys = group.add_subparsers(dest="action", required=True)
    actions: dict[str, tuple[Callable[[argparse.Namespace], None], str]] = {
        "init": (keys_init, "create a new keyring file"),
        "rotate": (keys_rotate, "next key starts signing; current becomes previous"),
        "revoke": (keys_revoke, "emergency: stop publishing and accepting a key now"),
        "list": (keys_list, "show every key and its state"),
        "jwks": (keys_jwks, "print the public JWKS document"),
        "maintain": (keys_maintain, "retire expired keys, rotate when due"),
    }
    for name, (handler, help_text) in actions.items():
        parser = keys.add_parser(name, help=help_text)
        _keyring_option(parser)
        parser.set_defaults(handler=handler)
        if name == "revoke":
            # A kid is base64url and may start with "-": "keyturn keys revoke -- -abc".
            parser.add_argument("kid", help="the key's kid (write -- before a kid starting with -)")
        if name == "list":
            parser.add_argument("--json", action="store_true")
        if name == "init":
            parser.add_argument(
                "--alg",
                default="EdDSA",
                choices=["EdDSA", "Ed25519", "ES256", "ES384", "RS256", "PS256"],
                help="signing algorithm of the keyring's keys (default EdDSA; RSA keys: 3072 bits)",
            )


def _add_token(commands: Any) -> None:
    token = commands.add_parser("token", help="issue, verify or inspect tokens").add_subparsers(
        dest="action", required=True
    )
    issue = token.add_parser("issue", help="sign an access token (with --db: a full pair)")
    _keyring_option(issue)
    _claims_options(issue)
    issue.add_argument("--sub", required=True, help="the subject (user id)")
    issue.add_argument("--device", default="cli", help="device id for the refresh family")
    issue.add_argument("--scope", help="space-separated scopes")
    issue.add_argument("--ttl", type=int, default=600, help="access token lifetime, seconds")
    issue.add_argument("--db", help="token store: SQLite path or postgresql:// / redis:// URL")
    issue.add_argument(
        "--json", action="store_true", help="print JSON (includes the refresh token)"
    )
    issue.set_defaults(handler=token_issue)

    verify = token.add_parser("verify", help="verify a token's signature and claims")
    verify.add_argument("token", help="the token, or - to read it from stdin")
    _keyring_option(verify)
    _claims_options(verify)
    source = verify.add_mutually_exclusive_group()
    source.add_argument("--jwks", help="a JWKS file instead of the keyring")
    source.add_argument("--jwks-url", help="an issuer's JWKS URL instead of the keyring")
    verify.add_argument("--leeway", type=float, default=0, help="clock tolerance, seconds")
    verify.add_argument(
        "--alg",
        action="append",
        dest="algorithms",
        help="an accepted algorithm (repeatable; default: the keyring's, or EdDSA/Ed25519)",
    )
    verify.set_defaults(handler=token_verify)

    inspect = token.add_parser("inspect", help="show header and claims WITHOUT verifying")
    inspect.add_argument("token", help="the token, or - to read it from stdin")
    inspect.set_defaults(handler=token_inspect)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keyturn",
        description="keyturn: signing keys, access and refresh tokens, and their endpoints.",
        epilog="Start with: keyturn demo (in an empty directory)",
    )
    parser.add_argument("--version", action="version", version=f"keyturn {_core.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    demo_parser = commands.add_parser("demo", help="walk through the whole flow, step by step")
    demo_parser.add_argument("--dir", default=".", help="where the keyring and database live")
    demo_parser.set_defaults(handler=demo)

    _add_keys(commands)
    _add_token(commands)

    serve_parser = commands.add_parser("serve", help="JWKS + refresh/logout endpoints (uvicorn)")
    _keyring_option(serve_parser)
    _claims_options(serve_parser)
    serve_parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        help=f"token store: SQLite path or postgresql:// / redis:// URL (default ./{DEFAULT_DB})",
    )
    serve_parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve_parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve_parser.add_argument(
        "--ttl", type=int, default=600, help="access token lifetime, seconds (default 600)"
    )
    serve_parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level (default info)",
    )
    serve_parser.add_argument(
        "--purge-interval",
        type=_purge_interval,
        default=HOUR,
        help="seconds between purges of expired tokens, sessions, revocations and client "
        f"assertion ids from --db, the first at start; 0 turns them off (default {HOUR})",
    )
    _cli_oidc.add_serve_options(serve_parser)
    serve_parser.set_defaults(handler=serve)
    _cli_oidc.add_login(commands)
    _cli_clients.add_clients(commands)

    bench_parser = commands.add_parser("bench", help="time keyturn (and installed peers)")
    bench_parser.add_argument("--seconds", type=float, default=0.5, help="time per measurement")
    bench_parser.set_defaults(handler=bench)
    return parser


def _purge_interval(value: str) -> float:
    """``--purge-interval``: a finite number of seconds >= 0 (0: no purging)."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds >= 0")
    return seconds


def quiet_library_logs() -> None:
    """A one-shot command reports a failure in its own one line; the libraries' log records of
    the same failure (keyturn.jwks warnings, psycopg pool errors) would print it again."""
    for name in ("keyturn", "psycopg", "redis"):
        logging.getLogger(name).addHandler(logging.NullHandler())
        logging.getLogger(name).propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "group_keyring", None) and args.keyring == DEFAULT_KEYRING:
        args.keyring = args.group_keyring
    if args.handler is not serve:
        quiet_library_logs()
    try:
        args.handler(args)
        sys.stdout.flush()  # a closed pipe must fail here, inside the handler below
    except BrokenPipeError:
        # The reader went away (``keyturn keys jwks | head``): nothing left to say to anyone.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (CommandError, KeyturnError, OSError) as error:
        # KeyturnError messages never hold a token or key material, so they are safe to print.
        print(f"keyturn: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
