"""The SQL shared by the SQLite and PostgreSQL revocation stores, as sans-IO flows (``%s``
placeholders; see ``tokens`` for the idiom).

Two tables beside the refresh tables: hashed jtis kept until their token's expiry, and hashed
subjects with their watermark. Upserts keep the later value, so concurrent writers never lower a
watermark or shorten a denial.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from keyturn._drive import Flow
from keyturn.revocation import Found
from keyturn.stores._sql.statement import Dialect, Stmt

__all__ = ["ddl", "lookup", "purge", "raise_watermark", "revoke_jti"]

#: Hashes per IN list: far below SQLite's variable limit.
CHUNK = 500


def ddl(real: str, blob: str) -> list[str]:
    """The revocation tables (``schema.CONCERNS``)."""
    return [
        f"""CREATE TABLE IF NOT EXISTS keyturn_revoked_jtis (
            jti_hash {blob} PRIMARY KEY,
            keep_until {real} NOT NULL)""",
        """CREATE INDEX IF NOT EXISTS keyturn_revoked_jtis_keep
            ON keyturn_revoked_jtis (keep_until)""",
        f"""CREATE TABLE IF NOT EXISTS keyturn_revoked_subjects (
            subject_hash {blob} PRIMARY KEY,
            issued_before {real} NOT NULL,
            keep_until {real} NOT NULL)""",
        """CREATE INDEX IF NOT EXISTS keyturn_revoked_subjects_keep
            ON keyturn_revoked_subjects (keep_until)""",
    ]


def revoke_jti(dialect: Dialect, jti_hash: bytes, keep_until: float) -> Flow[Stmt, None]:
    greatest = dialect.greatest
    sql = f"""INSERT INTO keyturn_revoked_jtis (jti_hash, keep_until) VALUES (%s, %s)
        ON CONFLICT (jti_hash) DO UPDATE
        SET keep_until = {greatest}(keyturn_revoked_jtis.keep_until, excluded.keep_until)"""  # noqa: S608
    yield Stmt(sql, (jti_hash, keep_until))


def raise_watermark(
    dialect: Dialect, subject_hash: bytes, issued_before: float, keep_until: float
) -> Flow[Stmt, None]:
    greatest = dialect.greatest
    sql = f"""INSERT INTO keyturn_revoked_subjects (subject_hash, issued_before, keep_until)
        VALUES (%s, %s, %s)
        ON CONFLICT (subject_hash) DO UPDATE
        SET issued_before = {greatest}(keyturn_revoked_subjects.issued_before,
                                       excluded.issued_before),
            keep_until = {greatest}(keyturn_revoked_subjects.keep_until,
                                    excluded.keep_until)"""  # noqa: S608
    yield Stmt(sql, (subject_hash, issued_before, keep_until))


def lookup(jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]) -> Flow[Stmt, Found]:
    """Which jtis are revoked and the subjects' watermarks: one SELECT per table and chunk.

    Only placeholders are formatted into the SQL, never a value.
    """
    jtis: set[bytes] = set()
    for chunk in _chunks(jti_hashes):
        rows = yield Stmt(
            f"SELECT jti_hash FROM keyturn_revoked_jtis WHERE jti_hash IN ({_in_list(chunk)})",  # noqa: S608
            chunk,
            "rows",
        )
        jtis.update(bytes(row[0]) for row in rows)
    watermarks: dict[bytes, float] = {}
    for chunk in _chunks(subject_hashes):
        rows = yield Stmt(
            "SELECT subject_hash, issued_before FROM keyturn_revoked_subjects"  # noqa: S608
            f" WHERE subject_hash IN ({_in_list(chunk)})",
            chunk,
            "rows",
        )
        watermarks.update((bytes(digest), float(before)) for digest, before in rows)
    return Found(jtis, watermarks)


def purge(now: float) -> Flow[Stmt, int]:
    """Delete entries kept until ``now`` or earlier (run as one transaction)."""
    jtis: int = yield Stmt(
        "DELETE FROM keyturn_revoked_jtis WHERE keep_until <= %s", (now,), "count"
    )
    subjects: int = yield Stmt(
        "DELETE FROM keyturn_revoked_subjects WHERE keep_until <= %s", (now,), "count"
    )
    return jtis + subjects


def _chunks(hashes: Collection[bytes]) -> list[tuple[bytes, ...]]:
    ordered = sorted(hashes)
    return [tuple(ordered[i : i + CHUNK]) for i in range(0, len(ordered), CHUNK)]


def _in_list(chunk: tuple[Any, ...]) -> str:
    return ", ".join(["%s"] * len(chunk))
