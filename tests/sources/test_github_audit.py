"""The GitHub audit log adapters: JSON/NDJSON/StreamAlert (`github-audit`) and CSV
(`github-audit-csv`).

Corpus: `github-audit-log/streamalert/*` (sanitized GHES syslog lines in StreamAlert test
events) and `github-audit-log/panther/*.rule.yml` (Panther rule specs; their `Tests[].Log`
entries are extracted by `tests/sources/panther.py` and handed to the adapter as JSON
documents: the adapter does not read Panther YAML). API, streaming and CSV forms are BUILT
fixtures in `tests/fixtures/github-audit/` (see the README there).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document
from soxtrail.sources.framing import InputSource, frame
from soxtrail.sources.github_audit import ADAPTER
from soxtrail.sources.github_audit_csv import ADAPTER as CSV_ADAPTER
from tests.helpers import FIXTURES, corpus, parse_file, records_of
from tests.sources.panther import panther_document, panther_logs

FIX = FIXTURES / "github-audit"
STREAMALERT = "github-audit-log/streamalert"
PANTHER = "github-audit-log/panther"
MAY_22 = datetime(2017, 5, 22, 19, 5, 54, 312000, tzinfo=UTC)  # created_at 1495479954312 ms
DEC_17 = datetime(2024, 12, 17, tzinfo=UTC)  # '2024-12-17 00:00:00000000'


def summary(records: list[Any]) -> list[tuple[Any, ...]]:
    out = []
    for r in records:
        if r.kind is Kind.AUDIT_EVENT:
            out.append(("audit", r.facts.action, r.actor, r.facts.resource, r.occurred_at))
        else:
            assert r.kind is Kind.REPO_PROTECTION
            out.append(
                ("protection", r.facts.rule_kind, r.facts.action, r.subject, r.facts.pattern)
            )
    return out


# --- StreamAlert (corpus) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "protected_branch.destroy.json",
            [
                ("audit", "protected_branch.destroy", "bob", "sally", MAY_22),
                ("protection", "protected_branch", "protected_branch.destroy", "github", None),
                ("audit", "something.different", "bob", "sally", MAY_22),
            ],
            id="destroy",
        ),
        pytest.param(
            "protected_branch.dismissal_restricted_users_teams.json",
            [
                (
                    "audit",
                    "protected_branch.dismissal_restricted_users_teams",
                    "bob",
                    "sally",
                    MAY_22,
                ),
                (
                    "protection",
                    "protected_branch",
                    "protected_branch.dismissal_restricted_users_teams",
                    "github",
                    None,
                ),
                ("audit", "something.different", "bob", "sally", MAY_22),
            ],
            id="dismissal-restricted",
        ),
        pytest.param(
            "protected_branch.update_required_status_checks_enforcement_level.json",
            [
                (
                    "audit",
                    "protected_branch.update_required_status_checks_enforcement_level",
                    "...",
                    "foobar",
                    datetime(1970, 1, 1, 0, 0, 0, 123000, tzinfo=UTC),  # sanitized created_at 123
                ),
                (
                    "protection",
                    "protected_branch",
                    "protected_branch.update_required_status_checks_enforcement_level",
                    "foobar",
                    None,
                ),
            ]
            * 2,
            id="status-checks-level",
        ),
    ],
)
def test_streamalert(name: str, expected: list[tuple[Any, ...]]) -> None:
    records = records_of(ADAPTER, corpus(f"{STREAMALERT}/{name}"))
    assert summary(records) == expected
    assert {r.source for r in records} == {"github-audit"}
    assert records[0].locator == "/0/data/message"


def test_streamalert_fields() -> None:
    destroy, protection, _other = records_of(
        ADAPTER, corpus(f"{STREAMALERT}/protected_branch.destroy.json")
    )
    assert destroy.facts.source_ip == "1.1.1.1"
    assert destroy.facts.resource_type == "user"
    assert destroy.facts.event_id == "0000000000000000000000"  # GHES data._document_id
    assert destroy.subject == "github-audit:0000000000000000000000"
    assert destroy.facts.details["org_id"] == [1, 2013]
    assert destroy.facts.details["user"] == "sally"
    assert protection.facts.settings == {}
    path = corpus(
        f"{STREAMALERT}/protected_branch.update_required_status_checks_enforcement_level.json"
    )
    records = records_of(ADAPTER, path)
    assert [r.facts.settings for r in records if r.kind is Kind.REPO_PROTECTION] == [
        {"required_status_checks_enforcement_level": 0},
        {"required_status_checks_enforcement_level": 1},
    ]
    assert records[0].facts.details["data.required_status_checks_enforcement_level"] == 0
    dismissal = records_of(
        ADAPTER, corpus(f"{STREAMALERT}/protected_branch.dismissal_restricted_users_teams.json")
    )[1]
    assert dismissal.facts.settings == {"authorized_actors_only": True}


# --- Panther test entries (corpus) -------------------------------------------------------


def panther(file: str, test: str) -> list[Any]:
    path = corpus(f"{PANTHER}/{file}")
    log = dict(panther_logs(path))[test]
    return list(ADAPTER.parse(panther_document(path, test, log), log).records)


POLICY = "github_branch_policy_override.rule.yml"
RULESET = "github_repo_ruleset_modified.rule.yml"
MAY_18 = datetime(2021, 5, 18, 2, 31, 58, 553000, tzinfo=UTC)  # 1621305118553 ms


@pytest.mark.parametrize(
    ("file", "test", "expected"),
    [
        pytest.param(
            POLICY,
            "GitHub - Branch Protection Policy Override",
            [("audit", "protected_branch.policy_override", "cat", "my-org/my-repo", MAY_18)],
            id="policy-override-is-not-a-settings-change",
        ),
        pytest.param(
            POLICY,
            "GitHub - Protected Branch Name Updated",
            [
                ("audit", "protected_branch.update_name", "cat", "my-org/my-repo", MAY_18),
                (
                    "protection",
                    "protected_branch",
                    "protected_branch.update_name",
                    "my-org/my-repo",
                    None,
                ),
            ],
            id="update-name",
        ),
        pytest.param(
            RULESET,
            "GitHub - Ruleset Created",
            [
                ("audit", "repository_ruleset.create", "dog", "some-org/ruleset-repo", DEC_17),
                (
                    "protection",
                    "repository_ruleset",
                    "repository_ruleset.create",
                    "some-org/ruleset-repo:a-ruleset-name",
                    "a-ruleset-name",
                ),
            ],
            id="ruleset-create",
        ),
        pytest.param(
            RULESET,
            "GitHub - Ruleset Deleted",
            [
                ("audit", "repository_ruleset.destroy", "dog", "some-org/ruleset-repo", DEC_17),
                (
                    "protection",
                    "repository_ruleset",
                    "repository_ruleset.destroy",
                    "some-org/ruleset-repo:a-ruleset-name",
                    "a-ruleset-name",
                ),
            ],
            id="ruleset-destroy",
        ),
        pytest.param(
            RULESET,
            "Github - Ruleset Modified",
            [
                ("audit", "repository_ruleset.update", "dog", "some-org/ruleset-repo", DEC_17),
                (
                    "protection",
                    "repository_ruleset",
                    "repository_ruleset.update",
                    "some-org/ruleset-repo:a-ruleset-name",
                    "a-ruleset-name",
                ),
            ],
            id="ruleset-update",
        ),
        pytest.param(
            RULESET,
            "Github - Ruleset Modified for entire Organization",
            [
                ("audit", "repository_ruleset.update", "dog", "some-org", DEC_17),
                (
                    "protection",
                    "repository_ruleset",
                    "repository_ruleset.update",
                    "some-org:Name of org-wide ruleset",
                    "Name of org-wide ruleset",
                ),
            ],
            id="org-ruleset-update",
        ),
    ],
)
def test_panther_entries(file: str, test: str, expected: list[tuple[Any, ...]]) -> None:
    assert summary(panther(file, test)) == expected


def test_panther_ruleset_settings_and_changes() -> None:
    _, created = panther(RULESET, "GitHub - Ruleset Created")
    settings = created.facts.settings
    assert settings["enforcement"] == "enabled"
    assert settings["source_type"] == "Repository"
    assert [r["type"] for r in settings["rules"]] == [
        "pull_request",
        "deletion",
        "non_fast_forward",
    ]
    assert settings["rules"][0]["parameters"]["required_approving_review_count"] == 1
    assert settings["conditions"][0]["parameters"]["include"] == ["~DEFAULT_BRANCH"]
    assert [a["actor_type"] for a in settings["bypass_actors"]] == ["Integration", "Team"]
    assert created.repo == "some-org/ruleset-repo"
    _, updated = panther(RULESET, "Github - Ruleset Modified")
    (change,) = updated.facts.changes["rules_updated"]
    assert change["old_parameters"]["automatic_copilot_code_review_enabled"] is False
    assert change["parameters"]["automatic_copilot_code_review_enabled"] is True
    audit, org_wide = panther(RULESET, "Github - Ruleset Modified for entire Organization")
    assert org_wide.facts.changes == {"enforcement": {"from": "evaluate", "to": "disabled"}}
    assert org_wide.repo is None
    assert audit.facts.resource_type == "organization"
    assert audit.facts.details["actor_location.country_code"] == "US"
    assert audit.facts.user_agent.endswith("Chrome/132.0.0.0 Safari/537.36")


def test_panther_entry_without_time_fails() -> None:
    path = corpus(f"{PANTHER}/{RULESET}")
    test = "GitHub - Non Webhook Event"
    log = dict(panther_logs(path))[test]
    with pytest.raises(InputError) as caught:
        ADAPTER.parse(panther_document(path, test, log), log)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        f"{RULESET}#{test}",
        "/created_at",
        "missing required key (or @timestamp)",
    )


# --- built fixtures ----------------------------------------------------------------------


def test_api_array() -> None:
    records = records_of(ADAPTER, FIX / "audit_log_api.json")
    assert summary(records) == [
        (
            "audit",
            "team.add_member",
            "octocat",
            "octo-corp/example-team",
            datetime(2020, 12, 2, 17, 24, 34, 512000, tzinfo=UTC),
        ),
        (
            "audit",
            "repo.destroy",
            "monalisa",
            "mona-org/mona-test-repo",
            datetime(2020, 11, 18, 17, 5, 48, 837000, tzinfo=UTC),
        ),
        (
            "audit",
            "protected_branch.create",
            "octocat",
            "acme/billing",
            datetime(2024, 7, 2, 10, tzinfo=UTC),
        ),
        ("protection", "protected_branch", "protected_branch.create", "acme/billing:main", "main"),
        (
            "audit",
            "protected_branch.update_allow_force_pushes_enforcement_level",
            "mallory",
            "acme/billing",
            datetime(2024, 7, 2, 11, tzinfo=UTC),
        ),
        (
            "protection",
            "protected_branch",
            "protected_branch.update_allow_force_pushes_enforcement_level",
            "acme/billing:main",
            "main",
        ),
    ]
    assert records[0].subject == "github-audit:xJJFlFOhQ6b-5vaAFy9Rjw"
    assert records[3].facts.settings == {
        "required_approving_review_count": 2,
        "pull_request_reviews_enforcement_level": "everyone",
        "required_status_checks_enforcement_level": "everyone",
        "allow_force_pushes_enforcement_level": "off",
        "allow_deletions_enforcement_level": "off",
        "admin_enforced": True,
    }
    assert records[5].facts.changes == {
        "allow_force_pushes_enforcement_level": {"from": "off", "to": "everyone"}
    }
    assert records[4].facts.source_ip == "198.51.100.66"
    assert ("resource", "acme") in records[4].links


def test_streamed_ndjson() -> None:
    records = records_of(ADAPTER, FIX / "streamed.ndjson")
    assert [
        (r.kind.value, r.facts.action if r.kind is Kind.AUDIT_EVENT else r.facts.rule_kind)
        for r in records
    ] == [
        ("audit_event", "protected_branch.policy_override"),
        ("audit_event", "repository_ruleset.update"),
        ("repo_protection", "repository_ruleset"),
        ("audit_event", "git.push"),
    ]
    assert records[2].facts.changes == {
        "rules_deleted": [{"id": 901, "type": "non_fast_forward", "parameters": {}}]
    }
    assert records[3].facts.actor_type == "bot"
    assert records[0].facts.details["branch"] == "refs/heads/main"


def test_csv_export() -> None:
    records = records_of(CSV_ADAPTER, FIX / "export.csv")
    assert summary(records) == [
        (
            "audit",
            "org.remove_member",
            "octocat",
            "jane-leaver",
            datetime(2024, 7, 2, 15, tzinfo=UTC),
        ),
        (
            "audit",
            "protected_branch.destroy",
            "mallory",
            "acme/billing",
            datetime(2024, 7, 2, 16, tzinfo=UTC),
        ),
        (
            "protection",
            "protected_branch",
            "protected_branch.destroy",
            "acme/billing:release/*",
            "release/*",
        ),
        (
            "audit",
            "repository_ruleset.update",
            "octocat",
            "acme/billing",
            datetime(2024, 7, 2, 17, tzinfo=UTC),
        ),
        (
            "protection",
            "repository_ruleset",
            "repository_ruleset.update",
            "acme/billing:protect-main",
            "protect-main",
        ),
    ]
    assert records[0].facts.details["actor_location.country_code"] == "US"
    assert records[4].facts.changes == {"enforcement": {"from": "enabled", "to": "disabled"}}
    assert {r.source for r in records} == {"github-audit"}


# --- malformed ---------------------------------------------------------------------------


DESTROY = corpus(f"{STREAMALERT}/protected_branch.destroy.json")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("mutate", "position", "problem"),
    [
        pytest.param(
            lambda m: m.replace("github_audit:", "sshd:"),
            "/0/data/message",
            "not a syslog line with a github_audit JSON entry",
            id="not-github-audit-syslog",
        ),
        pytest.param(
            lambda m: m[:-30] + "}",
            "/0/data/message",
            "the github_audit entry is not valid JSON: Unterminated string starting at",
            id="embedded-json-truncated",
        ),
        pytest.param(
            lambda m: m.replace('"created_at":1495479954312', '"created_at":"last may"'),
            "/0/data/message/created_at",
            "not a timestamp: 'last may'",
            id="bad-created-at",
        ),
        pytest.param(
            lambda m: m.replace('"action":"protected_branch.destroy"', '"action":42'),
            "/0/data/message/action",
            "expected a string, got integer 42",
            id="action-not-string",
        ),
    ],
)
def test_malformed_syslog(tmp_path: Path, mutate: Any, position: str, problem: str) -> None:
    data = json.loads(DESTROY.read_text())
    data[0]["data"]["message"] = mutate(data[0]["data"]["message"])
    path = write(tmp_path, "audit.json", json.dumps(data))
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_not_an_audit_entry() -> None:
    path = corpus("github-webhooks/push/push-to-master.payload.json")
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.position, caught.value.problem) == (
        "",
        "not a GitHub audit log entry (no action)",
    )


def test_truncated_array(tmp_path: Path) -> None:
    path = write(tmp_path, "audit.json", (FIX / "audit_log_api.json").read_text()[:300])
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert caught.value.position.startswith("line ")
    assert caught.value.problem.startswith("not valid JSON")


def test_csv_missing_action_column(tmp_path: Path) -> None:
    text = (FIX / "export.csv").read_text().replace("action,actor", "event,actor", 1)
    path = write(tmp_path, "export.csv", text)
    with pytest.raises(InputError) as caught:
        parse_file(CSV_ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        "line 1",
        "missing required column 'action' in the header",
    )


def test_csv_bad_cell(tmp_path: Path) -> None:
    text = (FIX / "export.csv").read_text().replace("1719936000000", "tomorrow")
    path = write(tmp_path, "export.csv", text)
    with pytest.raises(InputError) as caught:
        parse_file(CSV_ADAPTER, path)
    assert (caught.value.position, caught.value.problem) == (
        "line 3, /created_at",
        "not a timestamp: 'tomorrow'",
    )


def test_csv_short_row(tmp_path: Path) -> None:
    text = (FIX / "export.csv").read_text() + "org.add_member,octocat\n"
    path = write(tmp_path, "export.csv", text)
    with pytest.raises(InputError) as caught:
        parse_file(CSV_ADAPTER, path)
    assert (caught.value.position, caught.value.problem) == (
        "line 5",
        "expected 12 cells as in the header, got 2",
    )


# --- detect ------------------------------------------------------------------------------


def _first(path: Path, framing: str = "json") -> tuple[Document, Any]:
    framed = next(iter(frame(InputSource(str(path)), framing)))  # type: ignore[arg-type]
    return framed.doc, framed.data


@pytest.mark.parametrize(
    "path",
    [
        *(pytest.param(p, id=p.name) for p in sorted(corpus(STREAMALERT).glob("*.json"))),
        pytest.param(FIX / "audit_log_api.json", id="api"),
        pytest.param(FIX / "streamed.ndjson", id="streamed"),
    ],
)
def test_detect_accepts(path: Path) -> None:
    assert ADAPTER.detect(*_first(path))


@pytest.mark.parametrize(
    "relative",
    [
        pytest.param("okta-system-log/streamalert/okta_new_login.json", id="okta-streamalert"),
        pytest.param("aws-cloudtrail/stratus-red-team/cloudtrail-stop.json", id="cloudtrail"),
        pytest.param("k8s-audit/falco-trace-files/create_secret.v1.json", id="k8s"),
        pytest.param("vault-audit/vault-guides/vault-audit.log", id="vault"),
        pytest.param("github-webhooks/push/push-to-master.payload.json", id="github-webhook"),
    ],
)
def test_detect_rejects(relative: str) -> None:
    assert not ADAPTER.detect(*_first(corpus(relative)))


def test_csv_detect() -> None:
    assert CSV_ADAPTER.detect(*_first(FIX / "export.csv", "csv"))
    assert not CSV_ADAPTER.detect(*_first(FIXTURES / "hr-roster/roster_default_columns.csv", "csv"))
