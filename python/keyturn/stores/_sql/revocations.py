"""The SQL shared by the SQLite and PostgreSQL revocation stores (``%s`` placeholders).

Two tables beside the refresh tables: hashed jtis kept until their token's expiry, and hashed
subjects with their watermark. Upserts keep the later value, so concurrent writers never lower a
watermark or shorten a denial.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

__all__ = ["ddl", "found", "lookup_statements", "purge_statements", "raise_watermark", "revoke_jti"]

#: Hashes per IN list: far below SQLite's variable limit.
CHUNK = 500


def ddl(real: str, blob: str) -> list[str]:
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


def revoke_jti(greatest: str) -> str:
    """``greatest`` is the dialect's two-argument maximum (``MAX`` / ``GREATEST``)."""
    return f"""INSERT INTO keyturn_revoked_jtis (jti_hash, keep_until) VALUES (%s, %s)
        ON CONFLICT (jti_hash) DO UPDATE
        SET keep_until = {greatest}(keyturn_revoked_jtis.keep_until, excluded.keep_until)"""  # noqa: S608


def raise_watermark(greatest: str) -> str:
    return f"""INSERT INTO keyturn_revoked_subjects (subject_hash, issued_before, keep_until)
        VALUES (%s, %s, %s)
        ON CONFLICT (subject_hash) DO UPDATE
        SET issued_before = {greatest}(keyturn_revoked_subjects.issued_before,
                                       excluded.issued_before),
            keep_until = {greatest}(keyturn_revoked_subjects.keep_until,
                                    excluded.keep_until)"""  # noqa: S608


def _in_list(count: int) -> str:
    return ", ".join(["%s"] * count)


def lookup_statements(
    jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]
) -> list[tuple[str, tuple[Any, ...]]]:
    """SELECTs whose rows are ``(b"j", hash, NULL)`` or ``(b"s", hash, issued_before)``.

    Only placeholders are formatted into the SQL, never a value.
    """
    statements = []
    for table, column, value, hashes in (
        ("keyturn_revoked_jtis", "jti_hash", "NULL", sorted(jti_hashes)),
        ("keyturn_revoked_subjects", "subject_hash", "issued_before", sorted(subject_hashes)),
    ):
        kind = "'j'" if column == "jti_hash" else "'s'"
        for start in range(0, len(hashes), CHUNK):
            chunk = tuple(hashes[start : start + CHUNK])
            sql = (
                f"SELECT {kind}, {column}, {value} FROM {table}"  # noqa: S608
                f" WHERE {column} IN ({_in_list(len(chunk))})"
            )
            statements.append((sql, chunk))
    return statements


def purge_statements() -> list[str]:
    return [
        "DELETE FROM keyturn_revoked_jtis WHERE keep_until <= %s",
        "DELETE FROM keyturn_revoked_subjects WHERE keep_until <= %s",
    ]


def found(rows: Collection[tuple[Any, ...]]) -> tuple[set[bytes], dict[bytes, float]]:
    """The lookup rows as (revoked jti hashes, subject watermarks)."""
    jtis: set[bytes] = set()
    watermarks: dict[bytes, float] = {}
    for kind, digest, issued_before in rows:
        if kind == "j":
            jtis.add(bytes(digest))
        else:
            watermarks[bytes(digest)] = float(issued_before)
    return jtis, watermarks
