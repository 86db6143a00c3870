"""The billing job: a machine that calls the orders service with a token from keyturn.

Register it once, then run it::

    keyturn clients add billing --scope orders:read --audience https://orders.internal
    # store the printed secret in a file only this job can read, e.g. billing.secret (mode 0600)
    KEYTURN_ISSUER=http://127.0.0.1:8000 BILLING_CLIENT_ID=<client_id> \\
        BILLING_SECRET_FILE=billing.secret ORDERS_URL=http://127.0.0.1:8001 \\
        python examples/m2m/billing_job.py

``ClientCredentials`` asks keyturn's token endpoint (found by discovery) for a token once, caches
it, and renews it shortly before it expires; many calls share one token.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path
from typing import Any

import keyturn as kt

AUDIENCE = "https://orders.internal"


def token_source(issuer: str, client_id: str, secret: str) -> kt.ClientCredentials:
    client = kt.OAuthClient.discover(issuer, kt.ClientSecretBasic(client_id, secret))
    # resource (RFC 8707): a token for the orders service only, with the one scope this job needs.
    return kt.ClientCredentials(client, scope="orders:read", extra={"resource": AUDIENCE})


def fetch_orders(tokens: kt.ClientCredentials, orders_url: str) -> Any:
    if not orders_url.startswith(("https://", "http://")):
        raise ValueError("ORDERS_URL must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 (checked above: http or https only)
        orders_url.rstrip("/") + "/orders",
        headers={"Authorization": f"Bearer {tokens.token()}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return json.load(response)


def main() -> None:
    secret = Path(os.environ["BILLING_SECRET_FILE"]).read_text(encoding="utf-8").strip()
    tokens = token_source(os.environ["KEYTURN_ISSUER"], os.environ["BILLING_CLIENT_ID"], secret)
    print(json.dumps(fetch_orders(tokens, os.environ["ORDERS_URL"]), indent=2))


if __name__ == "__main__":
    main()
