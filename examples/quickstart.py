"""keyturn in one screen: sign an access token, verify it, and watch a forged one fail.

Run: python examples/quickstart.py  (needs only keyturn itself; the key is generated in memory)
"""

from __future__ import annotations

import json

import keyturn as kt

ISSUER = "https://auth.example.com"
AUDIENCE = "api.example.com"


def main() -> None:
    # A keyring holds the signing key in use plus the next one, already published in its JWKS.
    ring = kt.Keyring.generate()
    issuer = kt.Issuer(ring, issuer=ISSUER, audience=AUDIENCE, ttl=600)
    verifier = kt.Verifier(ring, issuer=ISSUER, audience=AUDIENCE, leeway=5)

    token = issuer.issue("user-1", scope="read write")
    print("token: ", token[:48] + "...")
    print("claims:", json.dumps(verifier.verify(token), sort_keys=True))
    print("jwks:  ", [key["kid"] for key in ring.jwks()["keys"]])

    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    try:
        verifier.verify(forged)
    except kt.TokenError as error:
        print(f"forged: rejected, {type(error).__name__} (code {error.code!r})")
    else:
        raise SystemExit("forged token was accepted")


if __name__ == "__main__":
    main()
