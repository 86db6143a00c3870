"""One schema, one version, for every store of a database (issue 14).

Whichever store touches a database first creates every concern's tables and records
``SCHEMA_VERSION``; a newer version is refused, untouched, with a stable code; and a database
written by the code at f474f19 (version-1 refresh tables, unversioned revocation tables, or either
alone) upgrades in place with every row kept, to exactly the shape of a new database. Redis keeps
the same version in its ``keyturn:schema`` marker, under the same rules.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import keyturn as kt
from keyturn.refresh import format as token_format
from keyturn.stores._sql import revocations, schema, tokens
from keyturn.stores.redis import AsyncRedisRevocationStore
from keyturn.stores.redis._client import SCHEMA_KEY

ISSUER, AUDIENCE = "https://auth.test", "api.test"
RING = kt.Keyring.generate()
NEWER = schema.SCHEMA_VERSION + 1

# The schema exactly as the code at f474f19 created it (refresh/stores/_sql.py and
# revocation_stores/_sql.py there), for SQLite; PostgreSQL's is the same with DOUBLE PRECISION
# and BYTEA. Inlined: a database of that release must keep opening whatever the DDL becomes.
V1_REFRESH = [
    "CREATE TABLE IF NOT EXISTS keyturn_schema (version INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS keyturn_families (
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
    "CREATE INDEX IF NOT EXISTS keyturn_families_user ON keyturn_families (user_id, device_id)",
    "CREATE INDEX IF NOT EXISTS keyturn_families_expiry ON keyturn_families (expires_at)",
    """CREATE TABLE IF NOT EXISTS keyturn_refresh_tokens (
        token_hash {blob} PRIMARY KEY,
        family_id TEXT NOT NULL,
        issued_at {real} NOT NULL,
        expires_at {real} NOT NULL,
        used_at {real})""",
    """CREATE INDEX IF NOT EXISTS keyturn_refresh_tokens_family
        ON keyturn_refresh_tokens (family_id)""",
    """CREATE INDEX IF NOT EXISTS keyturn_refresh_tokens_expiry
        ON keyturn_refresh_tokens (expires_at)""",
    "INSERT INTO keyturn_schema (version) VALUES (1)",
]
V1_REVOCATIONS = [
    """CREATE TABLE IF NOT EXISTS keyturn_revoked_jtis (
        jti_hash {blob} PRIMARY KEY,
        keep_until {real} NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS keyturn_revoked_jtis_keep ON keyturn_revoked_jtis (keep_until)",
    """CREATE TABLE IF NOT EXISTS keyturn_revoked_subjects (
        subject_hash {blob} PRIMARY KEY,
        issued_before {real} NOT NULL,
        keep_until {real} NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS keyturn_revoked_subjects_keep
        ON keyturn_revoked_subjects (keep_until)""",
]
OLD_SHAPES = {
    "v1-refresh-and-revocations": (True, True),
    "v1-refresh-only": (True, False),
    "unversioned-revocations-only": (False, True),
}


class Old:
    """What an f474f19 database holds: a live refresh token, a revoked jti, a watermark."""

    def __init__(self) -> None:
        now = time.time()
        self.family_id = token_format.new_family_id()
        self.refresh = token_format.new_token(self.family_id)
        self.family = (
            self.family_id,
            *("old-user", "laptop", '{"scope":"read"}'),
            *(now, now, now + 3600, None, None),
            token_format.token_hash(self.refresh),
            None,
        )
        self.token = (token_format.token_hash(self.refresh), self.family_id, now, now + 3600, None)
        self.jti = (hashlib.sha256(b"old-jti").digest(), now + 3600)
        self.subject = (hashlib.sha256(b"old-user").digest(), now - 10, now + 3600)
        self.watermark = now - 10

    def statements(self, refresh: bool, revocations: bool) -> list[tuple[str, tuple[Any, ...]]]:
        rows: list[tuple[str, tuple[Any, ...]]] = []
        if refresh:
            rows += [
                (f"INSERT INTO keyturn_families VALUES ({_marks(11)})", self.family),
                (f"INSERT INTO keyturn_refresh_tokens VALUES ({_marks(5)})", self.token),
            ]
        if revocations:
            rows += [
                (f"INSERT INTO keyturn_revoked_jtis VALUES ({_marks(2)})", self.jti),
                (f"INSERT INTO keyturn_revoked_subjects VALUES ({_marks(3)})", self.subject),
            ]
        return rows


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def old_ddl(refresh: bool, revocations: bool, real: str, blob: str) -> list[str]:
    chosen = (V1_REFRESH if refresh else []) + (V1_REVOCATIONS if revocations else [])
    return [statement.format(real=real, blob=blob) for statement in chosen]


def tables_of(statements: list[str]) -> set[str]:
    return {
        m.group(1) for s in statements if (m := re.search(r"CREATE TABLE IF NOT EXISTS (\w+)", s))
    }


# --- SQLite -----------------------------------------------------------------------------------


def sqlite_shape(path: Path) -> list[tuple[Any, ...]]:
    """Every keyturn table's columns (name, type, not null, key) and every index."""
    with closing(sqlite3.connect(path)) as db:
        names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        shape = [
            (table, *column[1:3], column[3], column[5])
            for table in sorted(n for n in names if n.startswith("keyturn_"))
            for column in db.execute(f"PRAGMA table_info({table})")
        ]
        indexes = db.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
        ).fetchall()
    return shape + sorted(indexes)


def sqlite_rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def build_sqlite(path: Path, refresh: bool, revocations: bool, old: Old) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        for statement in old_ddl(refresh, revocations, "REAL", "BLOB"):
            db.execute(statement)
        for sql, params in old.statements(refresh, revocations):
            db.execute(sql.replace("%s", "?"), params)


FIRST_USES: dict[str, Callable[[Any], object]] = {
    "tokens": lambda backend: backend.tokens.list_families("nobody"),
    "revocations": lambda backend: backend.revocations.lookup([b"\x00" * 32], []),
}


@pytest.mark.parametrize("first", FIRST_USES)
def test_sqlite_any_store_creates_every_concerns_tables(tmp_path: Path, first: str) -> None:
    path = tmp_path / "keyturn.db"
    with kt.open_backend(path) as backend:
        FIRST_USES[first](backend)
    tables = {row[0] for row in sqlite_rows(path, "SELECT name FROM sqlite_master")}
    assert tables_of(schema.ddl(schema.SQLITE)) <= tables
    assert sqlite_rows(path, "SELECT version FROM keyturn_schema") == [(schema.SCHEMA_VERSION,)]


@pytest.mark.parametrize("first", FIRST_USES)
def test_sqlite_newer_schema_is_refused_untouched(tmp_path: Path, first: str) -> None:
    path = tmp_path / "keyturn.db"
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE keyturn_schema (version INTEGER NOT NULL)")
        db.execute("INSERT INTO keyturn_schema VALUES (?)", (NEWER,))
    with kt.open_backend(path) as backend, pytest.raises(kt.StoreError) as refused:
        FIRST_USES[first](backend)
    assert str(refused.value).endswith(
        f"the keyturn schema in this database is version {NEWER}; "
        f"this keyturn understands up to {schema.SCHEMA_VERSION}: upgrade keyturn"
    )
    assert refused.value.code == "store_schema_unsupported"
    assert sqlite_rows(path, "SELECT name FROM sqlite_master") == [("keyturn_schema",)]


@pytest.mark.parametrize("shape", OLD_SHAPES)
def test_sqlite_f474f19_database_upgrades_in_place(tmp_path: Path, shape: str) -> None:
    refresh, revocations = OLD_SHAPES[shape]
    old, path, fresh = Old(), tmp_path / "old.db", tmp_path / "fresh.db"
    build_sqlite(path, refresh, revocations, old)
    with kt.open_backend(fresh) as backend:
        backend.tokens.list_families("nobody")

    with kt.open_backend(path) as backend:
        check_upgraded(backend, old, refresh, revocations)
    assert sqlite_rows(path, "SELECT version FROM keyturn_schema") == [(schema.SCHEMA_VERSION,)]
    assert sqlite_shape(path) == sqlite_shape(fresh)


def check_upgraded(backend: kt.Backend, old: Old, refresh: bool, revocations: bool) -> None:
    """The old rows, read and used through the new stores."""
    if refresh:
        issuer = kt.Issuer(RING, issuer=ISSUER, audience=AUDIENCE)
        service = kt.TokenService(issuer, backend.tokens)
        (session,) = service.sessions("old-user")
        assert (session.family_id, session.device_id) == (old.family_id, "laptop")
        assert service.rotate(old.refresh).family_id == old.family_id
    found = backend.revocations.lookup([old.jti[0]], [old.subject[0]])
    if revocations:
        assert found.revoked_jtis == {old.jti[0]}
        assert found.watermarks == {old.subject[0]: pytest.approx(old.watermark)}
    else:
        assert found == kt.revocation.Found(set(), {})


# --- PostgreSQL ------------------------------------------------------------------------------


def pg_shape(dsn: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(dsn) as db:
        columns = db.execute(
            """SELECT table_name, column_name, data_type, is_nullable
               FROM information_schema.columns WHERE table_name LIKE 'keyturn%%'
               ORDER BY table_name, ordinal_position"""
        ).fetchall()
        indexes = db.execute(
            """SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'keyturn%%'
               ORDER BY indexname"""
        ).fetchall()
    return [*columns, *indexes]


def pg_rows(dsn: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(dsn) as db:
        return db.execute(sql).fetchall()


def pg_execute(dsn: str, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    import psycopg

    with psycopg.connect(dsn) as db, db.transaction():
        for sql, params in statements:
            db.execute(sql, params)


@pytest.fixture
def two_databases(postgres_dsn: str) -> Iterator[tuple[str, str]]:
    """The run's database, and a second empty one beside it (a fresh database to compare)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"{conninfo_to_dict(postgres_dsn)['dbname']}_fresh"
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    fresh = make_conninfo(postgres_dsn, dbname=name)
    try:
        yield postgres_dsn, fresh
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize("first", FIRST_USES)
def test_postgres_any_store_creates_every_concerns_tables(postgres_dsn: str, first: str) -> None:
    with kt.open_backend(postgres_dsn) as backend:
        FIRST_USES[first](backend)
    tables = {r[0] for r in pg_rows(postgres_dsn, "SELECT tablename FROM pg_tables")}
    assert tables_of(schema.ddl(schema.POSTGRES)) <= tables
    assert pg_rows(postgres_dsn, "SELECT version FROM keyturn_schema") == [(schema.SCHEMA_VERSION,)]


@pytest.mark.parametrize("first", FIRST_USES)
def test_postgres_newer_schema_is_refused_untouched(postgres_dsn: str, first: str) -> None:
    pg_execute(
        postgres_dsn,
        [
            ("CREATE TABLE keyturn_schema (version INTEGER NOT NULL)", ()),
            ("INSERT INTO keyturn_schema VALUES (%s)", (NEWER,)),
        ],
    )
    with kt.open_backend(postgres_dsn) as backend, pytest.raises(kt.StoreError) as refused:
        FIRST_USES[first](backend)
    assert f"is version {NEWER}; this keyturn understands up to" in str(refused.value)
    assert refused.value.code == "store_schema_unsupported"
    tables = pg_rows(postgres_dsn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert tables == [("keyturn_schema",)]


@pytest.mark.parametrize("shape", OLD_SHAPES)
def test_postgres_f474f19_database_upgrades_in_place(
    two_databases: tuple[str, str], shape: str
) -> None:
    (dsn, fresh), (refresh, revocations) = two_databases, OLD_SHAPES[shape]
    old = Old()
    ddl = old_ddl(refresh, revocations, "DOUBLE PRECISION", "BYTEA")
    pg_execute(dsn, [(statement, ()) for statement in ddl] + old.statements(refresh, revocations))
    fresh_store = kt.PostgresStore(fresh, pool_size=1)
    fresh_store.list_families("nobody")
    fresh_store.close()

    with kt.open_backend(dsn) as backend:
        check_upgraded(backend, old, refresh, revocations)
    assert pg_rows(dsn, "SELECT version FROM keyturn_schema") == [(schema.SCHEMA_VERSION,)]
    assert pg_shape(dsn) == pg_shape(fresh)


def test_postgres_stores_starting_at_once_create_the_schema_once(postgres_dsn: str) -> None:
    makers = [kt.PostgresStore, kt.PostgresRevocationStore] * 3
    stores: list[Any] = [make(postgres_dsn, pool_size=1) for make in makers]
    start, errors = threading.Barrier(len(stores)), []

    def first_use(store: Any) -> None:
        start.wait()
        try:
            if isinstance(store, kt.PostgresStore):
                store.list_families("nobody")
            else:
                store.lookup([b"\x00" * 32], [])
        except BaseException as exc:  # collected: a worker's failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=first_use, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert errors == []
    assert pg_rows(postgres_dsn, "SELECT version FROM keyturn_schema") == [(schema.SCHEMA_VERSION,)]


# --- Redis -----------------------------------------------------------------------------------


def redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


REDIS_STORES: dict[str, Callable[[str], object]] = {
    "tokens": lambda url: kt.RedisStore(url).list_families("nobody"),
    "revocations": lambda url: kt.RedisRevocationStore(url).lookup([b"\x00" * 32], []),
}


@pytest.mark.parametrize("first", REDIS_STORES)
def test_redis_first_use_sets_the_marker(redis_url: str, first: str) -> None:
    REDIS_STORES[first](redis_url)
    with redis_client(redis_url) as client:
        assert client.get(SCHEMA_KEY) == str(schema.SCHEMA_VERSION).encode()


def test_redis_f474f19_keys_upgrade_in_place(redis_url: str) -> None:
    """f474f19 kept no marker: its keys, written by today's stores (the layout did not change),
    stay readable once the marker is set."""
    issuer = kt.Issuer(RING, issuer=ISSUER, audience=AUDIENCE)
    service = kt.TokenService(issuer, kt.RedisStore(redis_url))
    pair = service.issue_pair("old-user", "laptop")
    kt.Revocations(kt.RedisRevocationStore(redis_url)).revoke_subject("old-user")
    with redis_client(redis_url) as client:
        client.delete(SCHEMA_KEY)
        before = sorted(client.scan_iter())

    with kt.open_backend(redis_url) as backend:
        again = kt.TokenService(issuer, backend.tokens)
        assert again.rotate(pair.refresh).family_id == pair.family_id
        assert kt.Revocations(backend.revocations).is_revoked({"sub": "old-user", "iat": 0})
    with redis_client(redis_url) as client:
        assert client.get(SCHEMA_KEY) == str(schema.SCHEMA_VERSION).encode()
        assert set(before) <= set(client.scan_iter())


def test_redis_lower_marker_is_raised(redis_url: str) -> None:
    with redis_client(redis_url) as client:
        client.set(SCHEMA_KEY, "1")
    REDIS_STORES["tokens"](redis_url)
    with redis_client(redis_url) as client:
        assert client.get(SCHEMA_KEY) == str(schema.SCHEMA_VERSION).encode()


def _async_first_use(make: Any, method: str) -> Callable[[str], object]:
    import asyncio

    async def use(url: str) -> object:
        store = make(url)
        try:
            if method == "list_families":
                return await store.list_families("nobody")
            return await store.lookup([b"\x00" * 32], [])
        finally:
            await store.close()

    return lambda url: asyncio.run(use(url))


@pytest.mark.parametrize(
    "first_use",
    [
        *REDIS_STORES.values(),
        _async_first_use(kt.AsyncRedisStore, "list_families"),
        _async_first_use(AsyncRedisRevocationStore, "lookup"),
    ],
    ids=["tokens", "revocations", "async-tokens", "async-revocations"],
)
@pytest.mark.parametrize("marker", [str(NEWER), "not-a-version"])
def test_redis_newer_or_unknown_marker_is_refused(
    redis_url: str, first_use: Any, marker: str
) -> None:
    with redis_client(redis_url) as client:
        client.set(SCHEMA_KEY, marker)
    with pytest.raises(kt.StoreError) as refused:
        first_use(redis_url)
    assert refused.value.code == "store_schema_unsupported"
    with redis_client(redis_url) as client:
        assert client.get(SCHEMA_KEY) == marker.encode()
        assert client.dbsize() == 1


def _sql_blocks(text: str) -> list[list[str]]:
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    return [[" ".join(s.split()) for s in block.split(";") if s.strip()] for block in blocks]


def test_every_statement_in_use_is_documented() -> None:
    """docs/stores.md shows the refresh and revocation tables and the version; a concern added
    since documents its own tables in a ``sql`` block of its page."""
    docs = Path(__file__).parents[2] / "docs"
    stores = re.search(r"## SQL schema.*?(```sql\n.*?```)", (docs / "stores.md").read_text(), re.S)
    assert stores is not None
    (block,) = _sql_blocks(stores.group(1))
    ours = [schema.VERSION_TABLE]
    for concern in (tokens.ddl, revocations.ddl):
        ours += concern(schema.POSTGRES.real, schema.POSTGRES.blob)
    version = f"INSERT INTO keyturn_schema (version) VALUES ({schema.SCHEMA_VERSION})"
    assert block == [" ".join(s.split()) for s in ours] + [version]
    documented = {s for page in docs.glob("*.md") for b in _sql_blocks(page.read_text()) for s in b}
    missing = [s for s in schema.ddl(schema.POSTGRES) if " ".join(s.split()) not in documented]
    assert missing == [], "document each statement in a ```sql block of its concern's docs page"
