"""Authorization Code + PKCE against two real providers: nanoidp and oidc-provider-mock.

Each test signs in the way a browser would (the provider's own login form, over HTTP), hands the
callback's query to ``complete_login`` and checks what keyturn made of the provider's answer.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

import keyturn as kt

from .conftest import (
    NANO_BASIC,
    NANO_POST,
    NANO_PUBLIC,
    NANO_USER,
    REDIRECT_URI,
    Provider,
    callback_params,
    mock_sign_in,
    nanoidp_sign_in,
)


def party(issuer: str, auth: Any, **options: Any) -> kt.RelyingParty:
    client = kt.OAuthClient.discover(issuer, auth)
    states = options.pop("states", None) or kt.MemoryLoginStates()
    return kt.RelyingParty(
        client, redirect_uri=REDIRECT_URI, states=states, scope="openid email", **options
    )


def nano_login(rp: kt.RelyingParty) -> tuple[kt.LoginStart, dict[str, str]]:
    start = rp.start_login()
    with httpx.Client() as browser:
        return start, nanoidp_sign_in(browser, start.url)


@pytest.mark.parametrize(
    "auth",
    [
        kt.ClientSecretBasic(*NANO_BASIC),
        kt.ClientSecretPost(*NANO_POST),
        kt.PublicClient(NANO_PUBLIC),
    ],
    ids=["client_secret_basic", "client_secret_post", "none"],
)
def test_nanoidp_sign_in_with_each_client_authentication(nanoidp: Provider, auth: Any) -> None:
    rp = party(nanoidp.issuer, auth)
    start, params = nano_login(rp)
    query = dict(parse_qsl(urlsplit(start.url).query))
    assert query["code_challenge_method"] == "S256"
    assert query["state"] == start.state == params["state"]

    login = rp.complete_login(params, binding=start.binding)

    assert login.subject == NANO_USER
    assert login.claims["iss"] == nanoidp.issuer
    assert login.claims["aud"] == auth.client_id
    assert login.claims["nonce"] == query["nonce"]
    assert "at_hash" in login.claims  # checked against the access token
    assert login.tokens.token_type == "Bearer"
    assert login.tokens.refresh_token
    assert "alice" not in repr(login.tokens)
    assert login.tokens.access_token not in repr(login)


def test_nanoidp_userinfo_refresh_and_revocation(nanoidp: Provider) -> None:
    rp = party(nanoidp.issuer, kt.ClientSecretBasic(*NANO_BASIC))
    start, params = nano_login(rp)
    login = rp.complete_login(params, binding=start.binding)

    info = rp.client.userinfo(login.tokens.access_token, subject=login.subject)
    assert info["email"] == "alice@example.org"
    with pytest.raises(kt.ProviderError) as wrong:
        rp.client.userinfo(login.tokens.access_token, subject="mallory")
    assert type(wrong.value) is kt.ProviderError
    assert wrong.value.code == "userinfo_subject_mismatch"

    assert login.tokens.refresh_token is not None
    renewed = rp.refresh(login.tokens.refresh_token, subject=login.subject)
    assert renewed.access_token != login.tokens.access_token
    rp.client.revoke(renewed.refresh_token or login.tokens.refresh_token)
    with pytest.raises(kt.GrantError) as revoked:
        rp.client.refresh(renewed.refresh_token or login.tokens.refresh_token)
    assert type(revoked.value) is kt.GrantError
    assert revoked.value.code == "grant_refused"
    assert revoked.value.provider_code == "invalid_grant"


def test_nanoidp_refuses_a_replayed_code(nanoidp: Provider) -> None:
    rp = party(nanoidp.issuer, kt.ClientSecretBasic(*NANO_BASIC))
    first, first_params = nano_login(rp)
    rp.complete_login(first_params, binding=first.binding)
    # The code again, under a fresh login of this browser: the provider must refuse it.
    second = rp.start_login()
    injected = {**first_params, "state": second.state}
    with pytest.raises(kt.GrantError) as replayed:
        rp.complete_login(injected, binding=second.binding)
    assert replayed.value.code == "grant_refused"
    assert replayed.value.provider_code == "invalid_grant"


def test_nanoidp_refuses_a_code_from_another_login(nanoidp: Provider) -> None:
    """Code injection: a code issued for login A presented with login B's state. B's PKCE
    verifier does not match A's challenge, so the provider refuses."""
    rp = party(nanoidp.issuer, kt.ClientSecretBasic(*NANO_BASIC))
    _, stolen = nano_login(rp)
    victim = rp.start_login()
    with pytest.raises(kt.GrantError) as injected:
        rp.complete_login({**stolen, "state": victim.state}, binding=victim.binding)
    assert injected.value.provider_code == "invalid_grant"


def test_two_tabs_never_clobber_each_other(nanoidp: Provider, tmp_path: Any) -> None:
    rp = party(
        nanoidp.issuer,
        kt.ClientSecretBasic(*NANO_BASIC),
        states=kt.SQLiteLoginStates(tmp_path / "logins.db"),
    )
    tab_a, params_a = nano_login(rp)
    tab_b, params_b = nano_login(rp)
    # Completed in the other order, each with its own binding: both succeed.
    assert rp.complete_login(params_b, binding=tab_b.binding).subject == NANO_USER
    assert rp.complete_login(params_a, binding=tab_a.binding).subject == NANO_USER


def test_a_state_is_single_use(nanoidp: Provider) -> None:
    rp = party(nanoidp.issuer, kt.ClientSecretBasic(*NANO_BASIC))
    start, params = nano_login(rp)
    rp.complete_login(params, binding=start.binding)
    with pytest.raises(kt.LoginError) as reused:
        rp.complete_login(params, binding=start.binding)
    assert type(reused.value) is kt.LoginError
    assert reused.value.code == "login_state_invalid"


def test_concurrent_callbacks_with_one_state_have_one_winner(nanoidp: Provider) -> None:
    rp = party(nanoidp.issuer, kt.ClientSecretBasic(*NANO_BASIC))
    start, params = nano_login(rp)
    barrier = threading.Barrier(4)
    outcomes: list[object] = []

    def callback() -> None:
        barrier.wait()
        try:
            outcomes.append(rp.complete_login(params, binding=start.binding))
        except kt.KeyturnError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=callback) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(map(str, outcomes)).count("login_state_invalid") == 3
    assert sum(isinstance(o, kt.Login) for o in outcomes) == 1


def test_oidc_provider_mock_sign_in_without_kid(mock_idp: Provider) -> None:
    rp = party(mock_idp.issuer, kt.ClientSecretBasic("keyturn-app", "any-secret-value"))
    start = rp.start_login()
    params = mock_sign_in(start.url, "bob@example.org")
    login = rp.complete_login(params, binding=start.binding)
    assert login.subject == "bob@example.org"
    assert login.claims["aud"] == ["keyturn-app"]
    info = rp.client.userinfo(login.tokens.access_token, subject=login.subject)
    assert info["email"] == "bob@example.org"


def test_a_provider_error_is_a_login_error_with_its_code(nanoidp: Provider) -> None:
    rp = party(nanoidp.issuer, kt.ClientSecretBasic(*NANO_BASIC))
    start = rp.start_login(extra={"prompt": "login"})
    # nanoidp answers a scope outside its vocabulary with an error redirect carrying the state.
    url = start.url.replace("scope=openid+email", "scope=openid+no-such-scope")
    with httpx.Client() as browser:
        params = callback_params(browser.get(url))
    assert params["error"] == "invalid_scope"
    with pytest.raises(kt.LoginError) as denied:
        rp.complete_login(params, binding=start.binding)
    assert type(denied.value) is kt.LoginError
    assert denied.value.code == "login_denied"
    assert denied.value.provider_code == "invalid_scope"


def test_a_denial_without_state_cannot_be_attributed(mock_idp: Provider) -> None:
    """oidc-provider-mock's "deny" redirects with error=access_denied but no state (RFC 6749
    §4.1.2.1 requires it): no pending login can be named, so it is refused as such."""
    rp = party(mock_idp.issuer, kt.ClientSecretPost("keyturn-app", "any-secret-value"))
    start = rp.start_login()
    params = mock_sign_in(start.url, "bob@example.org", deny=True)
    assert params["error"] == "access_denied"
    assert "state" not in params
    with pytest.raises(kt.LoginError) as denied:
        rp.complete_login(params, binding=start.binding)
    assert type(denied.value) is kt.LoginError
    assert denied.value.code == "login_state_invalid"


@pytest.mark.asyncio
async def test_async_sign_in(mock_idp: Provider) -> None:
    rp = party(mock_idp.issuer, kt.ClientSecretBasic("keyturn-spa", "any-secret-value"))
    start = await rp.astart_login(return_to="/home")
    params = mock_sign_in(start.url, "carol@example.org")
    login = await rp.acomplete_login(params, binding=start.binding)
    assert (login.subject, login.return_to) == ("carol@example.org", "/home")


@pytest.mark.asyncio
async def test_async_refresh_userinfo_and_revocation(nanoidp: Provider) -> None:
    rp = party(nanoidp.issuer, kt.ClientSecretPost(*NANO_POST))
    start, params = nano_login(rp)
    login = await rp.acomplete_login(params, binding=start.binding)
    info = await rp.client.auserinfo(login.tokens.access_token, subject=login.subject)
    assert info["sub"] == NANO_USER
    assert login.tokens.refresh_token is not None
    renewed = await rp.arefresh(login.tokens.refresh_token, subject=login.subject)
    await rp.client.arevoke(renewed.refresh_token or login.tokens.refresh_token)


def test_max_age_asks_for_and_checks_auth_time(nanoidp: Provider) -> None:
    rp = party(nanoidp.issuer, kt.ClientSecretBasic(*NANO_BASIC))
    start = rp.start_login(max_age=300)
    assert dict(parse_qsl(urlsplit(start.url).query))["max_age"] == "300"
    with httpx.Client() as browser:
        params = nanoidp_sign_in(browser, start.url)
    login = rp.complete_login(params, binding=start.binding)
    assert login.claims["auth_time"] >= login.claims["iat"] - 300
