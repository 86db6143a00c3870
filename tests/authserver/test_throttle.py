"""Failed client authentications are throttled per address and per client (FailureLimiter), the
right secret included, until the window has passed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import keyturn as kt
from keyturn.authserver import FailureLimiter
from support import Clock

from .conftest import Running
from .test_token import GRANT, assert_invalid_client, assertion, assertion_form, basic


def post(auth: Running, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(auth.token_url, data=GRANT, headers=headers)


@pytest.fixture
def clock() -> Clock:
    return Clock(start=1000.0)


@pytest.fixture
def limiter(request: pytest.FixtureRequest, clock: Clock) -> FailureLimiter:
    """The conftest fixture, with a hand-moved clock; ``(client_limit, address_limit)`` as the
    indirect parameter (default (5, 3))."""
    client_limit, address_limit = getattr(request, "param", (5, 3))
    return FailureLimiter(
        client_limit=client_limit, address_limit=address_limit, window=60, clock=clock
    )


def test_failed_authentications_are_throttled_per_address_even_for_the_right_secret(
    auth: Running, clock: Clock
) -> None:
    right = auth.secrets["client_secret_basic"]
    for _ in range(3):
        assert_invalid_client(post(auth, basic("client_secret_basic", "wrong")))
    # Another client id from the same address: the address is over its bound.
    throttled = post(auth, basic("client_secret_post", right))
    assert throttled.status_code == 429
    assert throttled.json()["error"] == "invalid_client"
    assert throttled.headers["retry-after"] == "60"
    # The right secret is not even checked while the address is throttled.
    assert post(auth, basic("client_secret_basic", right)).status_code == 429
    clock.advance(60)
    assert post(auth, basic("client_secret_basic", right)).status_code == 200


@pytest.mark.parametrize("limiter", [(2, 100)], indirect=True)
def test_failed_authentications_are_throttled_per_client_from_any_address(
    auth: Running, clock: Clock
) -> None:
    right = auth.secrets["client_secret_basic"]
    assert_invalid_client(post(auth, basic("client_secret_basic", "wrong")))
    clock.advance(30)
    assert_invalid_client(post(auth, basic("client_secret_basic", "wrong")))
    throttled = post(auth, basic("client_secret_basic", right))
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "30"  # the first failure ages out first
    # Other clients (the same address, far from its bound) are served.
    post_client = {
        "client_id": "client_secret_post",
        "client_secret": auth.secrets["client_secret_post"],
    }
    answer = httpx.post(auth.token_url, data={**GRANT, **post_client})
    assert answer.status_code == 200
    clock.advance(30)
    assert post(auth, basic("client_secret_basic", right)).status_code == 200


def test_the_limiter_forgets_the_oldest_keys_beyond_its_bound() -> None:
    clock = Clock(start=0.0)
    limiter = FailureLimiter(client_limit=1, address_limit=1, max_keys=2, clock=clock)
    limiter.failed("a", None)
    limiter.failed("b", None)
    assert limiter.retry_after("a", None) == 60
    limiter.failed("c", None)  # "a" is the oldest key: forgotten
    assert limiter.retry_after("a", None) == 0
    assert limiter.retry_after("c", None) == 60


@pytest.mark.parametrize(
    "options",
    [{"client_limit": 0}, {"address_limit": True}, {"window": 0}, {"window": float("nan")}],
)
def test_a_limiter_that_would_not_limit_is_a_configuration_error(options: dict[str, Any]) -> None:
    with pytest.raises(kt.ConfigurationError) as refused:
        FailureLimiter(**options)
    assert refused.value.code == "configuration_invalid"


@pytest.mark.parametrize("limiter", [(2, 100)], indirect=True)
def test_assertions_without_client_id_count_against_their_claimed_client(auth: Running) -> None:
    foreign = {"aud": "https://other.example.com/oauth/token"}
    for _ in range(2):
        assert_invalid_client(
            httpx.post(auth.token_url, data=assertion_form(assertion(auth, **foreign)))
        )
    throttled = httpx.post(auth.token_url, data=assertion_form(assertion(auth)))
    assert throttled.status_code == 429
    assert "remember_jti" not in auth.store.writes  # the good assertion was not even looked at
