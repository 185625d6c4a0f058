"""API tokens: hashed, shown once, scoped to a role, expiring, revocable; every change in the
ledger with who made it."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from soxtrail.services.users import create_token
from soxtrail.store.database import Database
from soxtrail.store.tables import api_tokens, ledger_entries
from tests.interfaces.server.support import PEOPLE, Store


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def admin_entries(store: Store) -> list[dict[str, object]]:
    db = Database(store.config.store_url)
    with db.read() as conn:
        rows = conn.execute(select(ledger_entries.c.entry).order_by(ledger_entries.c.idx)).scalars()
        entries = [json.loads(r) for r in rows]
    db.dispose()
    return [e for e in entries if e["type"] == "admin"]


def test_a_minted_token_is_shown_once_and_stored_hashed(api: TestClient, store: Store) -> None:
    response = api.post(
        f"/api/v1/users/{PEOPLE['engineer']}/tokens",
        json={"role": "ci", "label": "billing pipeline", "expires_in_days": 7},
        headers=bearer(store.tokens["admin"]),
    )
    assert response.status_code == 201, response.text
    minted = response.json()
    secret = minted["secret"]
    assert secret.startswith("sxt_") and len(secret) > 40
    assert minted["token"]["role"] == "ci" and minted["token"]["user"] == PEOPLE["engineer"]
    db = Database(store.config.store_url)
    with db.read() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == minted["token"]["id"])).one()
    db.dispose()
    assert row.token_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps([str(v) for v in row])
    listing = api.get("/api/v1/users", headers=bearer(store.tokens["admin"])).text
    assert secret not in listing and minted["token"]["id"] in listing
    entry = [e for e in admin_entries(store) if e["action"] == "token.create"][-1]
    assert entry["actor"] == PEOPLE["admin"]
    assert entry["details"]["token"] == minted["token"]["id"]  # type: ignore[index]
    assert secret not in json.dumps(entry)
    me = api.get("/api/v1/me", headers=bearer(secret)).json()
    assert me["role"] == "ci" and me["user"] == PEOPLE["engineer"] and me["via"] == "token"
    assert api.get("/api/v1/overview", headers=bearer(secret)).status_code == 403, (
        "ci reads nothing"
    )


def test_a_token_expires(api: TestClient, store: Store) -> None:
    db = Database(store.config.store_url)
    minted = create_token(
        db,
        user=PEOPLE["auditor"],
        role=None,
        label="short",
        expires_at=store.clock() + timedelta(hours=1),
        actor="test",
        signer=store.state().signer,
        origin=store.config.origin,
        clock=store.clock,
    )
    db.dispose()
    assert api.get("/api/v1/overview", headers=bearer(minted.secret)).status_code == 200
    saved = store.clock.now
    try:
        store.clock.advance(hours=1)
        response = api.get("/api/v1/overview", headers=bearer(minted.secret))
        assert response.status_code == 401
        assert response.json()["error"]["message"] == f"API token {minted.token.id} expired"
        assert response.headers["www-authenticate"] == "Bearer"
    finally:
        store.clock.now = saved


def test_a_revoked_token_stops_at_once(api: TestClient, store: Store) -> None:
    minted = api.post(
        f"/api/v1/users/{PEOPLE['auditor']}/tokens",
        json={"label": "to revoke"},
        headers=bearer(store.tokens["admin"]),
    ).json()
    secret, token_id = minted["secret"], minted["token"]["id"]
    assert api.get("/api/v1/ledger", headers=bearer(secret)).status_code == 200
    other = api.delete(f"/api/v1/tokens/{token_id}", headers=bearer(store.tokens["engineer"]))
    assert other.status_code == 403, "only an admin revokes someone else's token"
    revoked = api.delete(f"/api/v1/tokens/{token_id}", headers=bearer(store.tokens["admin"]))
    assert revoked.status_code == 200 and revoked.json()["token"]["status"] == "revoked"
    response = api.get("/api/v1/ledger", headers=bearer(secret))
    assert response.status_code == 401
    assert response.json()["error"]["message"] == f"API token {token_id} was revoked"
    entry = [e for e in admin_entries(store) if e["action"] == "token.revoke"][-1]
    assert entry["actor"] == PEOPLE["admin"] and entry["details"] == {
        "token": token_id,
        "user": PEOPLE["auditor"],
    }
    assert (
        api.delete(
            "/api/v1/tokens/tok_000000000000", headers=bearer(store.tokens["admin"])
        ).status_code
        == 404
    )


def test_a_token_may_revoke_itself(api: TestClient, store: Store) -> None:
    minted = api.post(
        f"/api/v1/users/{PEOPLE['approver']}/tokens", json={}, headers=bearer(store.tokens["admin"])
    ).json()
    assert (
        api.delete(
            f"/api/v1/tokens/{minted['token']['id']}", headers=bearer(minted["secret"])
        ).status_code
        == 200
    )
    assert api.get("/api/v1/me", headers=bearer(minted["secret"])).status_code == 401


def test_a_token_role_never_exceeds_its_user(api: TestClient, store: Store) -> None:
    response = api.post(
        f"/api/v1/users/{PEOPLE['auditor']}/tokens",
        json={"role": "admin"},
        headers=bearer(store.tokens["admin"]),
    )
    assert response.status_code == 400
    assert "a auditor user cannot hold a admin token" in response.json()["error"]["message"]


def test_a_disabled_user_loses_every_token(api: TestClient, store: Store) -> None:
    name = "leaver@acme.example"
    assert (
        api.post(
            "/api/v1/users",
            json={"name": name, "role": "engineer"},
            headers=bearer(store.tokens["admin"]),
        ).status_code
        == 201
    )
    secret = api.post(
        f"/api/v1/users/{name}/tokens", json={}, headers=bearer(store.tokens["admin"])
    ).json()["secret"]
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    from soxtrail.services.users import set_active

    db = Database(store.config.store_url)
    set_active(
        db,
        name,
        False,
        actor=PEOPLE["admin"],
        signer=store.state().signer,
        origin=store.config.origin,
        clock=store.clock,
    )
    db.dispose()
    response = api.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 401 and "disabled" in response.json()["error"]["message"]


def test_every_user_and_token_change_is_an_admin_entry(store: Store) -> None:
    entries = admin_entries(store)
    actions = [e["action"] for e in entries]
    assert actions.count("user.add") >= len(PEOPLE)
    assert all(e["actor"] and e["at"] for e in entries)
    added = {
        e["details"]["user"]: e["details"]["role"] for e in entries if e["action"] == "user.add"
    }  # type: ignore[index]
    assert all(added[name] == role for role, name in PEOPLE.items())
