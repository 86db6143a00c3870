"""No session id in plaintext at rest: the SQLite file and its WAL, pg_dump, every Redis key
name, DUMP and value (and the memory store's state), after starting, rotating, touching,
replacing, ending and logging out sessions."""

from __future__ import annotations

import base64
from typing import Any

from keyturn.sessions.format import PREFIX, id_hash
from support import Clock

from .conftest import Backend


def _needles(session_id: str) -> list[bytes]:
    body = session_id[len(PREFIX) :]
    secret = base64.urlsafe_b64decode(body + "=")
    return [
        session_id.encode(),
        body.encode(),
        body[8:].encode(),  # a part of the base64 text
        secret,
        secret.hex().encode(),
        base64.b64encode(secret),
    ]


def test_only_hashes_are_stored(service: Any, backend: Backend, clock: Clock):
    ids: list[str] = []
    laptop = service.start("user-1", device="laptop", user_agent="Firefox", data={"k": "v"})
    ids.append(laptop.id)
    clock.advance(120)
    service.get(laptop.id)  # a recorded request
    rotated = service.rotate(laptop.id)
    ids.append(rotated.id)
    phone = service.start("user-1", device="phone")
    ids.append(phone.id)
    replaced = service.start("user-2", replacing=phone.id)
    ids.append(replaced.id)
    ended = service.start("user-3")
    ids.append(ended.id)
    service.end(ended.id)
    kept = service.start("user-4", data={"note": "kept"})
    ids.append(kept.id)

    stored = backend.at_rest()
    assert stored, "nothing was scanned"
    # The scan is meaningful: a live session's hash is there (raw or hex, as the store keeps it).
    digest = id_hash(kept.id)
    assert digest in stored or digest.hex().encode() in stored
    for session_id in ids:
        for needle in _needles(session_id):
            assert needle not in stored, f"{backend.kind} stores a session id in plaintext"
