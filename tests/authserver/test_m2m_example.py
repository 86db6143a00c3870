"""examples/m2m: the billing job gets a token from keyturn with ClientCredentials and calls the
orders service, which verifies it through RemoteJWKS.from_issuer; each on a real uvicorn."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

import keyturn as kt

from .conftest import API_B, Running, bound_socket, serve
from .test_token import basic

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "m2m"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"m2m_{name}", EXAMPLE / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def orders_url(auth: Running) -> Iterator[str]:
    sock, url = bound_socket()
    for _ in serve(load("orders_api").build(auth.url), sock):
        yield url


def test_the_billing_job_reads_orders_with_a_client_credentials_token(
    auth: Running, orders_url: str
) -> None:
    job = load("billing_job")
    tokens = job.token_source(auth.url, "client_secret_basic", auth.secrets["client_secret_basic"])
    answer = job.fetch_orders(tokens, orders_url)
    assert answer["caller"] == "client_secret_basic"
    assert [order["id"] for order in answer["orders"]] == [1, 2]
    # A second call reuses the cached token: one token request in all.
    job.fetch_orders(tokens, orders_url)
    assert tokens.requests == 1


def token(auth: Running, **form: str) -> Any:
    secret = auth.secrets["client_secret_basic"]
    answer = httpx.post(
        auth.token_url,
        data={"grant_type": "client_credentials", **form},
        headers=basic("client_secret_basic", secret),
    )
    assert answer.status_code == 200
    return answer.json()["access_token"]


def test_the_orders_service_refuses_other_audiences_missing_scopes_and_no_token(
    auth: Running, orders_url: str
) -> None:
    url = orders_url + "/orders"
    for_billing = token(auth, resource=API_B)
    assert httpx.get(url, headers={"Authorization": f"Bearer {for_billing}"}).status_code == 401
    write_only = token(auth, scope="orders:write")
    refused = httpx.get(url, headers={"Authorization": f"Bearer {write_only}"})
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    assert httpx.get(url).status_code == 401


def test_a_wrong_secret_fails_the_job_with_invalid_client(auth: Running, orders_url: str) -> None:
    job = load("billing_job")
    tokens = job.token_source(auth.url, "client_secret_basic", "ktc_wrong")
    with pytest.raises(kt.GrantError) as failed:  # before any request to the orders service
        job.fetch_orders(tokens, orders_url)
    assert failed.value.code == "grant_refused"
    assert failed.value.provider_code == "invalid_client"
