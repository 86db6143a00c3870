"""Device authorization (RFC 8628): against nanoidp, and every polling answer from a script."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest

import keyturn as kt
from keyturn import device

from .conftest import NANO_BASIC, NANO_PASSWORD, NANO_USER, Answer, Provider, Scripted


def test_nanoidp_device_sign_in(nanoidp: Provider) -> None:
    client = kt.OAuthClient.discover(nanoidp.issuer, kt.ClientSecretBasic(*NANO_BASIC))
    started = device.start(client, scope="openid")
    assert started.verification_uri.startswith(nanoidp.issuer)
    assert started.device_code not in repr(started)
    # The user, on another device: opens the page, enters the code, signs in, approves.
    approval = {
        "user_code": started.user_code,
        "username": NANO_USER,
        "password": NANO_PASSWORD,
        "action": "authorize",
    }
    with httpx.Client() as browser:
        page = browser.post(started.verification_uri, data=approval)
    assert page.status_code == 200
    tokens = device.poll(client, started)  # one interval (nanoidp: 5 s), then the tokens
    assert tokens.access_token
    assert tokens.id_token


def _device_answer(interval: int = 1, expires_in: int = 60, **changes: object) -> Answer:
    body = {
        "device_code": "dev-code-1",
        "user_code": "WDJB-MJHT",
        "verification_uri": "https://idp.example/device",
        "expires_in": expires_in,
        "interval": interval,
        **changes,
    }
    return Answer(200, json.dumps(body).encode())


def _error(code: str) -> Answer:
    return Answer(400, json.dumps({"error": code}).encode())


def _tokens() -> Answer:
    return Answer(200, b'{"access_token": "at", "token_type": "bearer", "expires_in": 60}')


def client_for(provider: Scripted) -> kt.OAuthClient:
    return kt.OAuthClient.discover(provider.issuer, kt.PublicClient("tv-app"))


def _arrivals(provider: Scripted) -> list[float]:
    return [seen.at for seen in provider.requests_to("/token")]


def test_pending_then_slow_down_then_tokens(scripted: Scripted) -> None:
    scripted.script("/device", _device_answer(interval=1))
    scripted.script("/token", _error("authorization_pending"), _error("slow_down"), _tokens())
    client = client_for(scripted)
    tokens = device.poll(client, device.start(client))
    assert tokens.access_token == "at"
    polls = scripted.requests_to("/token")
    assert [p.form["grant_type"] for p in polls] == [
        "urn:ietf:params:oauth:grant-type:device_code"
    ] * 3
    assert polls[0].form["device_code"] == "dev-code-1"
    arrivals = _arrivals(scripted)
    assert arrivals[1] - arrivals[0] >= 1  # the interval
    assert arrivals[2] - arrivals[1] >= 1 + 5  # slow_down added 5 s


@pytest.mark.parametrize(
    ("answer", "code"),
    [("expired_token", "login_expired"), ("access_denied", "login_denied")],
)
def test_polling_ends(scripted: Scripted, answer: str, code: str) -> None:
    scripted.script("/device", _device_answer(interval=0))
    scripted.script("/token", _error(answer))
    client = client_for(scripted)
    with pytest.raises(kt.LoginError) as ended:
        device.poll(client, device.start(client))
    assert type(ended.value) is kt.LoginError
    assert ended.value.code == code


def test_the_code_expiring_ends_polling(scripted: Scripted) -> None:
    scripted.script("/device", _device_answer(interval=1, expires_in=1))
    scripted.script("/token", _error("authorization_pending"))
    client = client_for(scripted)
    with pytest.raises(kt.LoginError) as ended:
        device.poll(client, device.start(client))
    assert ended.value.code == "login_expired"


def test_other_refusals_are_grant_errors(scripted: Scripted) -> None:
    scripted.script("/device", _device_answer(interval=0))
    scripted.script("/token", _error("invalid_client"))
    client = client_for(scripted)
    with pytest.raises(kt.GrantError) as refused:
        device.poll(client, device.start(client))
    assert refused.value.provider_code == "invalid_client"


def test_cancel_stops_polling(scripted: Scripted) -> None:
    scripted.script("/device", _device_answer(interval=1))
    scripted.script("/token", _error("authorization_pending"))
    client = client_for(scripted)
    started = device.start(client)
    cancel = threading.Event()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            device.poll(client, started, cancel=cancel)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 30
    while not scripted.requests_to("/token") and time.monotonic() < deadline:
        time.sleep(0.05)
    cancel.set()
    worker.join(10)
    assert not worker.is_alive()
    assert len(outcome) == 1
    assert type(outcome[0]) is kt.LoginError
    assert outcome[0].code == "login_cancelled"


@pytest.mark.asyncio
async def test_cancelling_the_task_stops_the_poller(scripted: Scripted) -> None:
    scripted.script("/device", _device_answer(interval=1))
    scripted.script("/token", _error("authorization_pending"))
    client = client_for(scripted)
    started = device.start(client)
    task = asyncio.ensure_future(device.apoll(client, started))
    await asyncio.sleep(1.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    seen = len(scripted.requests_to("/token"))
    await asyncio.sleep(2.5)
    assert len(scripted.requests_to("/token")) == seen  # the worker thread stopped too


@pytest.mark.parametrize(
    "changes",
    [
        {"verification_uri": "javascript:alert(1)"},
        {"device_code": ""},
        {"interval": -1},
        {"expires_in": "soon"},
    ],
)
def test_unusable_device_answer(scripted: Scripted, changes: dict[str, object]) -> None:
    scripted.script("/device", _device_answer(**changes))
    with pytest.raises(kt.ProviderError) as bad:
        device.start(client_for(scripted))
    assert type(bad.value) is kt.ProviderError
    assert bad.value.code == "provider_response_invalid"


def test_an_interval_of_zero_is_not_a_busy_loop(scripted: Scripted) -> None:
    scripted.script("/device", _device_answer(interval=0))
    scripted.script("/token", _error("authorization_pending"), _tokens())
    client = client_for(scripted)
    started = device.start(client)
    assert started.interval == device.MIN_INTERVAL
    device.poll(client, started)
    arrivals = _arrivals(scripted)
    assert arrivals[1] - arrivals[0] >= device.MIN_INTERVAL
