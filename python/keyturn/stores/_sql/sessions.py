"""The SQL shared by the SQLite and PostgreSQL session stores, as sans-IO flows (``%s``
placeholders).

One table, ``keyturn_sessions``, keyed by the SHA-256 of the session id (never the id). Every
conditional write is one statement whose ``WHERE`` decides races: of concurrent touches of a
session one matches ``last_seen <= seen_before``; of concurrent rotations one deletes the old row
(the others wait on its row lock, then find it gone) and only that one inserts the successor.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from keyturn._drive import Flow
from keyturn.sessions.records import Session, data_json
from keyturn.stores._sql.statement import Stmt

__all__ = [
    "create",
    "ddl",
    "delete",
    "delete_handle",
    "delete_user",
    "list_user",
    "load",
    "purge",
    "replace",
    "set_data",
    "touch",
]


def ddl(real: str, blob: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS keyturn_sessions (
            session_hash {blob} PRIMARY KEY,
            handle TEXT NOT NULL UNIQUE,
            user_id TEXT NOT NULL,
            device TEXT NOT NULL,
            user_agent TEXT NOT NULL,
            data TEXT NOT NULL,
            created_at {real} NOT NULL,
            last_seen {real} NOT NULL,
            idle_expires_at {real} NOT NULL,
            expires_at {real} NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS keyturn_sessions_user ON keyturn_sessions (user_id)",
        """CREATE INDEX IF NOT EXISTS keyturn_sessions_idle
            ON keyturn_sessions (idle_expires_at)""",
    ]


# Column lists are constants: no caller input is ever formatted into SQL.
_COLUMNS = (
    "handle, session_hash, user_id, device, user_agent, data,"
    " created_at, last_seen, idle_expires_at, expires_at"
)
INSERT = f"INSERT INTO keyturn_sessions ({_COLUMNS}) VALUES ({', '.join(['%s'] * 10)})"  # noqa: S608
LOAD = f"SELECT {_COLUMNS} FROM keyturn_sessions WHERE session_hash = %s"  # noqa: S608
TOUCH = """UPDATE keyturn_sessions SET last_seen = %s, idle_expires_at = %s
    WHERE session_hash = %s AND last_seen <= %s AND idle_expires_at > %s"""
END_LIVE = "DELETE FROM keyturn_sessions WHERE session_hash = %s AND idle_expires_at > %s"
SET_DATA = """UPDATE keyturn_sessions SET data = %s
    WHERE session_hash = %s AND idle_expires_at > %s"""
DELETE = f"DELETE FROM keyturn_sessions WHERE session_hash = %s RETURNING {_COLUMNS}"  # noqa: S608
DELETE_HANDLE = "DELETE FROM keyturn_sessions WHERE user_id = %s AND handle = %s"
DELETE_USER = "DELETE FROM keyturn_sessions WHERE user_id = %s"
LIST_USER = f"SELECT {_COLUMNS} FROM keyturn_sessions WHERE user_id = %s"  # noqa: S608
PURGE = """DELETE FROM keyturn_sessions WHERE session_hash IN
    (SELECT session_hash FROM keyturn_sessions WHERE idle_expires_at <= %s LIMIT %s)"""


def create(session: Session) -> Flow[Stmt, None]:
    yield _insert(session)


def load(session_hash: bytes) -> Flow[Stmt, Session | None]:
    rows = yield Stmt(LOAD, (session_hash,), "rows")
    return _session(rows[0]) if rows else None


def touch(
    session_hash: bytes, last_seen: float, idle_expires_at: float, seen_before: float
) -> Flow[Stmt, bool]:
    params = (last_seen, idle_expires_at, session_hash, seen_before, last_seen)
    count = yield Stmt(TOUCH, params, "count")
    return bool(count)


def replace(session_hash: bytes, successor: Session, now: float) -> Flow[Stmt, bool]:
    """Run in one transaction: the successor exists only if this call ended the old row."""
    ended = yield Stmt(END_LIVE, (session_hash, now), "count")
    if not ended:
        return False
    yield _insert(successor)
    return True


def set_data(session_hash: bytes, data: Mapping[str, Any], now: float) -> Flow[Stmt, bool]:
    count = yield Stmt(SET_DATA, (data_json(data), session_hash, now), "count")
    return bool(count)


def delete(session_hash: bytes) -> Flow[Stmt, Session | None]:
    rows = yield Stmt(DELETE, (session_hash,), "rows")
    return _session(rows[0]) if rows else None


def delete_handle(user_id: str, handle: str) -> Flow[Stmt, bool]:
    count = yield Stmt(DELETE_HANDLE, (user_id, handle), "count")
    return bool(count)


def delete_user(user_id: str) -> Flow[Stmt, int]:
    count: int = yield Stmt(DELETE_USER, (user_id,), "count")
    return count


def list_user(user_id: str) -> Flow[Stmt, list[Session]]:
    rows = yield Stmt(LIST_USER, (user_id,), "rows")
    return [_session(row) for row in rows]


def purge(ended_before: float, limit: int) -> Flow[Stmt, int]:
    count: int = yield Stmt(PURGE, (ended_before, limit), "count")
    return count


def _insert(session: Session) -> Stmt:
    return Stmt(
        INSERT,
        (
            session.handle,
            session.session_hash,
            session.user_id,
            session.device,
            session.user_agent,
            data_json(session.data),
            session.created_at,
            session.last_seen,
            session.idle_expires_at,
            session.expires_at,
        ),
    )


def _session(row: Sequence[Any]) -> Session:
    return Session(
        handle=row[0],
        session_hash=bytes(row[1]),
        user_id=row[2],
        device=row[3],
        user_agent=row[4],
        data=json.loads(row[5]),
        created_at=float(row[6]),
        last_seen=float(row[7]),
        idle_expires_at=float(row[8]),
        expires_at=float(row[9]),
    )
