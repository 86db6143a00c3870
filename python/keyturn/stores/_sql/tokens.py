"""The SQL shared by the SQLite and PostgreSQL stores, as sans-IO flows.

Each operation is a generator that yields ``Stmt`` values and receives their results, so the
sync and async drivers of both databases run exactly the same statements. Statements use ``%s``
placeholders; SQLite's store swaps them for ``?``. The layout is documented in docs/stores.md.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from keyturn._drive import Flow
from keyturn.refresh.records import FamilyRecord, Rotation, Snapshot, TokenRecord
from keyturn.stores._sql.statement import Stmt

__all__ = ["ddl"]


def ddl(real: str, blob: str) -> list[str]:
    """The refresh tables, for a dialect's float and bytes column types (``schema.CONCERNS``)."""
    return [
        f"""CREATE TABLE IF NOT EXISTS keyturn_families (
            family_id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            claims TEXT NOT NULL,
            created_at {real} NOT NULL,
            last_used_at {real} NOT NULL,
            expires_at {real} NOT NULL,
            session_expires_at {real},
            revoked_at {real},
            head_hash {blob} NOT NULL,
            prev_hash {blob})""",
        """CREATE INDEX IF NOT EXISTS keyturn_families_user
            ON keyturn_families (user_id, device_id)""",
        """CREATE INDEX IF NOT EXISTS keyturn_families_expiry
            ON keyturn_families (expires_at)""",
        f"""CREATE TABLE IF NOT EXISTS keyturn_refresh_tokens (
            token_hash {blob} PRIMARY KEY,
            family_id TEXT NOT NULL,
            issued_at {real} NOT NULL,
            expires_at {real} NOT NULL,
            used_at {real})""",
        """CREATE INDEX IF NOT EXISTS keyturn_refresh_tokens_family
            ON keyturn_refresh_tokens (family_id)""",
        """CREATE INDEX IF NOT EXISTS keyturn_refresh_tokens_expiry
            ON keyturn_refresh_tokens (expires_at)""",
    ]


_FAMILY_COLUMNS = (
    "f.family_id, f.user_id, f.device_id, f.claims, f.created_at, f.last_used_at, f.expires_at,"
    " f.head_hash, f.session_expires_at, f.revoked_at, f.prev_hash"
)
_TOKEN_COLUMNS = "t.token_hash, t.family_id, t.issued_at, t.expires_at, t.used_at"  # noqa: S105

# Column lists are constants: no caller input is ever formatted into SQL.
LOAD = f"""SELECT {_TOKEN_COLUMNS}, {_FAMILY_COLUMNS}
    FROM keyturn_refresh_tokens t JOIN keyturn_families f ON f.family_id = t.family_id
    WHERE t.token_hash = %s AND t.family_id = %s"""  # noqa: S608
# The one conditional write that decides every race: only one caller can spend the head.
_SPEND = """UPDATE keyturn_refresh_tokens SET used_at = %s
    WHERE token_hash = %s AND family_id = %s AND used_at IS NULL AND expires_at > %s
      AND EXISTS (SELECT 1 FROM keyturn_families f
                  WHERE f.family_id = %s AND f.head_hash = %s AND f.revoked_at IS NULL)"""
SPEND_HEAD = _SPEND + " RETURNING token_hash"
INSERT_TOKEN = """INSERT INTO keyturn_refresh_tokens
    (token_hash, family_id, issued_at, expires_at, used_at) VALUES (%s, %s, %s, %s, %s)"""  # noqa: S105
# After a spend wrote nothing: was this very rotation applied already (a retried call)?
HEAD_IS = "SELECT 1 FROM keyturn_families WHERE family_id = %s AND head_hash = %s"
ADVANCE_FAMILY = """UPDATE keyturn_families
    SET head_hash = %s, prev_hash = %s, last_used_at = %s, expires_at = %s
    WHERE family_id = %s"""
# PostgreSQL: the same three writes as one statement (data-modifying CTEs), so a rotation is
# one round trip. Each step feeds the next, so nothing is written unless the head was spent.
ROTATE_IN_ONE_STATEMENT = f"""WITH spent AS ({_SPEND} RETURNING family_id),
    inserted AS (INSERT INTO keyturn_refresh_tokens
                 (token_hash, family_id, issued_at, expires_at, used_at)
                 SELECT %s, family_id, %s, %s, NULL FROM spent RETURNING family_id),
    moved AS (UPDATE keyturn_families
              SET head_hash = %s, prev_hash = %s, last_used_at = %s, expires_at = %s
              WHERE family_id IN (SELECT family_id FROM inserted) RETURNING family_id)
    SELECT family_id FROM moved"""  # noqa: S608
INSERT_FAMILY = """INSERT INTO keyturn_families
    (family_id, user_id, device_id, claims, created_at, last_used_at, expires_at,
     head_hash, session_expires_at, revoked_at, prev_hash)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""
REVOKE_FAMILY = """UPDATE keyturn_families SET revoked_at = %s
    WHERE family_id = %s AND revoked_at IS NULL"""
REVOKE_USER = """UPDATE keyturn_families SET revoked_at = %s
    WHERE user_id = %s AND revoked_at IS NULL"""
REVOKE_DEVICE = REVOKE_USER + " AND device_id = %s"
LIST_FAMILIES = f"SELECT {_FAMILY_COLUMNS} FROM keyturn_families f WHERE f.user_id = %s"  # noqa: S608
PURGE_TOKENS = """DELETE FROM keyturn_refresh_tokens WHERE token_hash IN
    (SELECT token_hash FROM keyturn_refresh_tokens WHERE expires_at <= %s LIMIT %s)"""
PURGE_FAMILIES = """DELETE FROM keyturn_families WHERE family_id IN
    (SELECT family_id FROM keyturn_families WHERE expires_at <= %s LIMIT %s)"""


def create_family(family: FamilyRecord, token: TokenRecord) -> Flow[Stmt, None]:
    yield Stmt(
        INSERT_FAMILY,
        (
            family.family_id,
            family.user_id,
            family.device_id,
            json.dumps(dict(family.claims), separators=(",", ":")),
            family.created_at,
            family.last_used_at,
            family.expires_at,
            family.head_hash,
            family.session_expires_at,
            family.revoked_at,
            family.prev_hash,
        ),
    )
    yield _insert_token(token)


def load(token_hash: bytes, family_id: str) -> Flow[Stmt, Snapshot | None]:
    rows = yield Stmt(LOAD, (token_hash, family_id), "rows")
    if not rows:
        return None
    row = rows[0]
    return Snapshot(token=_token(row[:5]), family=_family(row[5:]))


def commit_rotation(rotation: Rotation) -> Flow[Stmt, bool]:
    spent = yield Stmt(SPEND_HEAD, _spend_params(rotation), "rows")
    if not spent:
        return (yield from _already_applied(rotation))
    new = rotation.successor
    yield _insert_token(new)
    yield Stmt(ADVANCE_FAMILY, (*_advance_params(rotation), rotation.family_id))
    return True


def commit_rotation_in_one_statement(rotation: Rotation) -> Flow[Stmt, bool]:
    """``commit_rotation`` for PostgreSQL: atomic on its own, no explicit transaction needed."""
    new = rotation.successor
    params = (
        *_spend_params(rotation),
        new.token_hash,
        new.issued_at,
        new.expires_at,
        *_advance_params(rotation),
    )
    moved = yield Stmt(ROTATE_IN_ONE_STATEMENT, params, "rows")
    return bool(moved) or (yield from _already_applied(rotation))


def _already_applied(rotation: Rotation) -> Flow[Stmt, bool]:
    """True when the family's head is already this rotation's successor: the call is a retry of
    one that was applied (its reply lost), and every backend answers it as applied."""
    rows = yield Stmt(HEAD_IS, (rotation.family_id, rotation.successor.token_hash), "rows")
    return bool(rows)


def _spend_params(rotation: Rotation) -> tuple[Any, ...]:
    head, family = rotation.expected_head, rotation.family_id
    return (rotation.now, head, family, rotation.now, family, head)


def _advance_params(rotation: Rotation) -> tuple[Any, ...]:
    new = rotation.successor
    return (new.token_hash, rotation.prev_hash, rotation.now, new.expires_at)


def revoke_family(family_id: str, now: float) -> Flow[Stmt, None]:
    yield Stmt(REVOKE_FAMILY, (now, family_id))


def revoke_user(user_id: str, device_id: str | None, now: float) -> Flow[Stmt, int]:
    if device_id is None:
        count: int = yield Stmt(REVOKE_USER, (now, user_id), "count")
    else:
        count = yield Stmt(REVOKE_DEVICE, (now, user_id, device_id), "count")
    return count


def list_families(user_id: str) -> Flow[Stmt, list[FamilyRecord]]:
    rows = yield Stmt(LIST_FAMILIES, (user_id,), "rows")
    return [_family(row) for row in rows]


def purge_batch(now: float, limit: int) -> Flow[Stmt, int]:
    tokens: int = yield Stmt(PURGE_TOKENS, (now, limit), "count")
    if tokens >= limit:
        return tokens
    families: int = yield Stmt(PURGE_FAMILIES, (now, limit - tokens), "count")
    return tokens + families


def _insert_token(token: TokenRecord) -> Stmt:
    return Stmt(
        INSERT_TOKEN,
        (token.token_hash, token.family_id, token.issued_at, token.expires_at, token.used_at),
    )


def _token(row: Sequence[Any]) -> TokenRecord:
    return TokenRecord(
        token_hash=bytes(row[0]),
        family_id=row[1],
        issued_at=row[2],
        expires_at=row[3],
        used_at=row[4],
    )


def _family(row: Sequence[Any]) -> FamilyRecord:
    return FamilyRecord(
        family_id=row[0],
        user_id=row[1],
        device_id=row[2],
        claims=json.loads(row[3]),
        created_at=row[4],
        last_used_at=row[5],
        expires_at=row[6],
        head_hash=bytes(row[7]),
        session_expires_at=row[8],
        revoked_at=row[9],
        prev_hash=None if row[10] is None else bytes(row[10]),
    )
