"""Failed client authentications are throttled per address and per client (FailureLimiter), the
right secret included, until the window has passed."""

from __future__ import annotations

import httpx
import pytest

from keyturn.authserver import FailureLimiter
from support import Clock

from .conftest import Running
from .test_token import GRANT, assert_invalid_client, basic


def post(auth: Running, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(auth.token_url, data=GRANT, headers=headers)


@pytest.fixture
def clock() -> Clock:
    return Clock(start=1000.0)


@pytest.fixture
def limiter(clock: Clock) -> FailureLimiter:  # the conftest fixture, with a hand-moved clock
    return FailureLimiter(client_limit=5, address_limit=3, window=60, clock=clock)


def test_failed_authentications_are_throttled_per_address_even_for_the_right_secret(
    auth: Running, clock: Clock
) -> None:
    right = auth.secrets["client_secret_basic"]
    for _ in range(3):
        assert_invalid_client(post(auth, basic("client_secret_basic", "wrong")))
    throttled = post(auth, basic("client_secret_post", right))
    assert throttled.status_code == 429
    assert throttled.json()["error"] == "invalid_client"
    assert throttled.headers["retry-after"] == "60"
    # The right secret is not even checked while the address is throttled.
    assert post(auth, basic("client_secret_basic", right)).status_code == 429
    clock.advance(60)
    assert post(auth, basic("client_secret_basic", right)).status_code == 200
