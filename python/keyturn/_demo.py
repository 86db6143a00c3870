"""``keyturn demo``: the whole flow on the embedded default, narrated step by step.

It uses a keyring file and a SQLite database in one directory (created if absent) and only public
APIs, so every line it prints is something a service can do. Refresh tokens are never printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from keyturn._command import CommandError
from keyturn.errors import KeyturnError, ReplayedRefresh, RevokedRefresh, TokenError
from keyturn.issuer import Issuer
from keyturn.keyring import Keyring
from keyturn.refresh import TokenService
from keyturn.stores.sqlite import SQLiteStore
from keyturn.tokens import Verifier

__all__ = ["run"]

KEYRING_FILE = "keyturn-keys.json"
DATABASE_FILE = "keyturn.db"
ISSUER = "https://auth.demo.keyturn"
AUDIENCE = "api.demo.keyturn"

E = TypeVar("E", bound=KeyturnError)


def step(number: int, title: str) -> None:
    print(f"\n{number}. {title}")


def say(text: str) -> None:
    print(f"   {text}")


def short(token: str) -> str:
    return f"{token[:24]}... ({len(token)} chars)"


def refused(error_class: type[E], action: Callable[[], object]) -> E:
    """Run an action that must fail with ``error_class``; anything else means the demo failed."""
    try:
        action()
    except error_class as error:
        return error
    raise CommandError(f"demo: expected {error_class.__name__}, but the call succeeded")


def open_keyring(path: Path) -> Keyring:
    if path.exists():
        ring = Keyring.load(path)
        changed = ring.maintain()
        say(f"loaded {path}" + (" (maintenance applied)" if changed else ""))
    else:
        ring = Keyring.generate()
        say(f"created {path} (mode 0600)")
    ring.save(path)
    for info in ring.entries():
        say(f"  {info.state.value:<9} {info.kid}")
    return ring


def login_and_refresh(service: TokenService, verifier: Verifier) -> str:
    """Steps 3 to 6; returns the first access token for the key rotation steps."""
    step(3, "Log in: issue_pair('alice', 'laptop') starts a refresh family")
    pair = service.issue_pair("alice", "laptop", claims={"scope": "read write"})
    say(f"access token  {short(pair.access)}")
    say("refresh token (hidden: opaque, only its SHA-256 is stored)")

    step(4, "Verify the access token")
    claims = verifier.verify(pair.access)
    expires_in = pair.access_expires_at - time.time()
    say(f"valid: sub={claims['sub']} scope={claims['scope']!r}, expires in {expires_in:.0f} s")

    step(5, "Refresh: rotate() trades the refresh token for a new pair")
    second = service.rotate(pair.refresh)
    say("new access token and new refresh token; the old refresh token is now spent")

    step(6, "Replay the old refresh token (what a thief would do)")
    replay = refused(ReplayedRefresh, lambda: service.rotate(pair.refresh))
    say(f"refused: {type(replay).__name__} ({replay.code})")
    after = refused(RevokedRefresh, lambda: service.rotate(second.refresh))
    say(f"and the legitimate successor is dead too: {type(after).__name__} ({after.code})")
    say("the whole family is revoked: the thief and alice must both log in again")
    return pair.access


def rotate_and_revoke(
    ring: Keyring, path: Path, issuer: Issuer, verifier: Verifier, old: str
) -> None:
    step(7, "Rotate the signing key")
    old_kid = ring.current.kid
    ring.rotate()
    ring.save(path)
    say(f"{ring.current.kid} now signs; {old_kid} is previous (verify only)")
    say(f"old access token still verifies: sub={verifier.verify(old)['sub']}")
    fresh = issuer.issue("alice")
    say(f"a new token, signed by the new key, verifies: sub={verifier.verify(fresh)['sub']}")

    step(8, f"Emergency: revoke {old_kid}")
    ring.revoke(old_kid)
    ring.save(path)
    error = refused(TokenError, lambda: verifier.verify(old))
    say(f"the old access token is refused at once: {type(error).__name__} ({error.code})")
    say(f"new tokens still verify: sub={verifier.verify(fresh)['sub']}")


def logout_everywhere(service: TokenService) -> None:
    step(9, "Log out everywhere")
    phone = service.issue_pair("alice", "phone")
    service.issue_pair("alice", "tablet")
    devices = sorted(s.device_id for s in service.sessions("alice"))
    say(f"alice's sessions: {', '.join(devices)}")
    revoked = service.logout_all("alice")
    say(
        f"logout_all('alice') revoked {revoked} session(s); sessions left: "
        f"{len(service.sessions('alice'))}"
    )
    error = refused(RevokedRefresh, lambda: service.rotate(phone.refresh))
    say(f"the phone's refresh token is refused: {type(error).__name__} ({error.code})")


def run(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    keyring_path, database = directory / KEYRING_FILE, directory / DATABASE_FILE
    print(f"keyturn demo in {directory.resolve()}")
    step(1, "Signing keys")
    ring = open_keyring(keyring_path)
    issuer = Issuer(ring, issuer=ISSUER, audience=AUDIENCE, ttl=600)
    verifier = issuer.verifier()

    step(2, "Token store")
    say(f"SQLite database {database}")
    service = TokenService(issuer, store=SQLiteStore(database))
    try:
        access = login_and_refresh(service, verifier)
        rotate_and_revoke(ring, keyring_path, issuer, verifier, access)
        logout_everywhere(service)
    finally:
        service.close()
    print(f"\nDone. {KEYRING_FILE} and {DATABASE_FILE} stay in {directory.resolve()}.")
    print("Run it again to see them reused, or delete them to start over.")
