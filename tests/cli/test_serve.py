"""``keyturn serve`` over real HTTP on loopback: the refresh cookie flow, replay, CSRF, junk."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable

import httpx

Run = Callable[..., subprocess.CompletedProcess[str]]


def issue_pair(run: Run, device: str = "browser") -> dict[str, str]:
    args = ("--sub", "user-1", "--device", device, "--db", "keyturn.db", "--json")
    result = run("token", "issue", *args)
    assert result.returncode == 0, result.stderr
    body: dict[str, str] = json.loads(result.stdout)
    return body


def set_cookie(response: httpx.Response, name: str) -> str:
    for value in response.headers.get_list("set-cookie"):
        if value.startswith(f"{name}="):
            return value.split(";", 1)[0].split("=", 1)[1]
    raise AssertionError(f"no {name} cookie")


def test_jwks_is_served_with_the_keyring(served: str, run: Run) -> None:
    response = httpx.get(f"{served}/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.json() == json.loads(run("keys", "jwks").stdout)
    assert response.headers["cache-control"].startswith("public, max-age=")


def test_verify_against_the_served_jwks_url(served: str, run: Run) -> None:
    token = run("token", "issue", "--sub", "user-1").stdout.strip()
    result = run("token", "verify", token, "--jwks-url", f"{served}/.well-known/jwks.json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["sub"] == "user-1"


def test_cookie_flow_replay_and_csrf(served: str, run: Run) -> None:
    pair = issue_pair(run)
    origin = {"origin": served}
    with httpx.Client(base_url=served) as client:
        cross_site = client.post(
            "/auth/refresh",
            headers={
                "cookie": f"__Host-keyturn_refresh={pair['refresh_token']}",
                "origin": "https://evil",
            },
        )
        assert cross_site.status_code == 400
        assert cross_site.json()["error_description"] == "cross-site request refused"

        first = client.post(
            "/auth/refresh",
            headers={"cookie": f"__Host-keyturn_refresh={pair['refresh_token']}", **origin},
        )
        assert first.status_code == 200, first.text
        assert "refresh_token" not in first.json()
        new_refresh = set_cookie(first, "__Host-keyturn_refresh")
        access = first.json()["access_token"]
        claims = json.loads(run("token", "verify", access).stdout)
        assert claims["sub"] == "user-1"

        replay = client.post(
            "/auth/refresh",
            headers={"cookie": f"__Host-keyturn_refresh={pair['refresh_token']}", **origin},
        )
        assert replay.status_code == 400
        assert replay.json() == {"error": "invalid_grant", "error_description": "refresh_replayed"}
        dead = client.post(
            "/auth/refresh", headers={"cookie": f"__Host-keyturn_refresh={new_refresh}", **origin}
        )
        assert dead.json()["error_description"] == "refresh_revoked"


def test_body_client_and_logout_all(served: str, run: Run) -> None:
    phone = issue_pair(run, "phone")
    laptop = issue_pair(run, "laptop")
    with httpx.Client(base_url=served) as client:
        rotated = client.post("/auth/refresh", json={"refresh_token": phone["refresh_token"]})
        assert rotated.status_code == 200
        assert rotated.json()["refresh_token"].startswith("ktr_")

        bearer = {"authorization": f"Bearer {rotated.json()['access_token']}"}
        assert client.post("/auth/logout-all", headers=bearer).status_code == 200
        gone = client.post("/auth/refresh", json={"refresh_token": laptop["refresh_token"]})
        assert gone.json()["error_description"] == "refresh_revoked"
        # The access tokens already out died too: serve wires one Revocations (same database).
        again = client.post("/auth/logout-all", headers=bearer)
        assert again.status_code == 401
        assert again.json()["error_description"] == "token_revoked"


def test_junk_gets_rfc6749_errors_never_a_trace(served: str) -> None:
    with httpx.Client(base_url=served) as client:
        for content in (b"{", b"[]", b'{"refresh_token": "ktr_junk"}', b"\x00" * 9000):
            response = client.post(
                "/auth/refresh", content=content, headers={"content-type": "application/json"}
            )
            assert response.status_code == 400
            assert response.json()["error"] in {"invalid_request", "invalid_grant"}
            assert "Traceback" not in response.text
        assert client.get("/nothing-here").status_code == 404
        assert client.get("/auth/refresh").status_code == 405


def test_serve_follows_key_changes_without_a_restart(served: str, run: Run) -> None:
    """keyturn keys rotate / revoke in another process reach the running server within ~1 s."""
    old_token = run("token", "issue", "--sub", "user-1").stdout.strip()
    old_kid = json.loads(run("token", "inspect", old_token).stdout)["header"]["kid"]
    assert run("keys", "rotate").returncode == 0
    expected = json.loads(run("keys", "jwks").stdout)
    deadline = time.monotonic() + 10
    while httpx.get(f"{served}/.well-known/jwks.json").json() != expected:
        assert time.monotonic() < deadline, "the server never picked up the rotation"
        time.sleep(0.2)

    pair = issue_pair(run)
    rotated = httpx.post(f"{served}/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    new_kid = json.loads(run("token", "inspect", rotated.json()["access_token"]).stdout)["header"]
    assert new_kid["kid"] != old_kid  # the server signs with the new current key

    assert run("keys", "revoke", "--", old_kid).returncode == 0
    bearer = {"authorization": f"Bearer {old_token}"}
    deadline = time.monotonic() + 10
    # A probe the server still verifies logs user-1 out everywhere (serve wires revocations), so
    # the next ones answer token_revoked: that too means the old key still verified the token,
    # since the subject watermark is checked only after the signature.
    while (answer := _logout_all(served, bearer)) != "key_unknown":
        assert answer in ("logged_out", "token_revoked"), answer
        assert time.monotonic() < deadline, "the server still accepts the revoked key"
        time.sleep(0.2)


def _logout_all(served: str, bearer: dict[str, str]) -> str:
    """``logged_out``, or the refusal's error_description."""
    answer = httpx.post(f"{served}/auth/logout-all", headers=bearer)
    if answer.status_code == 200:
        return "logged_out"
    assert answer.status_code == 401, answer.text
    return str(answer.json()["error_description"])
