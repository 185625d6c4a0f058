"""Access review campaigns end to end (AC-03) on a real store, SQLite and PostgreSQL.

Identity snapshots go through the real adapters: Okta group members (Management API v1 User
objects, read with the `group` hint), GitHub repository collaborators (REST) and the HR roster
CSV. The corpus holds none of these formats, so the documents are built field by field from
the vendors' public API documentation by `tests/access_workspace.py` (which says which fields
come from where). Campaign steps go through the service; AC-03 through `evaluate_period` and
real OPA.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from soxtrail.domain.period import parse_period
from soxtrail.domain.results import Result
from soxtrail.policy.engine import Engine, make_engine
from soxtrail.policy.library import Library, load_library
from soxtrail.services import access_review as service
from soxtrail.services.ledger import verify
from soxtrail.services.period import evaluate_period
from soxtrail.services.report import write_pack
from soxtrail.services.report.verify import verify_bundle
from soxtrail.store.control_runs import iter_results
from soxtrail.store.evidence import get_record
from tests.access_review_support import (
    AFTER_Q3,
    ALICE,
    ALICE_GH,
    AUGUST,
    BOB,
    STARTED,
    SVC,
    build_workspace,
    ingest_members,
)
from tests.access_workspace import AccessWorkspace, okta_user
from tests.interfaces.server.support import SettableClock


@pytest.fixture
def ws(tmp_path: Path, db_url: str) -> Iterator[AccessWorkspace]:
    """The workspace on each engine (SQLite and PostgreSQL, the `db_url` fixture)."""
    workspace = build_workspace(tmp_path / "ws", db_url=db_url)
    yield workspace
    workspace.close()


@pytest.fixture(scope="module")
def policy() -> tuple[Library, Engine]:
    library = load_library()
    return library, make_engine(library, "opa")


def start(ws: AccessWorkspace, clock: SettableClock) -> service.Campaign:
    return service.start_campaign(
        ws.db,
        ws.config,
        period="2026-Q3",
        system_name="billing",
        actor="dave@acme.example",
        signer=ws.signer,
        clock=clock,
    )


def decide(
    ws: AccessWorkspace,
    clock: SettableClock,
    campaign: service.Campaign,
    account: str,
    decision: str,
    by: str,
) -> service.Campaign:
    clock.advance(hours=1)
    return service.decide_account(
        ws.db,
        ws.config,
        campaign.id,
        account,
        decision=decision,
        reason=f"{decision}: checked against the billing team list",
        reviewer=by,
        signer=ws.signer,
        clock=clock,
    )


def decide_all(
    ws: AccessWorkspace, clock: SettableClock, campaign: service.Campaign, bob: str
) -> None:
    decide(ws, clock, campaign, ALICE, "keep", "carol@acme.example")
    decide(ws, clock, campaign, ALICE_GH, "modify", "carol@acme.example")
    decide(ws, clock, campaign, SVC, "keep", "carol@acme.example")
    decide(ws, clock, campaign, BOB, bob, "dave@acme.example")


def ac03(ws: AccessWorkspace, policy: tuple[Library, Engine]) -> tuple[Result, list[str]]:
    library, engine = policy
    [summary] = evaluate_period(
        ws.db,
        ws.config,
        library,
        engine,
        period=parse_period("2026-Q3"),
        system_name="billing",
        clock=lambda: AFTER_Q3,
        signer=ws.signer,
    )
    with ws.db.read() as conn:
        [result] = list(iter_results(conn, summary.run_id, control_id="AC-03"))
    assert result.subject == "billing:2026-Q3"
    return result.result, list(result.reasons)


def test_the_campaign_lists_every_account_with_access_and_its_reviewer(ws: AccessWorkspace) -> None:
    campaign = start(ws, SettableClock(STARTED))
    reviewers = {a.account: (a.reviewer, a.reviewer_basis) for a in campaign.accounts}
    assert reviewers == {
        ALICE: ("carol@acme.example", "manager"),
        ALICE_GH: ("carol@acme.example", "manager"),  # [identities] maps alice-gh to alice
        BOB: ("dave@acme.example", "manager"),
        SVC: ("carol@acme.example", "owner"),  # a service account has no manager
    }
    assert campaign.status == "open" and campaign.period == "2026-Q3"


def test_an_undecided_account_keeps_the_campaign_open_and_ac03_fails(
    ws: AccessWorkspace, policy: tuple[Library, Engine]
) -> None:
    clock = SettableClock(STARTED)
    campaign = start(ws, clock)
    decide(ws, clock, campaign, ALICE, "keep", "carol@acme.example")
    decide(ws, clock, campaign, ALICE_GH, "keep", "carol@acme.example")
    decide(ws, clock, campaign, SVC, "keep", "carol@acme.example")
    with pytest.raises(
        service.CampaignStateError, match=r"cannot close: 1 account\(s\) undecided \(okta:bob"
    ):
        service.close_campaign(
            ws.db, ws.config, campaign.id, actor="dave@acme.example", signer=ws.signer, clock=clock
        )
    result, reasons = ac03(ws, policy)
    assert result is Result.FAIL
    assert reasons == [
        f"campaign {campaign.id} was not closed (1 of 4 accounts undecided)",
        f"okta:bob@acme.example (reviewer dave@acme.example) was not decided in {campaign.id}",
    ]


def test_a_completed_campaign_whose_revocation_was_carried_out_passes(
    ws: AccessWorkspace, policy: tuple[Library, Engine]
) -> None:
    clock = SettableClock(STARTED)
    campaign = start(ws, clock)
    decide_all(ws, clock, campaign, bob="revoke")
    clock.advance(days=1)
    closed = service.close_campaign(
        ws.db, ws.config, campaign.id, actor="dave@acme.example", signer=ws.signer, clock=clock
    )
    assert closed.closed and closed.closed_by == "dave@acme.example"
    ingest_members(ws, AUGUST, ["alice@acme.example", "svc-billing@acme.example"], "august")
    result, reasons = ac03(ws, policy)
    assert result is Result.PASS, reasons
    summary = (
        f"campaign {campaign.id} reviewed 4 accounts (keep 2, modify 1, revoke 1); "
        "closed 2026-07-11 13:00 UTC by dave@acme.example"
    )
    assert reasons == [summary]


def test_a_revoked_account_still_active_after_the_grace_period_fails(
    ws: AccessWorkspace, policy: tuple[Library, Engine]
) -> None:
    clock = SettableClock(STARTED)
    campaign = start(ws, clock)
    decide_all(ws, clock, campaign, bob="revoke")
    service.close_campaign(
        ws.db, ws.config, campaign.id, actor="dave@acme.example", signer=ws.signer, clock=clock
    )
    ingest_members(
        ws, AUGUST, ["alice@acme.example", "bob@acme.example", "svc-billing@acme.example"], "august"
    )
    result, reasons = ac03(ws, policy)
    assert result is Result.FAIL
    still = (
        "okta:bob@acme.example was revoked on 2026-07-10 13:00 UTC but still had access on "
        "2026-08-01 00:00 UTC"
    )
    assert reasons == [still]


def test_a_quarter_without_a_campaign_fails_once_it_is_over(
    ws: AccessWorkspace, policy: tuple[Library, Engine]
) -> None:
    result, reasons = ac03(ws, policy)
    assert result is Result.FAIL
    assert reasons == ["no access review campaign of billing for 2026-Q3"]


@pytest.mark.parametrize(
    ("account", "by", "error", "message"),
    [
        pytest.param(
            ALICE,
            "alice@acme.example",
            service.SelfReviewError,
            "cannot decide on their own account",
            id="own-account",
        ),
        pytest.param(
            ALICE_GH,
            "alice-gh",
            service.SelfReviewError,
            "cannot decide on their own account",
            id="own-account-other-spelling",
        ),
        pytest.param(
            BOB,
            "carol@acme.example",
            service.NotReviewerError,
            "assigned to dave@acme.example",
            id="not-the-reviewer",
        ),
    ],
)
def test_nobody_decides_their_own_account_or_one_assigned_to_someone_else(
    ws: AccessWorkspace, account: str, by: str, error: type[Exception], message: str
) -> None:
    clock = SettableClock(STARTED)
    campaign = start(ws, clock)
    with pytest.raises(error, match=message):
        decide(ws, clock, campaign, account, "keep", by)
    with ws.db.read() as conn:
        assert service.get_campaign(conn, campaign.id).decisions == {}


def test_every_step_is_an_evidence_record_in_the_ledger(ws: AccessWorkspace) -> None:
    clock = SettableClock(STARTED)
    campaign = start(ws, clock)
    decide_all(ws, clock, campaign, bob="keep")
    closed = service.close_campaign(
        ws.db, ws.config, campaign.id, actor="dave@acme.example", signer=ws.signer, clock=clock
    )
    assert len(closed.evidence) == 6  # start, four decisions, close
    with ws.db.read() as conn:
        for record_id in closed.evidence:
            stored = get_record(conn, record_id)
            assert stored.ledger_index is not None and stored.evidence.kind == "access_review"
    with pytest.raises(service.CampaignStateError, match="is closed"):
        decide(ws, clock, closed, BOB, "revoke", "dave@acme.example")
    report = verify(ws.db, [ws.signer.verifier()], ws.config.origin)
    assert report.ok, report


def test_a_second_open_campaign_for_the_same_quarter_is_refused(ws: AccessWorkspace) -> None:
    clock = SettableClock(STARTED)
    first = start(ws, clock)
    clock.advance(minutes=5)
    with pytest.raises(
        service.CampaignStateError, match=f"{first.id} for billing 2026-Q3 is still open"
    ):
        start(ws, clock)


def test_the_evidence_pack_shows_the_campaign_and_verifies_offline(
    ws: AccessWorkspace, policy: tuple[Library, Engine], tmp_path: Path
) -> None:
    import openpyxl

    clock = SettableClock(STARTED)
    campaign = start(ws, clock)
    decide_all(ws, clock, campaign, bob="revoke")
    service.close_campaign(
        ws.db, ws.config, campaign.id, actor="dave@acme.example", signer=ws.signer, clock=clock
    )
    ingest_members(ws, AUGUST, ["alice@acme.example", "svc-billing@acme.example"], "august")
    assert ac03(ws, policy)[0] is Result.PASS
    library, engine = policy
    summary = write_pack(
        ws.db,
        ws.config,
        library,
        engine,
        period_label="2026-Q3",
        out=tmp_path / "pack",
        now=AFTER_Q3,
        signer=ws.signer,
        bundle=True,
        seed="auditor",
    )
    assert summary.discrepancies == [] and summary.bundle is not None
    with zipfile.ZipFile(summary.bundle) as archive:
        report = json.loads(archive.read("report/report.json"))
        html = archive.read("report/report.html").decode()
        workbook = openpyxl.load_workbook(io.BytesIO(archive.read("report/report.xlsx")))
        bundled = set(archive.namelist())
    [shown] = report["access_reviews"]
    assert (shown["id"], shown["status"], shown["closed_by"]) == (
        campaign.id,
        "closed",
        "dave@acme.example",
    )
    bob = next(a for a in shown["accounts"] if a["account"] == BOB)
    assert (bob["decision"], bob["decided_by"]) == ("revoke", "dave@acme.example")
    assert bob["revocation"]["snapshots"][-1]["has_access"] is False
    assert f"{campaign.id} · billing · 2026-Q3 · closed" in html
    rows = list(workbook["Access reviews"].iter_rows(values_only=True))
    assert len(rows) == 1 + 4 and ("okta:bob@acme.example", "bob@acme.example") in {
        (r[7], r[8]) for r in rows
    }
    # The campaign's records travel in the bundle, with their inclusion proofs.
    assert all(any(e in name for name in bundled) for e in shown["evidence"])
    result = verify_bundle(summary.bundle, [ws.signer.verifier_key()])
    assert result.ok, result.failures


def test_a_revocation_carried_out_by_suspending_the_account_passes(
    ws: AccessWorkspace, policy: tuple[Library, Engine]
) -> None:
    clock = SettableClock(STARTED)
    campaign = start(ws, clock)
    decide_all(ws, clock, campaign, bob="revoke")
    service.close_campaign(
        ws.db, ws.config, campaign.id, actor="dave@acme.example", signer=ws.signer, clock=clock
    )
    users = [
        okta_user("00u1alice", "alice@acme.example"),
        okta_user("00u1bob", "bob@acme.example", "SUSPENDED"),  # still in the group
        okta_user("00u1svc-billing", "svc-billing@acme.example"),
    ]
    path = ws.write("okta_billing_users_august.json", users)
    ws.ingest("okta", path, as_of=AUGUST, group="Billing-Users")
    result, reasons = ac03(ws, policy)
    assert result is Result.PASS, reasons
