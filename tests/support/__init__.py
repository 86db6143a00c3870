"""What test directories share: the real servers (``server_env`` and their marks), the clock moved
by hand, resetting a database. Importable as ``support`` from any test (pytest's ``pythonpath``
puts ``tests/`` on the path; pyproject.toml), so no test edits ``sys.path``."""

from support.clock import Clock
from support.servers import (
    DSN_VAR,
    REDIS_VAR,
    SERVER_MARKS,
    marked,
    run_control,
    server_env,
)

__all__ = ["DSN_VAR", "REDIS_VAR", "SERVER_MARKS", "Clock", "marked", "run_control", "server_env"]
