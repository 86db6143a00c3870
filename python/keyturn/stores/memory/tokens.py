"""The memory backend's refresh tokens: ``MemoryStore``, in dicts behind one lock. For tests and
single-process services: nothing survives the process."""

from __future__ import annotations

import dataclasses
import threading

from keyturn.refresh.records import FamilyRecord, Rotation, Snapshot, TokenRecord

__all__ = ["MemoryStore"]


class MemoryStore:
    """An in-process store with the same atomicity as the real ones (one lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._families: dict[str, FamilyRecord] = {}
        self._tokens: dict[bytes, TokenRecord] = {}

    def __repr__(self) -> str:
        return f"MemoryStore(families={len(self._families)}, tokens={len(self._tokens)})"

    def create_family(self, family: FamilyRecord, token: TokenRecord) -> None:
        with self._lock:
            self._families[family.family_id] = family
            self._tokens[token.token_hash] = token

    def load(self, token_hash: bytes, family_id: str) -> Snapshot | None:
        with self._lock:
            token = self._tokens.get(token_hash)
            family = self._families.get(family_id)
        if token is None or family is None or token.family_id != family_id:
            return None
        return Snapshot(token, family)

    def commit_rotation(self, rotation: Rotation) -> bool:
        with self._lock:
            family = self._families.get(rotation.family_id)
            head = self._tokens.get(rotation.expected_head)
            if family is not None and family.head_hash == rotation.successor.token_hash:
                return True  # this very rotation, applied already: a retried call
            if (
                family is None
                or head is None
                or family.revoked_at is not None
                or family.head_hash != rotation.expected_head
                or head.used_at is not None
                or head.expires_at <= rotation.now
            ):
                return False
            new = rotation.successor
            self._tokens[head.token_hash] = dataclasses.replace(head, used_at=rotation.now)
            self._tokens[new.token_hash] = new
            self._families[family.family_id] = dataclasses.replace(
                family,
                head_hash=new.token_hash,
                prev_hash=rotation.prev_hash,
                last_used_at=rotation.now,
                expires_at=new.expires_at,
            )
            return True

    def revoke_family(self, family_id: str, now: float) -> None:
        with self._lock:
            family = self._families.get(family_id)
            if family is not None and family.revoked_at is None:
                self._families[family_id] = dataclasses.replace(family, revoked_at=now)

    def revoke_user(self, user_id: str, device_id: str | None, now: float) -> int:
        with self._lock:
            chosen = [
                f
                for f in self._families.values()
                if f.user_id == user_id
                and f.revoked_at is None
                and (device_id is None or f.device_id == device_id)
            ]
            for family in chosen:
                self._families[family.family_id] = dataclasses.replace(family, revoked_at=now)
        return len(chosen)

    def list_families(self, user_id: str) -> list[FamilyRecord]:
        with self._lock:
            return [f for f in self._families.values() if f.user_id == user_id]

    def purge_batch(self, now: float, limit: int) -> int:
        with self._lock:
            tokens = [h for h, t in self._tokens.items() if t.expires_at <= now][:limit]
            for token_hash in tokens:
                del self._tokens[token_hash]
            room = limit - len(tokens)
            families = [k for k, f in self._families.items() if f.expires_at <= now][:room]
            for family_id in families:
                del self._families[family_id]
        return len(tokens) + len(families)

    def close(self) -> None:
        """Nothing to release."""
