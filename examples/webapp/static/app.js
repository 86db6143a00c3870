// The page's whole use of keyturn. The access token lives in this closure only: never in
// localStorage, sessionStorage or a readable cookie, so a reload forgets it and the refresh
// cookie (HttpOnly: this script cannot read it) brings a new one.
"use strict";
(() => {
  let accessToken = null;

  // The double-submit CSRF token: the one cookie this script can read, echoed in a header.
  function csrfToken() {
    const entry = document.cookie.split("; ").find((c) => c.startsWith("__Host-keyturn_csrf="));
    return entry ? entry.slice(entry.indexOf("=") + 1) : "";
  }

  function post(path) {
    return fetch(path, { method: "POST", headers: { "X-CSRF-Token": csrfToken() } });
  }

  // Trade the refresh cookie for an access token (the server rotates the cookie too). Returns
  // null on success, else the refusal's error: "invalid_grant" means the family is dead (logged
  // out elsewhere, or revoked by a replay), "invalid_request" that there was no refresh cookie.
  async function refresh() {
    const response = await post("/auth/refresh");
    const body = await response.json();
    accessToken = response.ok ? body.access_token : null;
    return response.ok ? null : body.error;
  }

  // An API call with the token; on 401 refresh once, silently, and try again.
  async function api(path) {
    const call = () => fetch(path, { headers: { Authorization: `Bearer ${accessToken}` } });
    let response = await call();
    if (response.status === 401) {
      if ((await refresh()) !== null) {
        await signedOut();
        return null;
      }
      response = await call();
    }
    return response.ok ? response.json() : null;
  }

  function show(signedIn, status) {
    document.getElementById("status").textContent = status;
    document.getElementById("sign-in").hidden = signedIn;
    document.getElementById("signed-in").hidden = !signedIn;
  }

  // The refresh family is gone (logged out elsewhere, or a replayed refresh token revoked it):
  // end this browser's session as well and show the sign-in form.
  async function signedOut() {
    accessToken = null;
    await post("/auth/session/logout");
    document.getElementById("api-result").textContent = "";
    show(false, "signed out");
  }

  async function showUser() {
    const me = await api("/api/me");
    if (me !== null) {
      show(true, `signed in as ${me.user}`);
    } else if (accessToken !== null) {
      // Signed in, but the API refused even a fresh token (or is down): say so, never hang.
      show(true, "the API is unavailable; reload to try again");
    }
  }

  async function logout() {
    await post("/auth/logout");
    await signedOut();
  }

  async function logoutEverywhere() {
    await post("/auth/session/logout-all");
    await signedOut();
  }

  async function callApi() {
    const me = await api("/api/me");
    if (me !== null) {
      document.getElementById("api-result").textContent = JSON.stringify(me);
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    document.getElementById("call-api").addEventListener("click", callApi);
    document.getElementById("logout").addEventListener("click", logout);
    document.getElementById("logout-all").addEventListener("click", logoutEverywhere);
    const refused = await refresh();
    if (refused === null) {
      await showUser();
    } else if (refused === "invalid_grant") {
      await signedOut(); // the family died while the page was closed: end the session too
    } else {
      show(false, "signed out");
    }
  });
})();
