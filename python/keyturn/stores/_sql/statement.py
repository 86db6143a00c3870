"""What the shared SQL flows yield (``Stmt``) and what differs between the two SQL databases
(``Dialect``). Statements use ``%s`` placeholders; the SQLite driver converts them to ``?``."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

__all__ = ["POSTGRES", "SQLITE", "Dialect", "Returns", "Stmt"]

Returns = Literal["rows", "count", "none"]


class Stmt(NamedTuple):
    """One statement for a driver to run; ``returns`` says what the flow receives back: the
    rows, the number of rows changed, or None."""

    sql: str
    params: tuple[Any, ...] = ()
    returns: Returns = "none"


class Dialect(NamedTuple):
    """A SQL database's float and bytes column types and its two-argument maximum."""

    real: str
    blob: str
    greatest: str


SQLITE = Dialect(real="REAL", blob="BLOB", greatest="MAX")
POSTGRES = Dialect(real="DOUBLE PRECISION", blob="BYTEA", greatest="GREATEST")
