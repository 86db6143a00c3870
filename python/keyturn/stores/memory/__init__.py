"""The memory backend: every store in dicts behind locks, in this process only."""

from keyturn.stores.memory.clients import MemoryClientStore
from keyturn.stores.memory.login_states import MemoryLoginStates
from keyturn.stores.memory.revocations import MemoryRevocationStore
from keyturn.stores.memory.sessions import MemorySessionStore
from keyturn.stores.memory.tokens import MemoryStore

__all__ = [
    "MemoryClientStore",
    "MemoryLoginStates",
    "MemoryRevocationStore",
    "MemorySessionStore",
    "MemoryStore",
]
