"""The SQL shared by the SQLite and PostgreSQL client stores, as sans-IO flows (``%s``
placeholders).

Two tables: the clients (secrets only as SHA-256 digests; scopes, audiences and a JWKS as JSON
text) and the assertion ids already used, kept until their assertion has expired. Every write is
one statement, atomic by itself: the rotation moves the current hash to ``previous_hash`` in the
same ``UPDATE`` that sets the new one, and an assertion id is claimed by one upsert that changes
a row only if none is remembered, so of two racing claims exactly one changes a row.
"""

from __future__ import annotations

import json
from typing import Any

from keyturn._drive import Flow
from keyturn.clients import Client, SecretHashes, StoredClient
from keyturn.stores._sql.statement import Stmt

__all__ = [
    "create",
    "ddl",
    "list_clients",
    "load",
    "purge",
    "remember_jti",
    "rotate_secret",
    "set_enabled",
]


def ddl(real: str, blob: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS keyturn_clients (
            client_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            auth_method TEXT NOT NULL,
            scopes TEXT NOT NULL,
            audiences TEXT NOT NULL,
            enabled INTEGER NOT NULL,
            created_at {real} NOT NULL,
            jwks TEXT,
            jwks_uri TEXT,
            secret_hash {blob},
            previous_hash {blob},
            previous_until {real})""",
        f"""CREATE TABLE IF NOT EXISTS keyturn_client_jtis (
            client_id TEXT NOT NULL,
            jti_hash {blob} NOT NULL,
            keep_until {real} NOT NULL,
            PRIMARY KEY (client_id, jti_hash))""",
        """CREATE INDEX IF NOT EXISTS keyturn_client_jtis_keep
            ON keyturn_client_jtis (keep_until)""",
    ]


_COLUMNS = (
    "client_id, name, auth_method, scopes, audiences, enabled, created_at, jwks, jwks_uri,"
    " secret_hash, previous_hash, previous_until"
)
# Column lists are constants: no caller input is ever formatted into SQL.
INSERT = f"""INSERT INTO keyturn_clients ({_COLUMNS})
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, NULL)
    ON CONFLICT (client_id) DO NOTHING"""  # noqa: S608
SELECT_ONE = f"SELECT {_COLUMNS} FROM keyturn_clients WHERE client_id = %s"  # noqa: S608
SELECT_ALL = f"SELECT {_COLUMNS} FROM keyturn_clients ORDER BY client_id"  # noqa: S608
SET_ENABLED = "UPDATE keyturn_clients SET enabled = %s WHERE client_id = %s"
# SET reads the row as it was: previous_hash gets the hash being replaced.
ROTATE = """UPDATE keyturn_clients
    SET previous_hash = secret_hash, previous_until = %s, secret_hash = %s
    WHERE client_id = %s AND secret_hash IS NOT NULL"""
# Changes a row (count 1) when the jti is new or remembered only until before now; else 0.
REMEMBER_JTI = """INSERT INTO keyturn_client_jtis (client_id, jti_hash, keep_until)
    VALUES (%s, %s, %s)
    ON CONFLICT (client_id, jti_hash) DO UPDATE SET keep_until = excluded.keep_until
    WHERE keyturn_client_jtis.keep_until <= %s"""
PURGE = "DELETE FROM keyturn_client_jtis WHERE keep_until <= %s"


def create(client: Client, secret_hash: bytes | None) -> Flow[Stmt, bool]:
    params = (
        client.client_id,
        client.name,
        client.auth_method,
        json.dumps(list(client.scopes)),
        json.dumps(list(client.audiences)),
        int(client.enabled),
        client.created_at,
        None if client.jwks is None else json.dumps(client.jwks, separators=(",", ":")),
        client.jwks_uri,
        secret_hash,
    )
    inserted = yield Stmt(INSERT, params, "count")
    return bool(inserted == 1)


def load(client_id: str) -> Flow[Stmt, StoredClient | None]:
    rows = yield Stmt(SELECT_ONE, (client_id,), "rows")
    return _stored(rows[0]) if rows else None


def list_clients() -> Flow[Stmt, list[Client]]:
    rows = yield Stmt(SELECT_ALL, (), "rows")
    return [_stored(row).client for row in rows]


def set_enabled(client_id: str, enabled: bool) -> Flow[Stmt, bool]:
    changed = yield Stmt(SET_ENABLED, (int(enabled), client_id), "count")
    return bool(changed == 1)


def rotate_secret(client_id: str, new_hash: bytes, previous_until: float) -> Flow[Stmt, bool]:
    changed = yield Stmt(ROTATE, (previous_until, new_hash, client_id), "count")
    return bool(changed == 1)


def remember_jti(client_id: str, jti_hash: bytes, until: float, now: float) -> Flow[Stmt, bool]:
    changed = yield Stmt(REMEMBER_JTI, (client_id, jti_hash, until, now), "count")
    return bool(changed == 1)


def purge(now: float) -> Flow[Stmt, int]:
    deleted = yield Stmt(PURGE, (now,), "count")
    return int(deleted)


def _digest(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


def _stored(row: tuple[Any, ...]) -> StoredClient:
    (client_id, name, method, scopes, audiences, enabled, created_at, jwks, jwks_uri) = row[:9]
    client = Client(
        client_id=client_id,
        name=name,
        auth_method=method,
        scopes=tuple(json.loads(scopes)),
        audiences=tuple(json.loads(audiences)),
        enabled=bool(enabled),
        created_at=float(created_at),
        jwks=None if jwks is None else json.loads(jwks),
        jwks_uri=jwks_uri,
    )
    secret, previous, previous_until = row[9:]
    hashes = SecretHashes(
        _digest(secret),
        _digest(previous),
        None if previous_until is None else float(previous_until),
    )
    return StoredClient(client, hashes)
