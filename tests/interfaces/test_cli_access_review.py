"""`soxtrail access-review` as a user runs it: a real subprocess over a real store, with the
exit codes of DESIGN §6 (0 done, 2 refused: bad usage, self-review, undecided accounts).

The identity snapshots are ingested through the real adapters; the documents are built from
the vendors' public API documentation (see tests/access_workspace.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.access_review_support import ALICE, ALICE_GH, BOB, SVC, build_workspace
from tests.access_workspace import AccessWorkspace
from tests.interfaces.test_cli_contract import soxtrail


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[AccessWorkspace]:
    workspace = build_workspace(tmp_path / "ws")
    workspace.close()  # the CLI opens the store itself
    yield workspace


def run(ws: AccessWorkspace, *args: str) -> tuple[int, Any, str]:
    result = soxtrail(
        "--config", str(ws.root / "soxtrail.toml"), "access-review", *args, cwd=ws.root
    )
    document = json.loads(result.stdout) if result.stdout.startswith("{") else result.stdout
    return result.returncode, document, result.stderr


def test_a_campaign_from_start_to_close_with_its_refusals(ws: AccessWorkspace) -> None:
    code, started, err = run(
        ws,
        "start",
        "--period",
        "2026-Q3",
        "--system",
        "billing",
        "--actor",
        "dave@acme.example",
        "--format",
        "json",
    )
    assert code == 0, err
    campaign = started["campaign"]["id"]
    assert started["schema"] == 1 and started["campaign"]["counts"]["undecided"] == 4

    code, _, err = run(
        ws, "decide", campaign, ALICE, "keep", "--reason", "mine", "--by", "alice@acme.example"
    )
    assert code == 2 and "cannot decide on their own account" in err

    code, _, err = run(ws, "close", campaign, "--actor", "dave@acme.example")
    assert code == 2 and "cannot close: 4 account(s) undecided" in err

    for account, decision, by in [
        (ALICE, "keep", "carol@acme.example"),
        (ALICE_GH, "modify", "carol@acme.example"),
        (SVC, "keep", "carol@acme.example"),
        (BOB, "revoke", "dave@acme.example"),
    ]:
        code, _, err = run(
            ws, "decide", campaign, account, decision, "--reason", "quarterly check", "--by", by
        )
        assert code == 0, err

    code, shown, err = run(ws, "show", campaign, "--format", "json")
    assert code == 0, err
    bob = next(a for a in shown["campaign"]["accounts"] if a["account"] == BOB)
    assert (bob["decision"], bob["decided_by"], bob["reason"]) == (
        "revoke",
        "dave@acme.example",
        "quarterly check",
    )
    assert bob["revocation"] == {"snapshots": []}  # no snapshot since the decision yet

    code, text, err = run(ws, "show", campaign)
    assert code == 0, err
    assert "okta:bob@acme.example" in text and "revoke" in text

    code, closed, err = run(
        ws, "close", campaign, "--actor", "dave@acme.example", "--format", "json"
    )
    assert code == 0, err
    assert (
        closed["campaign"]["status"] == "closed"
        and closed["campaign"]["closed_by"] == "dave@acme.example"
    )

    code, listed, err = run(ws, "list", "--format", "json")
    assert code == 0, err
    assert [(c["id"], c["status"]) for c in listed["campaigns"]] == [(campaign, "closed")]
    assert "accounts" not in listed["campaigns"][0]

    code, _, err = run(
        ws,
        "decide",
        campaign,
        BOB,
        "keep",
        "--reason",
        "changed my mind",
        "--by",
        "dave@acme.example",
    )
    assert code == 2 and "is closed" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ("start", "--period", "2026-07", "--system", "billing", "--actor", "d"),
            "covers one quarter",
            id="not-a-quarter",
        ),
        pytest.param(
            ("start", "--period", "2026-Q3", "--system", "payroll", "--actor", "d"),
            "no system 'payroll'",
            id="unknown-system",
        ),
        pytest.param(("show", "AR-0000000000"), "no access review campaign", id="unknown-campaign"),
        pytest.param(
            ("start", "--period", "2026-Q3", "--system", "billing"),
            "say who you are",
            id="no-actor",
        ),
    ],
)
def test_bad_usage_exits_2(ws: AccessWorkspace, args: tuple[str, ...], message: str) -> None:
    code, _, err = run(ws, *args)
    assert code == 2 and message in err, err
