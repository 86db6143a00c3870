"""What a store failure says: its cause, never a credential.

SQLite's own message is safe to show (it names files, tables and columns, never values). For the
servers the message names the driver's error class and the address it talked to, host and port:
a DSN or URL can hold a password, so neither is ever shown, nor the server's own message (which
can echo the user name).
"""

from __future__ import annotations

from typing import Any

from keyturn.errors import StoreError

__all__ = ["postgres_address", "redis_address", "server_failure", "sqlite_failure"]


def sqlite_failure(what: str, exc: BaseException) -> StoreError:
    return StoreError(f"{what} failed: {type(exc).__name__}: {exc}")


def server_failure(what: str, address: str, exc: BaseException) -> StoreError:
    return StoreError(f"{what} failed ({address}): {type(exc).__name__}")


def postgres_address(conninfo: object) -> str:
    """``host:port`` of a libpq DSN or URL (libpq's defaults where it names none)."""
    if not isinstance(conninfo, str):  # a pool may take a function that makes the DSN
        return "the PostgreSQL server"
    try:
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(conninfo)
    except Exception:  # an unparsable DSN fails later, with its own error; say nothing of it
        return "the PostgreSQL server"
    return f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"


def redis_address(client: Any) -> str:
    """``host:port`` (or the socket path) of a redis-py client; a cluster client's default node."""
    node = getattr(client, "get_default_node", None)
    if node is not None:
        default = node()  # None until an asyncio cluster client has connected
        return (
            "a Redis Cluster"
            if default is None
            else f"Redis Cluster via {default.host}:{default.port}"
        )
    options = client.connection_pool.connection_kwargs
    if "path" in options:
        return str(options["path"])
    return f"{options.get('host', 'localhost')}:{options.get('port', 6379)}"
