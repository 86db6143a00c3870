"""RS256 and ES256 against every peer, in ONE interleaved run; prints the table and the targets.

    python benches/chart_rsa_ec.py --rounds 30      # CPython >= 3.12 brings ryjwt in

The peers are benches/bench_rsa_ec.py's adapters, each checked there first (``check``: the claims
of a good token; a forged signature and a wrong audience refused with its own error class). The
timing is benches/chart.py's ``interleave``. Besides sign and verify (with the claim checks), two
keyturn-only rows: ``verify_many`` per token over a batch of distinct tokens, and a verify that
hits the verified-token cache (``Verifier(cache=...)``) on the same token.
"""

from __future__ import annotations

import argparse
import platform
import sys
from functools import partial

import jwt

import keyturn as kt
import peers
from bench_rsa_ec import ADAPTERS, ALGS, AUD, ISS, REQUIRED, KeyForms, Peer, check, make_keys
from chart import STATISTICS, Case, Table, Target, interleave

RAW = "keyturn raw signature"
MANY = "keyturn verify_many (per token)"
CACHED = "keyturn cache hit"
BATCH = 64  # tokens per verify_many call


def _peers(keys: KeyForms) -> list[Peer]:
    available = []
    for name, build in ADAPTERS.items():
        try:
            available.append(build(keys))
        except ImportError as error:
            print(f"left out: {name} ({keys.alg}; not installed: {error.name})")
    return available


def _keyturn_verifier(keys: KeyForms, cache: int) -> kt.Verifier:
    return kt.Verifier(
        [_public_key(keys)],
        issuer=ISS,
        audience=AUD,
        algorithms=[keys.alg],
        require=REQUIRED,
        cache=cache,
    )


def cases(alg: str) -> list[Case]:
    """Every peer's verify and sign of one ``alg`` token, each adapter checked first."""
    keys = make_keys(alg)
    claims = peers.make_claims()
    token: str = jwt.encode(claims, keys.private, algorithm=alg)  # as a provider signs it
    found = []
    for peer in _peers(keys):
        check(peer, keys, token, claims)
        assert ADAPTERS["keyturn"](keys).verify(peer.sign(claims)) == claims, peer.name
        found += [
            Case(f"verify {alg}", peer.name, peer.kind, partial(peer.verify, token)),
            Case(f"sign {alg}", peer.name, peer.kind, partial(peer.sign, claims)),
        ]
    raw = peers.raw_verify(_public_key(keys), token, alg)
    raw()  # the good token's signature verifies (a bad one raises InvalidSignature)
    raw_case = Case(f"verify {alg}", RAW, "raw", raw)
    return [*found, raw_case, _many(keys, claims), _cache_hit(keys, token, claims)]


def _public_key(keys: KeyForms) -> kt.VerifyingKey:
    return kt.VerifyingKey.from_jwk(keys.public_jwk)


def _many(keys: KeyForms, claims: peers.Claims) -> Case:
    batch = [
        jwt.encode({**claims, "sub": f"user-{i}"}, keys.private, algorithm=keys.alg)
        for i in range(BATCH)
    ]
    verifier = _keyturn_verifier(keys, cache=0)
    results = verifier.verify_many(batch)  # a refusal comes back as its TokenError
    subjects = [r["sub"] if isinstance(r, dict) else r for r in results]
    assert subjects == [f"user-{i}" for i in range(BATCH)], subjects
    call = partial(verifier.verify_many, batch)
    return Case(f"verify {keys.alg}", MANY, "keyturn-batch", call, per=BATCH)


def _cache_hit(keys: KeyForms, token: str, claims: peers.Claims) -> Case:
    verifier = _keyturn_verifier(keys, cache=1024)
    assert verifier.verify(token) == claims  # the miss that fills the cache
    assert verifier.verify(token) == claims
    stats = verifier.cache_stats
    assert stats is not None
    assert stats[0] >= 1, stats  # the second call was a hit
    return Case(f"verify {keys.alg}", CACHED, "keyturn-cache", partial(verifier.verify, token))


def targets(table: Table, alg: str) -> list[Target]:
    """Issue 11 and 12's RS/ES targets, each one ratio of this run."""
    verify, sign = table[f"verify {alg}"], table[f"sign {alg}"]
    me, my_sign = verify["keyturn"].seconds, sign["keyturn"].seconds
    rust = min(r.seconds for r in verify.values() if r.kind == "rust")
    rust_sign = min(r.seconds for r in sign.values() if r.kind == "rust")
    fastest_peer = min(r.seconds for r in verify.values() if r.kind in ("rust", "python"))
    return [
        Target(f"{alg} verify: keyturn / fastest Rust peer (want <= 0.9)",
               me / rust, lambda v: v <= 0.9),
        Target(f"{alg} verify: keyturn / keyturn raw signature (want <= 1.15)",
               me / verify[RAW].seconds, lambda v: v <= 1.15),
        Target(f"{alg} verify: PyJWT / keyturn (want >= 3)",
               verify["PyJWT"].seconds / me, lambda v: v >= 3),
        Target(f"{alg} sign: keyturn / fastest Rust peer (want <= 1.1)",
               my_sign / rust_sign, lambda v: v <= 1.1),
        Target(f"{alg} verify_many per token / fastest peer (want <= 0.5)",
               verify[MANY].seconds / fastest_peer, lambda v: v <= 0.5),
        Target(f"{alg} uncached verify / cache hit (want >= 30)",
               me / verify[CACHED].seconds, lambda v: v >= 30),
    ]  # fmt: skip


def report(table: Table) -> str:
    lines = []
    for group, results in table.items():
        reference = results["keyturn"].seconds
        lines.append(f"\n{group}: µs per token, and relative to keyturn's")
        for r in sorted(results.values(), key=lambda r: r.seconds):
            lines.append(
                f"  {r.peer:<32} {r.kind:<14} {r.seconds * 1e6:9.2f} {r.seconds / reference:7.2f}x"
            )
    lines.append("\ntargets")
    lines.extend(f"  {target.line()}" for alg in ALGS for target in targets(table, alg))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stat", choices=list(STATISTICS), default="median")
    parser.add_argument("--rounds", type=int, default=30, help="interleaved rounds to measure")
    parser.add_argument("--batch", type=float, default=0.02, help="seconds per timed batch")
    args = parser.parse_args(argv)
    every = [case for alg in ALGS for case in cases(alg)]
    measured = interleave(every, args.rounds, args.stat, args.batch)
    table = {f"{op} {alg}": measured[f"{op} {alg}"] for alg in ALGS for op in ("verify", "sign")}
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"{args.stat} of {args.rounds} interleaved rounds, {python}")
    print(f"keyturn Ed25519 backend: {kt._core.ed25519_backend()} (RSA/ECDSA: aws-lc-rs)")
    print(report(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
