"""One contender in the multi-process race (run by test_concurrency.py, not collected by pytest).

argv: store kind (sqlite | postgres), its path or DSN, the refresh token to rotate.
Prints "ready" once connected, waits for "go" on stdin, rotates, prints "won" or the error code.
"""

from __future__ import annotations

import sys

import keyturn as kt


def main() -> None:
    kind, location, token = sys.argv[1:4]
    store = (
        kt.SQLiteStore(location) if kind == "sqlite" else kt.PostgresStore(location, pool_size=1)
    )
    issuer = kt.Issuer(kt.Keyring.generate(), issuer="https://auth.test", audience="api.test")
    service = kt.TokenService(issuer, store)
    service.sessions("warm-up")  # connect (and check the schema) before the race starts
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        service.rotate(token)
        print("won", flush=True)
    except kt.RefreshError as error:
        print(error.code, flush=True)
    finally:
        service.close()


if __name__ == "__main__":
    main()
