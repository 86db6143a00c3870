"""The limits several modules share, in one place: each is derived from the others where it must
agree with them (a revocation kept for the longest token life plus the largest leeway, ...)."""

from __future__ import annotations

__all__ = ["DAY", "MAX_LEEWAY", "MAX_TTL"]

DAY = 86_400
#: The largest clock tolerance a Verifier accepts: more would quietly extend every token's life.
MAX_LEEWAY = 300
#: The longest access-token ttl an Issuer accepts without ``allow_long_ttl=True``.
MAX_TTL = 86_400
