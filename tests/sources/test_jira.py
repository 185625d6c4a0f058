"""The Jira adapter on every Jira corpus file (webhooks and REST issues), malformed variants,
and detection. Expected values are read from the corpus files themselves."""

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
from soxtrail.sources.jira import ADAPTER, is_emergency
from tests.helpers import CORPUS, corpus, parse_file, records_of

CLOUD_ADMIN = "5c5f880629be9642ba529340"
CLOUD_TEST = "5cedcb4355a88a0fc86388ba"
CARLOS = "5b86be50b8e3cb5895860d6d"


def _history(facts: TicketFacts) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(format_instant(s.at), s.by, s.from_status, s.to_status) for s in facts.status_history]


# file, key, occurred_at, actor, type, status, summary, reporter, assignee, priority, labels,
# created_at, updated_at, event, deleted, status history
WEBHOOKS = [
    pytest.param(
        "cloud/issue_created.json",
        "TES-41", "2019-02-16T03:01:53.023000Z", CLOUD_ADMIN, "Story", "To Do",
        "Unit test summary", CLOUD_ADMIN, None, "High", ("test-label",),
        "2019-02-16T03:01:52.971000Z", "2019-02-16T03:01:52.971000Z",
        "jira:issue_created", False,
        [("2019-02-16T03:01:53.023000Z", CLOUD_ADMIN, None, "To Do")],
        id="cloud-created-status-field-capitalised",
    ),
    pytest.param(
        "cloud/issue_deleted.json",
        "IDT-19", "2019-07-03T18:05:36.176000Z", CLOUD_ADMIN, "Task", "To Do",
        "hey", CLOUD_ADMIN, None, "Medium", (),
        "2019-07-01T05:13:46.091000Z", "2019-07-03T18:04:43.020000Z",
        "jira:issue_deleted", True, [],
        id="cloud-deleted-no-changelog",
    ),
    pytest.param(
        "cloud/issue_updated.assigned.empty-changelog.json",
        "TEST-123", "2024-08-20T18:47:42.935000Z", "123456", "Task", "To Do",
        "Test issue for empty changelog assignment", None, "789012", "Medium", (),
        None, None, "jira:issue_updated", False, [],
        id="cloud-empty-changelog-items",
    ),
    pytest.param(
        "cloud/issue_updated.custom-field.json",
        "TES-14", "2019-08-12T01:49:13.414000Z", CLOUD_TEST, "Story", "To Do",
        "v", CLOUD_TEST, CLOUD_TEST, "Medium", ("Pickles",),
        "2019-07-18T00:59:42.002000Z", "2019-08-12T01:49:13.412000Z",
        "jira:issue_updated", False, [],
        id="cloud-custom-field-change",
    ),
    pytest.param(
        "cloud/issue_updated.multiple-items.json",
        "TES-41", "2019-02-16T03:07:51.789000Z", CLOUD_ADMIN, "Story", "To Do",
        "Unit test summary 1", CLOUD_ADMIN, None, "High", ("test-label",),
        "2019-02-16T03:01:52.971000Z", "2019-02-16T03:07:51.756000Z",
        "jira:issue_updated", False, [],
        id="cloud-several-items-none-status",
    ),
    pytest.param(
        "cloud/issue_updated.resolved.json",
        "TES-41", "2019-02-16T03:15:40.507000Z", CLOUD_ADMIN, "Story", "Done",
        "Unit test summary 1", CLOUD_ADMIN, None, "High", ("test-label",),
        "2019-02-16T03:01:52.971000Z", "2019-02-16T03:15:40.477000Z",
        "jira:issue_updated", False,
        [("2019-02-16T03:15:40.507000Z", CLOUD_ADMIN, "In Progress", "Done")],
        id="cloud-resolved",
    ),
    pytest.param(
        "cloud/issue_updated.unassigned.json",
        "TES-41", "2019-02-16T21:10:32.604000Z", CLOUD_ADMIN, "Story", "To Do",
        "Unit test summary 1", CLOUD_ADMIN, None, "High", ("test-label",),
        "2019-02-16T03:01:52.971000Z", "2019-02-16T21:10:32.523000Z",
        "jira:issue_updated", False, [],
        id="cloud-unassigned-tostring-null",
    ),
    pytest.param(
        "server/issue_updated.closed.json",
        "TES-4", "2019-08-14T03:07:58.358000Z", "admin", "Bug", "Closed",
        "Unit test summary 1", "admin", "admin", "Medium", (),
        "2019-08-12T22:14:23.580000Z", "2019-08-14T03:07:58.354000Z",
        "jira:issue_updated", False,
        [("2019-08-14T03:07:58.358000Z", "admin", "Resolved", "Closed")],
        id="server-closed-user-by-name",
    ),
    pytest.param(
        "server/issue_updated.no-event-type.json",
        "TES-41", "2019-02-16T03:18:01.752000Z", CLOUD_ADMIN, "Story", "To Do",
        "Unit test summary 1", CLOUD_ADMIN, CLOUD_ADMIN, "High", ("test-label",),
        "2019-02-16T03:01:52.971000Z", "2019-02-16T03:18:01.707000Z",
        "jira:issue_updated", False, [],
        id="server-no-issue-event-type-name",
    ),
    pytest.param(
        "server/issue_updated.resolved.json",
        "TES-4", "2019-08-12T23:23:02.025000Z", "admin", "Bug", "Resolved",
        "Unit test summary 1", "admin", None, "Medium", (),
        "2019-08-12T22:14:23.580000Z", "2019-08-12T23:23:01.993000Z",
        "jira:issue_updated", False,
        [("2019-08-12T23:23:02.025000Z", "admin", "In Progress", "Resolved")],
        id="server-resolved",
    ),
    pytest.param(
        "server/issue_updated.work-started.json",
        "TES-4", "2019-08-14T03:02:33.680000Z", "admin", "Bug", "In Progress",
        "Unit test summary 1", "admin", "admin", "Medium", (),
        "2019-08-12T22:14:23.580000Z", "2019-08-14T03:02:33.678000Z",
        "jira:issue_updated", False,
        [("2019-08-14T03:02:33.680000Z", "admin", "Reopened", "In Progress")],
        id="server-work-started",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    (
        "path", "key", "occurred_at", "actor", "issue_type", "status", "summary", "reporter",
        "assignee", "priority", "labels", "created_at", "updated_at", "event", "deleted",
        "history",
    ),
    WEBHOOKS,
)  # fmt: skip
def test_webhook_corpus(
    path: str,
    key: str,
    occurred_at: str,
    actor: str | None,
    issue_type: str,
    status: str,
    summary: str,
    reporter: str | None,
    assignee: str | None,
    priority: str,
    labels: tuple[str, ...],
    created_at: str | None,
    updated_at: str | None,
    event: str,
    deleted: bool,
    history: list[tuple[str, str | None, str | None, str | None]],
) -> None:
    [record] = records_of(ADAPTER, corpus(f"jira-webhooks/{path}"))
    facts = record.facts
    assert isinstance(facts, TicketFacts)
    assert record.kind is Kind.TICKET
    assert record.source == "jira"
    assert (record.subject, record.tickets, record.locator) == (key, (key,), "/issue")
    assert format_instant(record.occurred_at) == occurred_at
    assert record.actor == actor
    assert (facts.tracker, facts.key, facts.type, facts.status) == ("jira", key, issue_type, status)
    assert (facts.summary, facts.reporter, facts.assignee) == (summary, reporter, assignee)
    assert (facts.priority, facts.labels) == (priority, labels)
    assert (facts.created_at and format_instant(facts.created_at)) == created_at
    assert (facts.updated_at and format_instant(facts.updated_at)) == updated_at
    assert (facts.event, facts.deleted, facts.emergency) == (event, deleted, False)
    assert _history(facts) == history
    assert facts.approvals == ()


def test_comment_event_is_ignored() -> None:
    [parsed] = parse_file(ADAPTER, corpus("jira-webhooks/server/comment_created.json"))
    assert parsed.records == ()
    assert parsed.ignored == "Jira comment_created event: a comment event carries no ticket state"


# locator, key, occurred_at, type, status, summary, status history
NEW = "New summary test"
BOARD_ISSUES = [
    ("/issues/0", "KP-3", "2021-05-01T03:40:20.378000Z", "Story", "Backlog", NEW, []),
    ("/issues/1", "KP-4", "2021-05-01T03:35:31.124000Z", "Story", "Backlog", NEW, []),
    ("/issues/2", "KP-1", "2021-04-13T16:42:33.617000Z", "Story", "Done", "test",
     [("2021-01-09T04:48:34.778000Z", CARLOS, "Backlog", "Done")]),
    ("/issues/3", "KP-2", "2021-04-30T03:12:48.257000Z", "Story", "Done",
     "new summary using operation",
     [("2021-02-27T20:11:53.282000Z", CARLOS, "Backlog", "Backlog"),
      ("2021-04-11T21:15:54.759000Z", CARLOS, "Backlog", "Backlog"),
      ("2021-04-11T21:34:19.324000Z", CARLOS, "Backlog", "Backlog"),
      ("2021-04-29T23:42:49.682000Z", CARLOS, "Backlog", "Backlog"),
      ("2021-04-29T23:55:09.287000Z", CARLOS, "Backlog", "Done"),
      ("2021-04-29T23:55:48.410000Z", CARLOS, "Done", "Done")]),
    ("/issues/4", "KP-13", "2021-04-30T03:19:04.294000Z", "Sub-task", "Backlog", "SubTask #1", []),
    ("/issues/5", "KP-14", "2021-04-30T03:19:06.221000Z", "Sub-task", "Backlog", "SubTask #2", []),
    ("/issues/6", "KP-15", "2021-04-30T03:19:08.129000Z", "Sub-task", "Backlog", "SubTask #3", []),
    ("/issues/7", "KP-10", "2021-05-01T03:34:38.942000Z", "Story", "Backlog", NEW, []),
    ("/issues/8", "KP-11", "2021-05-01T03:34:40.233000Z", "Story", "Backlog", NEW, []),
    ("/issues/9", "KP-12", "2021-05-01T03:34:10.666000Z", "Story", "Backlog", NEW, []),
    ("/issues/10", "KP-9", "2021-05-01T03:34:10.524000Z", "Task", "Backlog", NEW, []),
    ("/issues/11", "KP-8", "2021-05-01T03:34:10.593000Z", "Story", "Backlog", NEW, []),
    ("/issues/12", "KP-5", "2021-05-01T03:34:10.555000Z", "Story", "Backlog", NEW, []),
    ("/issues/13", "KP-7", "2021-04-30T01:01:09.162000Z", "Story", "Done", "New summary test test",
     [("2021-04-30T01:01:09.162000Z", CARLOS, "Backlog", "Done")]),
]  # fmt: skip
EPIC_ISSUES = [
    ("/issues/0", "KP-17", "2021-05-08T06:12:09.679000Z", "IT Help", "Backlog", "Tsss ", []),
    ("/issues/1", "KP-18", "2021-05-08T06:12:11.267000Z", "IT Help", "Backlog", "Car;ps", []),
]


@pytest.mark.parametrize(
    ("path", "expected", "ignored"),
    [
        pytest.param(
            "agile-board-issues.with-changelog.json",
            BOARD_ISSUES,
            "Jira issue(s) without any timestamp (no fields.created/updated, no changelog "
            "history) skipped: KP-17 (/issues/14)",
            id="board-issues-newest-first-histories",
        ),
        pytest.param(
            "agile-epic-issues.with-changelog.json",
            EPIC_ISSUES,
            "Jira issue(s) without any timestamp (no fields.created/updated, no changelog "
            "history) skipped: KP-19 (/issues/2)",
            id="epic-issues-sprint-change-only",
        ),
    ],
)
def test_rest_search_corpus(path: str, expected: list[Any], ignored: str) -> None:
    [parsed] = parse_file(ADAPTER, corpus(f"jira-rest/go-atlassian/{path}"))
    assert parsed.ignored == ignored
    got = []
    for record in parsed.records:
        facts = record.facts
        assert isinstance(facts, TicketFacts)
        assert (record.actor, record.tickets, facts.event) == (None, (facts.key,), None)
        assert (facts.reporter, facts.assignee, facts.priority, facts.labels) == (None,) * 3 + ((),)
        got.append(
            (
                record.locator, record.subject, format_instant(record.occurred_at), facts.type,
                facts.status, facts.summary, _history(facts),
            )
        )  # fmt: skip
    assert got == expected


def test_rest_single_issue_sorts_histories_and_uses_updated(tmp_path: Path) -> None:
    """A single REST issue (not a search result): the KP-2 object on its own, with fields
    created/updated added as GET /rest/api/3/issue/KP-2?expand=changelog returns them."""
    search = json.loads(
        corpus("jira-rest/go-atlassian/agile-board-issues.with-changelog.json").read_text()
    )
    issue = search["issues"][3]
    issue["fields"]["created"] = "2021-01-09T04:48:30.000+0000"
    issue["fields"]["updated"] = "2021-05-02T10:00:00.000+0100"
    issue["fields"]["labels"] = ["Emergency"]
    path = tmp_path / "KP-2.json"
    path.write_text(json.dumps(issue))
    [record] = records_of(ADAPTER, path)
    assert (record.subject, record.locator) == ("KP-2", "")
    assert format_instant(record.occurred_at) == "2021-05-02T09:00:00.000000Z"
    assert len(record.facts.status_history) == 6
    assert record.facts.status_history[-1].to_status == "Done"
    assert record.facts.emergency is True


def test_jira_audit_records_are_ignored() -> None:
    [parsed] = parse_file(ADAPTER, corpus("jira-rest/go-atlassian/jira-audit-records.json"))
    assert (parsed.records, parsed.ignored) == ((), "Jira audit records are not ticket evidence")


@pytest.mark.parametrize(
    ("issue_type", "labels", "expected"),
    [
        pytest.param("Emergency Change", (), True, id="type-emergency-change"),
        pytest.param("emergency", (), True, id="type-lowercase"),
        pytest.param("Story", ("emergency",), True, id="label"),
        pytest.param("Story", ("EMERGENCY", "x"), True, id="label-uppercase"),
        pytest.param("Story", ("emergency-fix",), False, id="label-must-be-exact"),
        pytest.param(None, (), False, id="nothing"),
    ],
)
def test_emergency_rule(issue_type: str | None, labels: tuple[str, ...], expected: bool) -> None:
    assert is_emergency(issue_type, labels) is expected


# --- malformed variants ------------------------------------------------------------------


def _variant(tmp_path: Path, source: str, change: Any) -> Path:
    data = json.loads(corpus(source).read_text())
    change(data)
    path = tmp_path / Path(source).name
    path.write_text(json.dumps(data))
    return path


def _set(path: list[str | int], value: Any) -> Any:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return change


def _delete(path: list[str | int]) -> Any:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]

    return change


RESOLVED = "jira-webhooks/cloud/issue_updated.resolved.json"
BOARD = "jira-rest/go-atlassian/agile-board-issues.with-changelog.json"


@pytest.mark.parametrize(
    ("source", "change", "position", "problem"),
    [
        pytest.param(
            RESOLVED, _delete(["issue", "key"]), "/issue/key", "missing required key",
            id="missing-issue-key",
        ),
        pytest.param(
            RESOLVED, _set(["issue", "fields", "labels"], "test-label"), "/issue/fields/labels",
            'expected an array, got string "test-label"', id="labels-not-array",
        ),
        pytest.param(
            RESOLVED, _set(["timestamp"], "yesterday"), "/timestamp",
            "not a timestamp: 'yesterday'", id="bad-timestamp",
        ),
        pytest.param(
            RESOLVED, _set(["changelog", "items", 1, "toString"], 10002),
            "/changelog/items/1/toString", "expected a string, got integer 10002",
            id="status-tostring-integer",
        ),
        pytest.param(
            RESOLVED, _set(["issue"], None), "/issue", "required value is null",
            id="issue-null",
        ),
        pytest.param(
            BOARD, _delete(["issues", 2, "changelog", "histories", 0, "created"]),
            "/issues/2/changelog/histories/0/created", "missing required key",
            id="rest-history-without-created",
        ),
        pytest.param(
            BOARD, _set(["issues", 0, "fields", "status"], "Backlog"), "/issues/0/fields/status",
            'expected an object, got string "Backlog"', id="rest-status-string",
        ),
        pytest.param(
            BOARD, _set(["issues"], {"KP-3": {}}), "/issues", "expected an array, got object",
            id="issues-not-array",
        ),
    ],
)  # fmt: skip
def test_malformed_variants(
    tmp_path: Path, source: str, change: Any, position: str, problem: str
) -> None:
    path = _variant(tmp_path, source, change)
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_truncated_json(tmp_path: Path) -> None:
    path = tmp_path / "truncated.json"
    path.write_bytes(corpus(RESOLVED).read_bytes()[:60])
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    # The first 60 bytes end inside `"jira:issu` on line 3.
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        "line 3, column 19",
        "not valid JSON: Unterminated string starting at",
    )


def test_ndjson_line_is_named(tmp_path: Path) -> None:
    good = json.loads(corpus(RESOLVED).read_text())
    bad = json.loads(corpus(RESOLVED).read_text())
    del bad["issue"]["fields"]
    path = tmp_path / "events.ndjson"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.position, caught.value.problem) == (
        "line 2, /issue/fields",
        "missing required key",
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param(
            [], "expected a Jira webhook event, issue or search result object", id="array"
        ),
        pytest.param(
            {"object_kind": "push"},
            "not a Jira document: expected a webhook event (webhookEvent), an issue (key, "
            "fields) or a search result (issues)",
            id="gitlab-payload",
        ),
    ],
)
def test_not_jira(data: Any, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        ADAPTER.parse(Document(b"", "x.json"), data)
    assert (caught.value.position, caught.value.problem) == ("", problem)


def test_other_webhook_events_are_ignored() -> None:
    parsed = ADAPTER.parse(
        Document(b"", "x.json"), {"webhookEvent": "jira:worklog_updated", "timestamp": 1}
    )
    assert parsed.ignored == (
        "Jira jira:worklog_updated event: a non-issue event carries no ticket state"
    )


# --- detection ---------------------------------------------------------------------------

JIRA_FILES = sorted(
    str(p.relative_to(CORPUS))
    for p in [*CORPUS.glob("jira-webhooks/**/*.json"), *CORPUS.glob("jira-rest/**/*.json")]
    if "org-audit" not in p.name
)
OTHER_FILES = [
    "github-webhooks/pull_request/opened.payload.json",
    "github-webhooks/push/push-to-master.payload.json",
    "gitlab-webhooks/merge_request",
    "jira-rest/go-atlassian/atlassian-admin-org-audit-events.json",
    "k8s-audit/falco-trace-files/create_secret.v1.json",
    "gitlab-api/mr-approvals.json",
]


def _json_files(relative: str) -> list[Path]:
    path = corpus(relative)
    return sorted(path.rglob("*.json")) if path.is_dir() else [path]


@pytest.mark.parametrize("relative", JIRA_FILES)
def test_detect_recognises_jira_files(relative: str) -> None:
    data = json.loads(corpus(relative).read_text())
    assert ADAPTER.detect(Document(b"", relative), data)


@pytest.mark.parametrize("relative", OTHER_FILES)
def test_detect_rejects_other_sources(relative: str) -> None:
    for path in _json_files(relative):
        data = json.loads(path.read_text())
        assert not ADAPTER.detect(Document(b"", str(path)), data), path
