"""Instruction counts of keyturn's verify and sign paths against its raw Ed25519 operations, under
callgrind.

Wall-clock benchmarks on a shared 2-core machine are noisy; instruction counts are repeatable for
the same binary and inputs. This measures what the whole verify (split, strict base64url, JSON,
header and claim checks, the dict) adds on top of the signature check of the same bytes, and what
the whole encode (claims to JSON, header, base64url, the str) and `Issuer.issue` (claims assembly,
time, jti) add on top of the bare signature of the same signing input:

    python benches/instructions.py            # needs valgrind (Debian package `valgrind`)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

N = 1000
NOW = 1_800_000_000


def workload(mode: str, n: int) -> None:
    import base64

    import keyturn as kt

    key = kt.SigningKey.from_seed(bytes(range(32)), kid="k")
    claims = {
        "iss": "https://auth.example.com",
        "aud": "api.example.com",
        "sub": "user-1",
        "iat": NOW,
        "exp": NOW + 600,
        "jti": "abcdefghijklmnop",
        "scope": "read write",
    }
    token = kt.encode(claims, key, headers={"typ": "at+jwt"})
    verifier = kt.Verifier(
        key.public_key, issuer="https://auth.example.com", audience="api.example.com"
    )
    signing_input, _, signature = token.rpartition(".")
    message, raw = signing_input.encode(), base64.urlsafe_b64decode(signature + "==")
    issuer = kt.Issuer(key, issuer="https://auth.example.com", audience="api.example.com")
    if mode == "verify":
        for _ in range(n):
            verifier.verify(token, now=NOW + 1)
    elif mode == "raw":
        for _ in range(n):
            key.public_key.verify(raw, message)
    elif mode == "sign":
        for _ in range(n):
            kt.encode(claims, key, headers={"typ": "at+jwt"})
    elif mode == "issue":
        for _ in range(n):
            issuer.issue("user-1", scope="read write")
    elif mode == "raw_sign":
        for _ in range(n):
            key.sign(message)


def count(mode: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={Path(tmp) / 'cg.out'}",
                sys.executable,
                __file__,
                "--run",
                mode,
                str(n),
            ],
            capture_output=True,
            text=True,
            check=True,
            # A fixed hash seed keeps interpreter start-up the same from run to run.
            env={**os.environ, "PYTHONHASHSEED": "0"},
        ).stderr
    match = re.search(r"Collected : (\d+)", out)
    if match is None:
        raise SystemExit(f"callgrind printed no total:\n{out}")
    return int(match.group(1))


def backend_under_valgrind() -> str:
    """Valgrind's virtual CPU has no AVX-512, so the counts are of the AVX2 (or serial) backend."""
    code = "from keyturn import _core; print(_core.ed25519_backend())"
    return subprocess.run(
        ["valgrind", "-q", sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def main() -> None:
    print(f"Ed25519 backend under valgrind: {backend_under_valgrind()}")
    base = count("verify", 0)
    verify = (count("verify", N) - base) / N
    raw = (count("raw", N) - base) / N
    print(f"Verifier.verify: {verify:,.0f} instructions per token")
    print(f"raw Ed25519 verify of the same bytes: {raw:,.0f} instructions")
    print(f"verify / raw = {verify / raw:.3f} (target <= 1.15)")
    sign = (count("sign", N) - base) / N
    issue = (count("issue", N) - base) / N
    raw_sign = (count("raw_sign", N) - base) / N
    print(f"encode: {sign:,.0f} instructions per token")
    print(f"Issuer.issue: {issue:,.0f} instructions per token")
    print(f"raw Ed25519 sign of the same signing input: {raw_sign:,.0f} instructions")
    print(f"encode - raw sign = {sign - raw_sign:,.0f}; issue - raw sign = {issue - raw_sign:,.0f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        workload(sys.argv[2], int(sys.argv[3]))
    else:
        main()
