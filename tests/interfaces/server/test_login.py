"""Signing in: local passwords (Argon2), sessions and CSRF, and OIDC single sign-on (code flow
with PKCE) against a fake provider that speaks the real protocol on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from fastapi.testclient import TestClient

from soxtrail.config import load_config
from soxtrail.interfaces.server.app import create_app
from soxtrail.interfaces.server.state import ServerState
from tests.interfaces.server.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOidcProvider
from tests.interfaces.server.support import ENVIRON, PASSWORD, PEOPLE, Store


def csrf_of(page: str) -> str:
    marker = 'name="csrf" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def sign_in(
    client: TestClient, user: str, password: str = PASSWORD, next_: str = "/"
) -> httpx2.Response:
    page = client.get("/login").text
    return client.post(
        "/login",
        data={"username": user, "password": password, "next": next_, "csrf": csrf_of(page)},
        follow_redirects=False,
    )


@pytest.fixture
def browser(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store.state())) as client:
        yield client


def test_a_page_sends_anonymous_visitors_to_sign_in(browser: TestClient) -> None:
    response = browser.get("/controls?period=demo", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcontrols%3Fperiod%3Ddemo"


def test_password_sign_in_and_out(browser: TestClient) -> None:
    response = sign_in(browser, PEOPLE["approver"], next_="/waivers")
    assert response.status_code == 303 and response.headers["location"] == "/waivers"
    assert "set-cookie" in response.headers and "httponly" in response.headers["set-cookie"].lower()
    me = browser.get("/api/v1/me").json()
    assert me["user"] == PEOPLE["approver"] and me["via"] == "session"
    page = browser.get("/").text
    assert "Sign out" in page
    out = browser.post("/logout", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert out.status_code == 303
    assert browser.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    ("user", "password"),
    [
        pytest.param(PEOPLE["approver"], "wrong password!!", id="wrong-password"),
        pytest.param("nobody@acme.example", PASSWORD, id="unknown-user"),
    ],
)
def test_a_wrong_password_is_refused(browser: TestClient, user: str, password: str) -> None:
    response = sign_in(browser, user, password)
    assert response.status_code == 401
    assert "Wrong user name or password." in response.text
    assert browser.get("/api/v1/me").status_code == 401


def test_a_form_without_the_csrf_token_is_refused(browser: TestClient) -> None:
    browser.get("/login")
    response = browser.post(
        "/login", data={"username": PEOPLE["approver"], "password": PASSWORD, "csrf": "forged"}
    )
    assert response.status_code == 403
    assert browser.get("/api/v1/me").status_code == 401


def test_sign_in_never_redirects_off_site(browser: TestClient) -> None:
    response = sign_in(browser, PEOPLE["auditor"], next_="//evil.example/x")
    assert response.headers["location"] == "/"


def test_a_session_user_may_mint_their_own_narrower_token(browser: TestClient) -> None:
    sign_in(browser, PEOPLE["engineer"])
    minted = browser.post(f"/api/v1/users/{PEOPLE['engineer']}/tokens", json={"role": "ci"})
    assert minted.status_code == 201, minted.text
    wider = browser.post(f"/api/v1/users/{PEOPLE['engineer']}/tokens", json={"role": "approver"})
    assert wider.status_code == 400
    someone_else = browser.post(f"/api/v1/users/{PEOPLE['auditor']}/tokens", json={})
    assert someone_else.status_code == 403


@pytest.fixture
def sso(store: Store) -> Iterator[tuple[FakeOidcProvider, TestClient]]:
    with FakeOidcProvider() as provider:
        text = (store.root / "soxtrail.toml").read_text() + (
            "\n[server]\n"
            'public_url = "http://testserver"\n'
            f'oidc_issuer = "{provider.issuer}"\n'
            f'oidc_client_id = "{CLIENT_ID}"\n'
            'oidc_client_secret_env = "TEST_OIDC_SECRET"\n'
        )
        path = store.root / "soxtrail-sso.toml"
        path.write_text(text)
        config = load_config(path, explicit=True, db_url=None)
        state = ServerState(
            config, clock=store.clock, environ={**ENVIRON, "TEST_OIDC_SECRET": CLIENT_SECRET}
        )
        with TestClient(create_app(state)) as client:
            yield provider, client
        state.close()


def _sso_round_trip(
    provider: FakeOidcProvider, client: TestClient, next_: str = "/"
) -> httpx2.Response:
    start = client.get(f"/login/sso?next={next_}", follow_redirects=False)
    assert start.status_code == 302
    authorize = start.headers["location"]
    assert authorize.startswith(f"{provider.issuer}/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["redirect_uri"] == ["http://testserver/auth/callback"]
    back = httpx2.get(authorize, follow_redirects=False)  # the browser at the IdP
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    return client.get(f"{callback.path}?{callback.query}", follow_redirects=False)


def test_sso_signs_in_a_provisioned_user(sso: tuple[FakeOidcProvider, TestClient]) -> None:
    provider, client = sso
    login_page = client.get("/login").text
    assert "Sign in with single sign-on" in login_page
    provider.next_user = {"sub": "okta|carol", "email": PEOPLE["approver"], "email_verified": True}
    response = _sso_round_trip(provider, client, "/waivers")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/waivers"
    me = client.get("/api/v1/me").json()
    assert me["user"] == PEOPLE["approver"] and me["role"] == "approver"
    assert provider.token_requests[-1]["code_verifier"], (
        "the code was exchanged with the PKCE verifier"
    )


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param(
            {"sub": "x", "email": "stranger@acme.example", "email_verified": True},
            id="not-provisioned",
        ),
        pytest.param(
            {"sub": "x", "email": PEOPLE["admin"], "email_verified": False}, id="unverified-email"
        ),
        pytest.param({"sub": "x"}, id="no-email"),
    ],
)
def test_sso_refuses_who_is_not_a_user(
    sso: tuple[FakeOidcProvider, TestClient], claims: dict[str, object]
) -> None:
    provider, client = sso
    provider.next_user = claims
    response = _sso_round_trip(provider, client)
    assert response.status_code == 403
    assert "not a soxtrail user" in response.text
    assert client.get("/api/v1/me").status_code == 401


def test_sso_refuses_an_id_token_signed_by_another_key(
    sso: tuple[FakeOidcProvider, TestClient],
) -> None:
    from joserfc import jwk

    provider, client = sso
    provider.next_user = {"sub": "x", "email": PEOPLE["admin"], "email_verified": True}
    provider.key = jwk.RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
    assert provider.key is not provider.published
    response = _sso_round_trip(provider, client)
    assert response.status_code == 401
    assert "Single sign-on failed" in response.text
    assert client.get("/api/v1/me").status_code == 401
