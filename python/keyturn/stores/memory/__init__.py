"""The memory backend: every store in dicts behind locks, in this process only."""

from keyturn.stores.memory.revocations import MemoryRevocationStore
from keyturn.stores.memory.sessions import MemorySessionStore
from keyturn.stores.memory.tokens import MemoryStore

__all__ = ["MemoryRevocationStore", "MemorySessionStore", "MemoryStore"]
