"""The memory backend's browser sessions: ``MemorySessionStore``, in dicts behind one lock. For
tests and single-process services: nothing survives the process."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Mapping
from typing import Any

from keyturn.sessions.records import Session, data_json

__all__ = ["MemorySessionStore"]


class MemorySessionStore:
    """Sessions in this process only, with the same atomicity as the real stores (one lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[bytes, Session] = {}

    def __repr__(self) -> str:
        return f"MemorySessionStore(sessions={len(self._sessions)})"

    def create(self, session: Session) -> None:
        with self._lock:
            self._sessions[session.session_hash] = _copy(session)

    def load(self, session_hash: bytes) -> Session | None:
        with self._lock:
            session = self._sessions.get(session_hash)
        return None if session is None else _copy(session)

    def touch(
        self, session_hash: bytes, last_seen: float, idle_expires_at: float, seen_before: float
    ) -> bool:
        with self._lock:
            session = self._sessions.get(session_hash)
            if session is None or not session.live_at(last_seen):
                return False
            if session.last_seen > seen_before:
                return False
            self._sessions[session_hash] = dataclasses.replace(
                session, last_seen=last_seen, idle_expires_at=idle_expires_at
            )
            return True

    def replace(self, session_hash: bytes, successor: Session, now: float) -> bool:
        with self._lock:
            session = self._sessions.get(session_hash)
            if session is None or not session.live_at(now):
                return False
            del self._sessions[session_hash]
            self._sessions[successor.session_hash] = _copy(successor)
            return True

    def set_data(self, session_hash: bytes, data: Mapping[str, Any], now: float) -> bool:
        with self._lock:
            session = self._sessions.get(session_hash)
            if session is None or not session.live_at(now):
                return False
            self._sessions[session_hash] = dataclasses.replace(session, data=_data(data))
            return True

    def delete(self, session_hash: bytes) -> Session | None:
        with self._lock:
            return self._sessions.pop(session_hash, None)

    def delete_handle(self, user_id: str, handle: str) -> bool:
        with self._lock:
            for key, session in self._sessions.items():
                if session.handle == handle and session.user_id == user_id:
                    del self._sessions[key]
                    return True
            return False

    def delete_user(self, user_id: str) -> int:
        with self._lock:
            chosen = [k for k, s in self._sessions.items() if s.user_id == user_id]
            for key in chosen:
                del self._sessions[key]
            return len(chosen)

    def list_user(self, user_id: str) -> list[Session]:
        with self._lock:
            return [_copy(s) for s in self._sessions.values() if s.user_id == user_id]

    def purge(self, ended_before: float, limit: int) -> int:
        with self._lock:
            ended = [k for k, s in self._sessions.items() if s.idle_expires_at <= ended_before]
            for key in ended[:limit]:
                del self._sessions[key]
            return min(len(ended), limit)

    def close(self) -> None:
        """Nothing to release."""


def _data(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the data sharing nothing with the caller's, as every other store returns."""
    copied: dict[str, Any] = json.loads(data_json(data))
    return copied


def _copy(session: Session) -> Session:
    return dataclasses.replace(session, data=_data(session.data))
