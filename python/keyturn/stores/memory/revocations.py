"""The memory backend's access-token revocations: ``MemoryRevocationStore``, in dicts behind a
lock. For tests and single-process services: nothing survives the process."""

from __future__ import annotations

import threading
from collections.abc import Collection

from keyturn.revocation import Found

__all__ = ["MemoryRevocationStore"]


class MemoryRevocationStore:
    """Revocations in this process only (tests, single-process services)."""

    def __init__(self) -> None:
        self._jtis: dict[bytes, float] = {}
        self._subjects: dict[bytes, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "MemoryRevocationStore()"

    def revoke_jti(self, jti_hash: bytes, keep_until: float) -> None:
        with self._lock:
            self._jtis[jti_hash] = max(keep_until, self._jtis.get(jti_hash, keep_until))

    def raise_watermark(self, subject_hash: bytes, issued_before: float, keep_until: float) -> None:
        with self._lock:
            current = self._subjects.get(subject_hash)
            if current is None or current[0] < issued_before:
                self._subjects[subject_hash] = (issued_before, keep_until)

    def lookup(self, jti_hashes: Collection[bytes], subject_hashes: Collection[bytes]) -> Found:
        with self._lock:
            return Found(
                {j for j in jti_hashes if j in self._jtis},
                {s: self._subjects[s][0] for s in subject_hashes if s in self._subjects},
            )

    def purge(self, now: float) -> int:
        with self._lock:
            jtis = [j for j, keep in self._jtis.items() if keep <= now]
            subjects = [s for s, (_, keep) in self._subjects.items() if keep <= now]
            for jti in jtis:
                del self._jtis[jti]
            for subject in subjects:
                del self._subjects[subject]
        return len(jtis) + len(subjects)

    def close(self) -> None:
        """Nothing to release."""
