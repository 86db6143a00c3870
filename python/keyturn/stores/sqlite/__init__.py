"""The SQLite backend: every store on one file, behind the file's one process-wide write lock
(``keyturn._sqlite``)."""

from keyturn.stores.sqlite.clients import SQLiteClientStore
from keyturn.stores.sqlite.revocations import SQLiteRevocationStore
from keyturn.stores.sqlite.tokens import SQLiteStore

__all__ = ["SQLiteClientStore", "SQLiteRevocationStore", "SQLiteStore"]
