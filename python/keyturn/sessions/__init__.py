"""Browser sessions on the server: the cookie holds only an opaque id, the server holds the rest.

A session id is ``kts_`` + 256 random bits (``secrets.token_urlsafe(32)``); stores keep only its
SHA-256. A session ends after ``idle_timeout`` without a request (rolling; a request is written
down at most once per ``touch_interval``, so of 32 concurrent requests one writes) and at the
latest ``absolute_timeout`` after login, whatever the activity. Login and privilege changes give
a new id and kill the old one at once. Each session carries small JSON data (``max_data_bytes``)
and its device and user agent, for the user's list of sessions.

Use (the web layer, e.g. ``keyturn.asgi`` session middleware and ``POST /auth/token``)::

    import keyturn as kt

    backend = kt.open_backend("sqlite:///var/lib/app/keyturn.db")
    revocations = kt.Revocations(backend.revocations)
    tokens = kt.TokenService(issuer, backend.tokens, revocations=revocations)
    sessions = kt.SessionService(backend.sessions, tokens=tokens, revocations=revocations)

    # sign-in succeeded: a NEW id, and the one the browser held before dies (session fixation)
    started = sessions.start(user_id, device="laptop", user_agent=ua, replacing=old_cookie)
    set_cookie("__Host-session", started.id)   # HttpOnly; Secure; SameSite=Lax; Path=/

    # every request
    try:
        session = sessions.get(cookie)          # kt.Session; records the request (throttled)
    except kt.SessionError as error:            # error.code: "session_invalid" | "session_expired"
        ...                                     # clear the cookie, 401 / redirect to sign-in

    # POST /auth/token: a short-lived JWT for an API, bound to the session by its handle
    access = issuer.issue(session.user_id, sid=session.handle, scope="read")

    sessions.rotate(cookie)                     # privilege change: new id (set the cookie again)
    sessions.end(cookie)                        # logout
    sessions.sessions(user_id)                  # [kt.Session], oldest first: device, user_agent,
                                                # created_at, last_seen; .handle names each one
    sessions.end_session(user_id, handle)       # "sign out that device"
    sessions.logout_everywhere(user_id)         # sessions + refresh families + access tokens

``session.handle`` is the session's public name (32 hex characters, not a secret: it cannot be
used as an id). Put it in the ``sid`` claim of every access token minted from the session. Ending
a session (``end``, ``rotate``, ``end_session``, ``start(replacing=...)``) calls
``revocations.revoke_session(handle)``: a ``Verifier`` built with the same ``Revocations``
refuses every token carrying that ``sid`` with ``TokenRevoked``, whenever it was issued.
``logout_everywhere`` ends the user's sessions, their refresh families (``tokens.logout_all``)
and every access token whose ``sub`` is the user (the subject watermark), in one call.

Refusals: one class, ``SessionError``, with ``InvalidSession`` (``code`` ``session_invalid``:
malformed, oversized, unknown, ended, rotated away, or another user's handle) and
``ExpiredSession`` (``session_expired``). A refused id writes nothing. Session data over
``max_data_bytes`` is a ``ConfigurationError`` with code ``session_data_too_large``, and writes
nothing. ``AsyncSessionService`` is the same for asyncio (with an ``AsyncTokenService``).
"""

from __future__ import annotations

from keyturn.sessions.records import LoggedOut, Session, StartedSession
from keyturn.sessions.service import AsyncSessionService, SessionService
from keyturn.sessions.store import AsyncSessionStore, SessionStore

__all__ = [
    "AsyncSessionService",
    "AsyncSessionStore",
    "LoggedOut",
    "Session",
    "SessionService",
    "SessionStore",
    "StartedSession",
]
