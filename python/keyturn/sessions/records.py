"""What a session is, as stores keep it and services return it: plain frozen values holding the
id's hash only (never the id itself, except ``StartedSession.id``, given once to set the cookie)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LoggedOut", "Session", "StartedSession", "data_json"]


def data_json(data: Mapping[str, Any]) -> str:
    """Session data as every store keeps it (and as ``max_data_bytes`` measures it, in UTF-8)."""
    return json.dumps(dict(data), separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True, slots=True)
class Session:
    """One signed-in browser.

    ``handle`` is the session's public name: the ``sid`` claim of every access token minted from
    it, the key of ``SessionService.end_session`` and of the user's session list. It is not a
    secret (it cannot be used as a session id) and changes when the id is rotated.

    ``idle_expires_at`` is when the session ends unless a request comes first (each recorded
    request moves it to ``last_seen + idle_timeout``); it is never later than ``expires_at``,
    the absolute cap no request extends.
    """

    handle: str
    session_hash: bytes = field(repr=False)
    user_id: str
    device: str
    user_agent: str
    data: Mapping[str, Any] = field(hash=False)
    created_at: float
    last_seen: float
    idle_expires_at: float
    expires_at: float

    def live_at(self, now: float) -> bool:
        return now < self.idle_expires_at


@dataclass(frozen=True, slots=True)
class StartedSession:
    """A new session id (for the cookie; its only appearance: never stored, never in a repr)
    and the session it opens."""

    id: str = field(repr=False)
    session: Session


@dataclass(frozen=True, slots=True)
class LoggedOut:
    """What ``logout_everywhere`` ended: the user's sessions, refresh families (None: the service
    has no ``TokenService``), and the time before which every access token of the user was
    issued is now refused (None: the service has no ``Revocations``)."""

    sessions: int
    refresh_families: int | None
    access_tokens_before: float | None
