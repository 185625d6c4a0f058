"""The access review API over a real store: who may start, decide and close, and the error
envelope of each refusal (separation of duties, another reviewer's account, undecided
accounts, a closed campaign)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from soxtrail.interfaces.server.app import create_app
from soxtrail.interfaces.server.state import ServerState
from tests.access_review_support import (
    ALICE,
    ALICE_GH,
    BOB,
    STARTED,
    SVC,
    add_users,
    build_workspace,
)
from tests.interfaces.server.support import ENVIRON, SettableClock

DAVE, CAROL, ALICE_P, BOB_P = (
    "dave@acme.example",
    "carol@acme.example",
    "alice@acme.example",
    "bob@acme.example",
)


class Api:
    def __init__(self, client: TestClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def call(self, who: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.request(
            method,
            f"/api/v1{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
        )

    def decide(self, who: str, campaign: str, account: str, decision: str = "keep") -> Any:
        body = {"account": account, "decision": decision, "reason": "checked with the team lead"}
        return self.call(who, "POST", f"/access-reviews/{campaign}/decisions", body)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    ws = build_workspace(tmp_path / "ws")
    clock = SettableClock(STARTED)
    tokens = add_users(ws, clock)
    ws.close()
    state = ServerState(ws.config, clock=clock, environ=dict(ENVIRON))
    with TestClient(create_app(state), raise_server_exceptions=False) as client:
        yield Api(client, tokens)


def error(response: Any) -> tuple[int, str, str]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["message"]


def start(api: Api) -> str:
    response = api.call(DAVE, "POST", "/access-reviews", {"period": "2026-Q3", "system": "billing"})
    assert response.status_code == 201, response.text
    return str(response.json()["campaign"]["id"])


def test_a_campaign_through_the_api(api: Api) -> None:
    campaign = start(api)
    listed = api.call(BOB_P, "GET", "/access-reviews").json()
    assert [(c["id"], c["status"], c["counts"]["undecided"]) for c in listed["campaigns"]] == [
        (campaign, "open", 4)
    ]
    assert api.decide(CAROL, campaign, ALICE).status_code == 201
    assert api.decide(CAROL, campaign, ALICE_GH, "modify").status_code == 201
    assert api.decide(CAROL, campaign, SVC).status_code == 201

    status, code, message = error(api.call(DAVE, "POST", f"/access-reviews/{campaign}/close"))
    assert (status, code) == (409, "conflict") and "1 account(s) undecided" in message

    revoked = api.decide(DAVE, campaign, BOB, "revoke")
    assert revoked.status_code == 201, revoked.text
    closed = api.call(DAVE, "POST", f"/access-reviews/{campaign}/close")
    assert closed.status_code == 200 and closed.json()["campaign"]["status"] == "closed"

    shown = api.call(BOB_P, "GET", f"/access-reviews/{campaign}").json()["campaign"]
    decisions = {a["account"]: (a["decision"], a["decided_by"]) for a in shown["accounts"]}
    assert decisions == {
        ALICE: ("keep", CAROL),
        ALICE_GH: ("modify", CAROL),
        SVC: ("keep", CAROL),
        BOB: ("revoke", DAVE),
    }
    assert len(shown["evidence"]) == 6

    status, code, _ = error(api.decide(DAVE, campaign, BOB, "keep"))
    assert (status, code) == (409, "conflict")


@pytest.mark.parametrize(
    ("who", "account", "status", "code", "message"),
    [
        pytest.param(ALICE_P, ALICE, 403, "separation_of_duties", "their own account", id="own"),
        pytest.param(
            ALICE_P,
            ALICE_GH,
            403,
            "separation_of_duties",
            "their own account",
            id="own-github-spelling",
        ),
        pytest.param(
            CAROL,
            BOB,
            403,
            "forbidden",
            "assigned to dave@acme.example",
            id="another-reviewers-account",
        ),
        pytest.param(BOB_P, BOB, 403, "forbidden", "auditor role may not", id="auditor"),
        pytest.param(CAROL, "okta:mallory", 404, "not_found", "no account", id="unknown-account"),
    ],
)
def test_refused_decisions(
    api: Api, who: str, account: str, status: int, code: str, message: str
) -> None:
    campaign = start(api)
    assert error(api.decide(who, campaign, account))[:2] == (status, code)
    assert message in error(api.decide(who, campaign, account))[2]
    shown = api.call(DAVE, "GET", f"/access-reviews/{campaign}").json()["campaign"]
    assert shown["counts"]["undecided"] == 4


def test_a_decision_needs_a_reason_and_a_known_decision(api: Api) -> None:
    campaign = start(api)
    path = f"/access-reviews/{campaign}/decisions"
    blank = api.call(CAROL, "POST", path, {"account": ALICE, "decision": "keep", "reason": " "})
    assert error(blank)[:2] == (400, "usage")
    odd = api.call(CAROL, "POST", path, {"account": ALICE, "decision": "approve", "reason": "r"})
    assert error(odd)[:2] == (400, "usage")


def test_only_admins_and_compliance_start_and_close(api: Api) -> None:
    body = {"period": "2026-Q3", "system": "billing"}
    assert error(api.call(CAROL, "POST", "/access-reviews", body))[:2] == (403, "forbidden")
    campaign = start(api)
    assert error(api.call(CAROL, "POST", f"/access-reviews/{campaign}/close"))[:2] == (
        403,
        "forbidden",
    )


def test_the_page_form_refuses_a_post_without_the_sessions_csrf_token(api: Api) -> None:
    campaign = start(api)
    response = api.client.post(
        f"/access-reviews/{campaign}/decide",
        data={"account": ALICE, "decision": "keep", "reason": "r", "csrf": "forged"},
        headers={"Authorization": f"Bearer {api.tokens[CAROL]}"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    shown = api.call(CAROL, "GET", f"/access-reviews/{campaign}").json()["campaign"]
    assert shown["counts"]["undecided"] == 4
