"""What test directories share: the real servers (``server_env`` and their marks), the clock moved
by hand, each run's private databases and resetting them (``databases``; their fixtures are in
``fixtures``, which tests/conftest.py loads as a plugin). Importable as ``support`` from any
test (pytest's ``pythonpath`` puts ``tests/`` on the path; pyproject.toml), so no test edits
``sys.path``."""

from support.clock import Clock
from support.databases import reset_postgres, reset_redis
from support.fixtures import server_database
from support.servers import (
    DSN_VAR,
    REDIS_VAR,
    SERVER_MARKS,
    marked,
    run_control,
    server_env,
)

__all__ = [
    "DSN_VAR",
    "REDIS_VAR",
    "SERVER_MARKS",
    "Clock",
    "marked",
    "reset_postgres",
    "reset_redis",
    "run_control",
    "server_database",
    "server_env",
]
