"""The one schema of a keyturn SQL database (SQLite or PostgreSQL): every concern's tables, one
version, and the upgrade from older versions.

Whichever SQL store of a database is used first runs ``ensure``: it refuses a version newer than
``SCHEMA_VERSION`` before touching anything, creates every concern's tables that are missing
(``IF NOT EXISTS``: a database created by any store holds them all), applies the upgrade steps
from the version it found and records ``SCHEMA_VERSION``. The caller runs the flow in one
transaction (PostgreSQL: under ``SCHEMA_LOCK`` too, so many processes may start at once). The
layout is documented in docs/stores.md.

Versions: 1 had the refresh tables and ``keyturn_schema`` (the revocation tables of the same
release were created unversioned); 2 adds no column to them, so a version-1 database, or one
with only the unversioned revocation tables, upgrades in place by creating what is missing.
"""

from __future__ import annotations

from collections.abc import Callable

from keyturn._drive import Flow
from keyturn.errors import StoreError
from keyturn.stores._sql import clients, login_states, revocations, sessions, tokens
from keyturn.stores._sql.statement import POSTGRES, SQLITE, Dialect, Stmt

__all__ = [
    "CONCERNS",
    "POSTGRES",
    "SCHEMA_LOCK",
    "SCHEMA_VERSION",
    "SQLITE",
    "UNSUPPORTED",
    "Dialect",
    "ddl",
    "ensure",
    "refuse_unknown",
]

#: The version of the documented layout (docs/stores.md), the same for the Redis key layout.
SCHEMA_VERSION = 2
#: ``StoreError.code`` for a schema newer than this keyturn (or a Redis marker that is no number).
UNSUPPORTED = "store_schema_unsupported"

DDL = Callable[[str, str], list[str]]
#: Every concern's tables, as ``ddl(real, blob)`` functions: one line per concern.
CONCERNS: list[DDL] = [tokens.ddl, revocations.ddl, clients.ddl, sessions.ddl, login_states.ddl]
#: Statements that take a database from the version in the key to the next one, beyond creating
#: the missing tables (which every upgrade does).
UPGRADES: dict[int, list[str]] = {1: []}


#: PostgreSQL: every keyturn store creates or upgrades the schema holding this one lock.
SCHEMA_LOCK = Stmt("SELECT pg_advisory_xact_lock(%s)", (0x6B657974,), "rows")
VERSION_TABLE = "CREATE TABLE IF NOT EXISTS keyturn_schema (version INTEGER NOT NULL)"
READ_VERSION = "SELECT version FROM keyturn_schema"
INSERT_VERSION = "INSERT INTO keyturn_schema (version) VALUES (%s)"
UPDATE_VERSION = "UPDATE keyturn_schema SET version = %s"


def ddl(dialect: Dialect) -> list[str]:
    """Every table and index of the schema, in creation order."""
    statements = [VERSION_TABLE]
    for concern in CONCERNS:
        statements += concern(dialect.real, dialect.blob)
    return statements


def refuse_unknown(found: int, where: str) -> None:
    """Raise unless this keyturn understands schema version ``found`` (``where``: the layout)."""
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"the keyturn {where} in this database is version {found}; "
            f"this keyturn understands up to {SCHEMA_VERSION}: upgrade keyturn",
            code=UNSUPPORTED,
        )


def ensure(dialect: Dialect) -> Flow[Stmt, None]:
    """Create or upgrade the schema to ``SCHEMA_VERSION``; refuse a newer one untouched."""
    yield Stmt(VERSION_TABLE)
    rows = yield Stmt(READ_VERSION, returns="rows")
    found = max((int(row[0]) for row in rows), default=None)
    if found is not None:
        refuse_unknown(found, "schema")
    # Missing tables are created at every version: a new database, one holding only the
    # unversioned revocation tables, a concern added since, a table dropped by hand (back empty).
    for statement in ddl(dialect)[1:]:
        yield Stmt(statement)
    if found == SCHEMA_VERSION:
        return
    for version in range(found or SCHEMA_VERSION, SCHEMA_VERSION):
        for statement in UPGRADES[version]:
            yield Stmt(statement)
    yield Stmt(INSERT_VERSION if found is None else UPDATE_VERSION, (SCHEMA_VERSION,))
