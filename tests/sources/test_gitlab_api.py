"""GitLab REST API objects from the corpus (gitlab4j fixtures): approvals, protected branches."""

from __future__ import annotations

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.facts import RepoProtectionFacts, ReviewFacts
from soxtrail.sources.framing import InputSource, frame
from soxtrail.sources.gitlab import ADAPTER
from tests.helpers import corpus, records_of


def test_merge_request_approvals() -> None:
    records = records_of(
        ADAPTER,
        corpus("gitlab-api/mr-approvals.json"),
        {"repo": "acme/billing", "commit": "a" * 40},
    )
    assert [(r.subject, r.actor) for r in records] == [
        ("acme/billing#5", "root"),
        ("acme/billing#5", "ryley"),
    ]
    facts = records[0].facts
    assert isinstance(facts, ReviewFacts)
    assert (facts.state, facts.commit_sha, facts.number) == ("approved", "a" * 40, 5)
    assert records[0].occurred_at.isoformat() == "2016-06-08T21:20:42.470000+00:00"


def test_approvals_without_hints_name_the_project_by_id() -> None:
    records = records_of(ADAPTER, corpus("gitlab-api/mr-approvals.json"))
    assert records[0].change_request == "project:1#5"
    assert records[0].facts.commit_sha is None  # type: ignore[union-attr]


def test_approval_state_needs_to_be_told_its_merge_request() -> None:
    with pytest.raises(InputError, match="--hint repo=group/project --hint mr=IID"):
        records_of(ADAPTER, corpus("gitlab-api/mr-approval-state.json"))
    records = records_of(
        ADAPTER,
        corpus("gitlab-api/mr-approval-state.json"),
        {"repo": "acme/billing", "mr": "7", "observed_at": "2026-07-01T10:00:00Z"},
    )
    assert [(r.change_request, r.actor, r.occurred_at.isoformat()) for r in records] == [
        ("acme/billing#7", "jdoe", "2026-07-01T10:00:00+00:00")
    ]


def test_protected_branch() -> None:
    (record,) = records_of(
        ADAPTER, corpus("gitlab-api/protected-branch.json"), {"repo": "acme/billing"}
    )
    facts = record.facts
    assert isinstance(facts, RepoProtectionFacts)
    assert (record.subject, facts.pattern, facts.rule_kind) == (
        "gitlab:protected_branch:acme/billing:develop",
        "develop",
        "protected_branch",
    )
    assert facts.settings["allow_force_pushes"] is False
    assert facts.settings["requires_pull_request"] is False  # maintainers may push directly
    assert [p["access_level"] for p in facts.settings["push_access_levels"]] == [40, None]


def test_protected_branch_needs_its_project() -> None:
    with pytest.raises(InputError, match="pass --hint repo=group/project"):
        records_of(ADAPTER, corpus("gitlab-api/protected-branch.json"))


@pytest.mark.parametrize(
    "name", ["mr-approvals.json", "mr-approval-state.json", "protected-branch.json"]
)
def test_detected_as_gitlab(name: str) -> None:
    (framed,) = frame(InputSource(str(corpus(f"gitlab-api/{name}"))), "json")
    assert ADAPTER.detect(framed.doc, framed.data)
