"""The ServiceNow adapter. The corpus has no ServiceNow record under a usable licence, so every
input here is a BUILT fixture (tests/fixtures/servicenow/, see its README.md): written field by
field from ServiceNow's public Table API, change management and approval documentation, not
collected from an instance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.facts import TicketFacts
from soxtrail.domain.instants import format_instant
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document
from soxtrail.sources.servicenow import ADAPTER
from tests.helpers import CORPUS, FIXTURES, parse_file, records_of

BETH = "5137153cc611227c000bbd1bd8cd2005"
DAVID = "46d44a23a9fe19810012d100cca80666"


def fixture(name: str) -> Path:
    path = FIXTURES / "servicenow" / name
    assert path.exists(), name
    return path


def _when(value: Any) -> str | None:
    return None if value is None else format_instant(value)


def _approvals(facts: TicketFacts) -> list[tuple[str | None, str, str | None]]:
    return [(a.approver, a.state, _when(a.at)) for a in facts.approvals]


# locator, key, occurred_at, actor, type, status, approval, summary, reporter, assignee,
# requested_by, priority, created, updated, planned start, planned end, emergency, approvals
CHANGES = [
    pytest.param(
        "change_request.normal_closed.json",
        [(
            "/result", "CHG0030001", "2024-01-16T10:12:40.000000Z", "david.loo", "normal",
            "Closed", "approved", "Upgrade billing-api to 2.4.0", BETH, DAVID, BETH, "3",
            "2024-01-15T10:30:00.000000Z", "2024-01-16T10:12:40.000000Z",
            "2024-01-16T09:00:00.000000Z", "2024-01-16T10:00:00.000000Z", False,
            [(None, "approved", "2024-01-15T11:02:17.000000Z")],
        )],
        id="single-actual-values-references-as-link-value",
    ),
    pytest.param(
        "change_request.list_display_all.json",
        [
            (
                "/result/0", "CHG0030002", "2024-02-03T03:20:09.000000Z", "david.loo",
                "emergency", "Implement", "requested",
                "Hotfix: ledger rounding error in invoice totals", "Beth Anglin", "David Loo",
                "Beth Anglin", "1 - Critical", "2024-02-03T02:58:41.000000Z",
                "2024-02-03T03:20:09.000000Z", "2024-02-03T03:15:00.000000Z",
                "2024-02-03T04:15:00.000000Z", True, [],
            ),
            (
                "/result/1", "CHG0030003", "2024-02-05T09:00:00.000000Z", "system", "standard",
                "Scheduled", "approved", "Rotate TLS certificate on api gateway", "Fred Luddy",
                None, "Fred Luddy", "4 - Low", "2024-02-05T09:00:00.000000Z",
                "2024-02-05T09:00:00.000000Z", "2024-02-06T22:00:00.000000Z",
                "2024-02-06T23:00:00.000000Z", False,
                [(None, "approved", "2024-02-05T09:00:00.000000Z")],
            ),
        ],
        id="list-display-all-dates-from-utc-values",
    ),
    pytest.param(
        "change_request.display_true_utc_user.json",
        [(
            "/result/0", "CHG0030004", "2024-03-01T23:05:48.000000Z", "david.loo", "emergency",
            "Closed", "not requested", "Roll back payments-worker 1.9.2", "Beth Anglin",
            "David Loo", "Beth Anglin", "2 - High", "2024-03-01T22:21:05.000000Z",
            "2024-03-01T23:05:48.000000Z", "2024-03-01T22:30:00.000000Z",
            "2024-03-01T23:00:00.000000Z", True, [],
        )],
        id="display-true-labels-and-names",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "expected"), CHANGES)
def test_change_requests(name: str, expected: list[Any]) -> None:
    [parsed] = parse_file(ADAPTER, fixture(name))
    assert parsed.ignored is None
    got = []
    for record in parsed.records:
        facts = record.facts
        assert isinstance(facts, TicketFacts)
        assert (record.kind, record.source, facts.tracker) == (
            Kind.TICKET,
            "servicenow",
            "servicenow",
        )
        assert (record.subject, record.tickets) == (facts.key, (facts.key,))
        assert (facts.status_history, facts.labels, facts.event, facts.deleted) == (
            (),
            (),
            None,
            False,
        )
        got.append(
            (
                record.locator, facts.key, format_instant(record.occurred_at), record.actor,
                facts.type, facts.status, facts.approval, facts.summary, facts.reporter,
                facts.assignee, facts.requested_by, facts.priority, _when(facts.created_at),
                _when(facts.updated_at), _when(facts.planned_start), _when(facts.planned_end),
                facts.emergency, _approvals(facts),
            )
        )  # fmt: skip
    assert got == expected


APPROVALS = [
    pytest.param(
        "sysapproval_approver.list_display_all.json",
        [
            ("/result/0", "CHG0030001", "Bud Richman",
             [("Bud Richman", "approved", "2024-01-15T11:02:17.000000Z")]),
            ("/result/1", "CHG0030001", "Christen Mitchell",
             [("Christen Mitchell", "not_required", "2024-01-15T11:02:18.000000Z")]),
            ("/result/2", "CHG0030002", "Bud Richman",
             [("Bud Richman", "requested", "2024-02-03T03:05:00.000000Z")]),
        ],
        None,
        id="display-all-change-number-from-reference-display",
    ),
    pytest.param(
        "sysapproval_approver.values_with_dot_walk.json",
        [
            ("/result/0", "CHG0030004", "6816f79cc0a8016401c5a33be04be441",
             [("6816f79cc0a8016401c5a33be04be441", "rejected", "2024-03-01T22:27:31.000000Z")]),
        ],
        "/result/1: approval names its change by sys_id only; request "
        "sysparm_display_value=all (or sysparm_fields=...,sysapproval.number); "
        "/result/2: approval for a sc_req_item record, not a change request",
        id="values-dot-walked-number-skips-unknown-and-other-tables",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "expected", "ignored"), APPROVALS)
def test_approvals(name: str, expected: list[Any], ignored: str | None) -> None:
    [parsed] = parse_file(ADAPTER, fixture(name))
    assert parsed.ignored == ignored
    got = []
    for record in parsed.records:
        facts = record.facts
        assert isinstance(facts, TicketFacts)
        assert facts.event == "sysapproval_approver"
        assert (facts.status, facts.type, facts.approval, facts.summary) == (None, None, None, "")
        assert record.occurred_at == facts.approvals[-1].at
        got.append((record.locator, record.subject, record.actor, _approvals(facts)))
    assert got == expected


def test_other_tables_are_ignored() -> None:
    """The Table API documentation's own incident example (GET /now/table/incident/{sys_id})."""
    data = {"result": {"number": "INC0000046", "sys_class_name": "incident", "state": "1"}}
    parsed = ADAPTER.parse(Document(b"", "incident.json"), data)
    assert parsed.records == ()
    assert (
        parsed.ignored == "/result: incident is not a change_request or sysapproval_approver record"
    )


def test_empty_list_is_ignored() -> None:
    parsed = ADAPTER.parse(Document(b"", "empty.json"), {"result": []})
    assert parsed.ignored == "ServiceNow Table API response with no records"


# --- malformed variants ------------------------------------------------------------------


def _variant(tmp_path: Path, name: str, change: Any) -> Path:
    data = json.loads(fixture(name).read_text())
    change(data)
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def _put(*path: str | int, value: Any) -> Any:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return change


def _drop(*path: str | int) -> Any:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]

    return change


@pytest.mark.parametrize(
    ("name", "change", "position", "problem"),
    [
        pytest.param(
            "change_request.normal_closed.json", _drop("result", "number"),
            "/result/number", "missing required key", id="change-without-number",
        ),
        pytest.param(
            "change_request.normal_closed.json", _put("result", "state", value=["3"]),
            "/result/state", "expected a string or a {display_value, value} object, got array",
            id="state-array",
        ),
        pytest.param(
            "change_request.normal_closed.json",
            _put("result", "start_date", value="16/01/2024 10:00:00"), "/result/start_date",
            "not a timestamp: '16/01/2024 10:00:00' (expected UTC like 2024-01-15 10:30:00)",
            id="display-date-in-user-format",
        ),
        pytest.param(
            "change_request.list_display_all.json",
            _put("result", 0, "sys_updated_on", "value", value="soon"),
            "/result/0/sys_updated_on/value",
            "not a timestamp: 'soon' (expected UTC like 2024-01-15 10:30:00)",
            id="display-all-bad-date-value",
        ),
        pytest.param(
            "change_request.list_display_all.json",
            _put("result", 1, "number", "display_value", value=30003),
            "/result/1/number/display_value",
            "expected a string, got integer 30003", id="display-value-integer",
        ),
        pytest.param(
            "sysapproval_approver.list_display_all.json", _drop("result", 2, "state"),
            "/result/2/state", "missing required key", id="approval-without-state",
        ),
        pytest.param(
            "sysapproval_approver.list_display_all.json", _put("result", 0, value="CHG0030001"),
            "/result/0", 'expected a record object, got string "CHG0030001"',
            id="result-row-string",
        ),
    ],
)  # fmt: skip
def test_malformed_variants(
    tmp_path: Path, name: str, change: Any, position: str, problem: str
) -> None:
    path = _variant(tmp_path, name, change)
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_change_without_updated_falls_back_to_created(tmp_path: Path) -> None:
    path = _variant(
        tmp_path, "change_request.normal_closed.json", _drop("result", "sys_updated_on")
    )
    [record] = records_of(ADAPTER, path)
    assert format_instant(record.occurred_at) == "2024-01-15T10:30:00.000000Z"


def test_change_without_any_date(tmp_path: Path) -> None:
    def change(data: Any) -> None:
        del data["result"]["sys_updated_on"]
        del data["result"]["sys_created_on"]

    path = _variant(tmp_path, "change_request.normal_closed.json", change)
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.position, caught.value.problem) == (
        "/result/sys_updated_on",
        "missing required key",
    )


def test_truncated_json(tmp_path: Path) -> None:
    path = tmp_path / "truncated.json"
    path.write_bytes(fixture("change_request.normal_closed.json").read_bytes()[:80])
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    # The first 80 bytes end after `"number": ` on line 4.
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        "line 4, column 15",
        "not valid JSON: Expecting value",
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"records": []}, id="no-result"),
        pytest.param([{"result": {}}], id="array"),
    ],
)
def test_not_a_table_api_response(data: Any) -> None:
    with pytest.raises(InputError) as caught:
        ADAPTER.parse(Document(b"", "x.json"), data)
    assert (caught.value.position, caught.value.problem) == (
        "",
        'not a ServiceNow Table API response: expected {"result": ...}',
    )


# --- detection ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(p.name for p in (FIXTURES / "servicenow").glob("*.json")))
def test_detect_recognises_fixtures(path: str) -> None:
    data = json.loads(fixture(path).read_text())
    assert ADAPTER.detect(Document(b"", path), data)


@pytest.mark.parametrize(
    "relative",
    [
        "jira-webhooks/cloud/issue_updated.resolved.json",
        "jira-rest/go-atlassian/agile-board-issues.with-changelog.json",
        "github-webhooks/pull_request/opened.payload.json",
        "gitlab-api/mr-approvals.json",
        "k8s-audit/falco-trace-files/create_secret.v1.json",
    ],
)
def test_detect_rejects_other_sources(relative: str) -> None:
    data = json.loads((CORPUS / relative).read_text())
    assert not ADAPTER.detect(Document(b"", relative), data)


def test_detect_rejects_other_tables() -> None:
    data = {"result": [{"number": "INC0000046", "sys_class_name": "incident"}]}
    assert not ADAPTER.detect(Document(b"", "x.json"), data)
