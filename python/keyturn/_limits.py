"""The limits several modules share, in one place: each is derived from the others where it must
agree with them (a revocation kept for the longest token life plus the largest leeway, ...)."""

from __future__ import annotations

__all__ = [
    "DAY",
    "HOUR",
    "MAX_CACHE",
    "MAX_FETCHED_BYTES",
    "MAX_LEEWAY",
    "MAX_MAX_AGE",
    "MAX_PUBLISHED_MAX_AGE",
    "MAX_TTL",
    "MIN_MAX_AGE",
]

HOUR = 3_600
DAY = 24 * HOUR
#: The largest clock tolerance a Verifier accepts: more would quietly extend every token's life.
MAX_LEEWAY = 300
#: The longest access-token ttl an Issuer accepts without ``allow_long_ttl=True``.
MAX_TTL = DAY
#: Bounds RemoteJWKS applies to a server's ``Cache-Control: max-age``: a server can neither make
#: every verify refetch nor pin a key set for days.
MIN_MAX_AGE = 60.0
MAX_MAX_AGE = float(DAY)
#: The longest ``max-age`` a keyring's published JWKS carries: a revocation reaches every
#: verifier's cache within it.
MAX_PUBLISHED_MAX_AGE = HOUR
#: The most tokens a Verifier's cache holds: the core allocates its table when the Verifier is
#: built, so a mistyped size must not reserve gigabytes.
MAX_CACHE = 1 << 20
#: Default bound on a document fetched from a provider (a JWK Set, a discovery document).
MAX_FETCHED_BYTES = 512 * 1024
