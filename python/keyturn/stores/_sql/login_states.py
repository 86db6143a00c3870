"""The SQL shared by the SQLite and PostgreSQL login-state stores, as sans-IO flows (``%s``
placeholders).

One table, ``keyturn_login_states``, keyed by the SHA-256 (hex) of the login's ``state``, never
the state. ``take`` is one ``DELETE ... RETURNING``: of callbacks racing with one state, the first
deletes the row and gets it, the others find nothing. The layout is the one SQLite files have held
since sign-in began (TEXT key, the login as JSON), so those files open unchanged.
"""

from __future__ import annotations

from keyturn._drive import Flow
from keyturn.login_state import PendingLogin
from keyturn.stores._sql.statement import Stmt

__all__ = ["ddl", "put", "take"]


def ddl(real: str, blob: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS keyturn_login_states (
            state_hash TEXT PRIMARY KEY,
            login TEXT NOT NULL,
            expires_at {real} NOT NULL)""",
        # Every put sweeps expired rows: found by this index, not by reading the table.
        """CREATE INDEX IF NOT EXISTS keyturn_login_states_expiry
            ON keyturn_login_states (expires_at)""",
    ]


SWEEP = "DELETE FROM keyturn_login_states WHERE expires_at <= %s"
INSERT = "INSERT INTO keyturn_login_states (state_hash, login, expires_at) VALUES (%s, %s, %s)"
TAKE = "DELETE FROM keyturn_login_states WHERE state_hash = %s RETURNING login"


def put(state_hash: str, login: PendingLogin, now: float) -> Flow[Stmt, None]:
    """Run in one transaction: logins started by anyone (unauthenticated) leave no expired rows."""
    yield Stmt(SWEEP, (now,))
    yield Stmt(INSERT, (state_hash, login.to_json(), login.expires_at))


def take(state_hash: str) -> Flow[Stmt, PendingLogin | None]:
    rows = yield Stmt(TAKE, (state_hash,), "rows")
    return PendingLogin.from_json(rows[0][0]) if rows else None
