"""The GitHub webhook adapter on every corpus payload, on built fixtures, and on broken input.

Corpus files (`tests/corpus/github-webhooks/`) are real payloads; the fixtures in
`tests/fixtures/github/` are BUILT from GitHub's webhook documentation by
`build_fixtures.py` (the corpus lacks those shapes), and a test checks the script still
produces them byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.evidence import Evidence
from soxtrail.sources.github import ADAPTER
from soxtrail.sources.registry import get_adapter
from soxtrail.sources.tickets import find_ticket_keys
from tests.helpers import CORPUS, FIXTURES, corpus, parse_file, records_of
from tests.sources.forge_expect import (
    Subset,
    assert_records,
    detections,
    doc_of,
    load_json,
    load_module,
)

HELLO = "Codertocat/Hello-World"
HELLO_PR = f"{HELLO}#2"
HELLO_HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
HELLO_BASE = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
OCTO = "octo-org/octo-repo"
RUN_SHA = "3484a3fb816e0859fd6e1cea078d76385ff50625"
ZERO = "0" * 40

ACME = "acme/billing"
ACME_PR = f"{ACME}#42"
ACME_HEAD = "9f2c4e1b7d3a5c8e0f1a2b3c4d5e6f708192a3b4"
MERGE_SHA = "5d41402abc4b2a76b9719d911017c592ae3f0c18"


def protection(action: str, changes: Any) -> list[dict[str, Any]]:
    return [
        {
            "kind": "repo_protection",
            "subject": "github:branch_protection_rule:21796960",
            "occurred_at": "2021-08-19T16:16:32.000000Z",
            "actor": "Codertocat",
            "repo": OCTO,
            "locator": "/rule",
            "facts": {
                "provider": "github",
                "rule_kind": "branch_protection_rule",
                "action": action,
                "pattern": "production",
                "settings": Subset(
                    required_approving_review_count=1,
                    pull_request_reviews_enforcement_level="off",
                    requires_pull_request=False,
                    dismiss_stale_reviews_on_push=False,
                    require_code_owner_review=False,
                    required_status_checks=["basic-CI"],
                    required_status_checks_enforcement_level="non_admins",
                    requires_status_checks=True,
                    admin_enforced=False,
                    enforce_admins=False,
                    allow_force_pushes_enforcement_level="off",
                    allow_force_pushes=False,
                    allow_deletions_enforcement_level="off",
                    allow_deletions=False,
                    required_signatures=False,
                    authorized_actor_names=["Codertocat"],
                    enforced=True,
                ),
                "changes": changes,
            },
        }
    ]


def check_run(conclusion: str, app: str | None) -> list[dict[str, Any]]:
    return [
        {
            "kind": "pipeline_run",
            "subject": "github:check_run:128620228",
            "occurred_at": "2019-05-15T15:21:12.000000Z",
            "actor": "Codertocat",
            "repo": HELLO,
            "commit": HELLO_HEAD,
            "change_request": HELLO_PR,
            "links": [["change_request", HELLO_PR]],
            "facts": {
                "run_kind": "check_run",
                "run_id": "128620228",
                "name": "Octocoders-linter",
                "workflow": app,
                "branch": "changes",
                "head_sha": HELLO_HEAD,
                "status": "completed",
                "conclusion": conclusion,
                "url": "https://github.com/Codertocat/Hello-World/runs/128620228",
                "started_at": "2019-05-15T15:21:12.000000Z",
                "completed_at": "2019-05-15T15:21:12.000000Z",
                "pull_requests": [2],
                "parent_run_id": "118578147",
            },
        }
    ]


def hello_pr(action: str, occurred_at: str, **facts: Any) -> list[dict[str, Any]]:
    return [
        {
            "kind": "change_request",
            "subject": HELLO_PR,
            "occurred_at": occurred_at,
            "actor": "Codertocat",
            "repo": HELLO,
            "commit": HELLO_HEAD,
            "change_request": HELLO_PR,
            "locator": "/pull_request",
            "facts": {
                "platform": "github",
                "number": 2,
                "action": action,
                "title": "Update the README with new information.",
                "author": "Codertocat",
                "head_ref": "changes",
                "head_sha": HELLO_HEAD,
                "base_ref": "master",
                "base_sha": HELLO_BASE,
                "created_at": "2019-05-15T15:20:33.000000Z",
                "url": "https://github.com/Codertocat/Hello-World/pull/2",
                "ticket_keys": [],
                **facts,
            },
        }
    ]


def review(
    path_repo: str, number: int, *, state: str, reviewer: str, commit: str | None, **facts: Any
) -> list[dict[str, Any]]:
    key = f"{path_repo}#{number}"
    return [
        {
            "kind": "review",
            "subject": key,
            "actor": reviewer,
            "repo": path_repo,
            "commit": commit,
            "change_request": key,
            "locator": "/review",
            "facts": {
                "platform": "github",
                "number": number,
                "state": state,
                "reviewer": reviewer,
                "commit_sha": commit,
                **facts,
            },
        }
    ]


def push(
    repo: str, ref: str, occurred_at: str, pusher: str, commits: list[str], **facts: Any
) -> list[dict[str, Any]]:
    after = facts.get("after")
    return [
        {
            "kind": "push",
            "subject": f"{repo}:{ref}",
            "occurred_at": occurred_at,
            "actor": pusher,
            "repo": repo,
            "commit": None if after in (None, ZERO) else after,
            "links": [["commit", sha] for sha in commits],
            "facts": {"ref": ref, "pusher": pusher, "commits": commits, **facts},
        }
    ]


def workflow_run(occurred_at: str, **facts: Any) -> dict[str, Any]:
    return {
        "kind": "pipeline_run",
        "subject": "github:289782451",
        "occurred_at": occurred_at,
        "actor": "Codertocat",
        "repo": OCTO,
        "commit": RUN_SHA,
        "facts": {
            "provider": "github",
            "run_kind": "workflow_run",
            "run_id": "289782451",
            "name": "test",
            "workflow": ".github/workflows/test.yml",
            "event": "repository_dispatch",
            "branch": "master",
            "head_sha": RUN_SHA,
            "url": "https://github.com/octo-org/octo-repo/actions/runs/289782451",
            "attempt": 1,
            "started_at": "2020-10-05T16:33:49.000000Z",
            **facts,
        },
    }


def workflow_job(conclusion: str) -> list[dict[str, Any]]:
    return [
        {
            "kind": "pipeline_run",
            "subject": "github:workflow_job:289782451",
            "occurred_at": "2021-08-05T10:38:16.000000Z",
            "actor": "Codertocat",
            "repo": HELLO,
            "commit": RUN_SHA,
            "links": [["run", "github:2202229078"]],
            "facts": {
                "run_kind": "workflow_job",
                "run_id": "289782451",
                "parent_run_id": "2202229078",
                "name": "linters",
                "workflow": "CodeQL",
                "branch": "main",
                "head_sha": RUN_SHA,
                "status": "completed",
                "conclusion": conclusion,
                "attempt": 1,
                "started_at": "2021-08-05T10:34:58.000000Z",
                "completed_at": "2021-08-05T10:38:16.000000Z",
            },
        }
    ]


CORPUS_CASES = [
    pytest.param(
        "branch_protection_rule/created.payload.json", protection("created", {}), id="bpr-created"
    ),
    pytest.param(
        "branch_protection_rule/deleted.payload.json", protection("deleted", {}), id="bpr-deleted"
    ),
    pytest.param(
        "branch_protection_rule/edited.payload.json",
        protection(
            "edited",
            Subset(
                required_approving_review_count={"from": 2},
                dismiss_stale_reviews_on_push={"from": True},
                require_code_owner_review={"from": True},
                allow_force_pushes_enforcement_level={"from": "everyone"},
                admin_enforced={"from": False},
                signature_requirement_enforcement_level={"from": "non_admins"},
                authorized_dismissal_actors_only={"from": None},
            ),
        ),
        id="bpr-edited-weakening-changes",
    ),
    pytest.param(
        "check_run/completed.failure.payload.json",
        check_run("failure", "github-actions"),
        id="check-run-failure",
    ),
    pytest.param(
        "check_run/completed.success.payload.json",
        check_run("success", "octocoders-linter"),
        id="check-run-success",
    ),
    pytest.param(
        "check_suite/completed.payload.json",
        [
            {
                "kind": "pipeline_run",
                "subject": "github:check_suite:118578147",
                "occurred_at": "2019-05-15T15:21:14.000000Z",
                "repo": HELLO,
                "commit": HELLO_HEAD,
                "change_request": HELLO_PR,
                "facts": {
                    "run_kind": "check_suite",
                    "run_id": "118578147",
                    "name": "octocoders-linter",
                    "branch": "changes",
                    "status": "completed",
                    "conclusion": "success",
                    "started_at": "2019-05-15T15:20:31.000000Z",
                    "completed_at": "2019-05-15T15:21:14.000000Z",
                    "pull_requests": [2],
                },
            }
        ],
        id="check-suite-completed",
    ),
    pytest.param(
        "check_suite/requested.payload.json",
        [
            {
                "kind": "pipeline_run",
                "subject": "github:check_suite:118578174",
                "occurred_at": "2019-05-15T15:20:33.000000Z",
                "commit": HELLO_BASE,
                "change_request": None,
                "facts": {
                    "branch": "master",
                    "status": "queued",
                    "conclusion": None,
                    "completed_at": None,
                    "pull_requests": [],
                },
            }
        ],
        id="check-suite-requested",
    ),
    pytest.param(
        "deployment/created.payload.json",
        [
            {
                "kind": "deployment",
                "subject": "github:145988746",
                "occurred_at": "2019-05-15T15:20:53.000000Z",
                "actor": "Codertocat",
                "repo": HELLO,
                "commit": HELLO_BASE,
                "environment": "production",
                "links": [["deployment", "github:145988746"]],
                "facts": {
                    "provider": "github",
                    "deployment_id": "145988746",
                    "environment": "production",
                    "sha": HELLO_BASE,
                    "ref": "master",
                    "status": "created",
                    "creator": "Codertocat",
                    "run_id": None,
                },
            }
        ],
        id="deployment-created-no-workflow",
    ),
    pytest.param(
        "deployment/deployment.go-scm.json",
        [
            {
                "kind": "deployment",
                "subject": "github:87972451",
                "occurred_at": "2018-05-30T20:18:45.000000Z",
                "commit": "a10867b14bb761a232cd80139fbd4c0d33264240",
                "environment": "production",
                "facts": {
                    "status": "created",
                    "ref": "master",
                    "description": "this is a description",
                    "creator": "Codertocat",
                },
            }
        ],
        id="deployment-old-shape-no-action",
    ),
    pytest.param(
        "deployment/gh-pages.payload.json",
        [
            {
                "kind": "deployment",
                "subject": "github:145988746",
                "occurred_at": "2022-01-03T01:28:30.000000Z",
                "actor": "github-pages[bot]",
                "environment": "github-pages",
                "links": [["deployment", "github:145988746"], ["run", "github:289782451"]],
                "facts": {
                    "ref": "gh-pages",
                    "status": "created",
                    "run_id": "289782451",
                    "run_url": "https://github.com/Codertocat/Hello-World/actions/runs/289782451",
                },
            }
        ],
        id="deployment-by-actions-run",
    ),
    pytest.param(
        "deployment_review/requested.payload.json",
        [
            {
                "kind": "deployment_approval",
                "subject": "github:5453085689",
                "occurred_at": "2023-07-04T09:28:15.000000Z",
                "actor": "ilmax",
                "repo": "terraform-test-github/sample-app",
                "commit": "5275a45b7e99c7fd7265b790392c10a74101a67a",
                "environment": "TST",
                "links": [["run", "github:5453085689"]],
                "facts": {
                    "provider": "github",
                    "environment": "TST",
                    "state": "requested",
                    "approver": None,
                    "reviewers": ["team:admins"],
                    "run_id": "5453085689",
                    "sha": "5275a45b7e99c7fd7265b790392c10a74101a67a",
                },
            }
        ],
        id="deployment-review-requested-team",
    ),
    pytest.param(
        "deployment_status/in_progress.gh-pages.payload.json",
        [
            {
                "kind": "deployment",
                "subject": "github:145988746",
                "occurred_at": "2022-01-03T01:28:40.000000Z",
                "actor": "github-pages[bot]",
                "environment": "github-pages",
                "locator": "/deployment_status",
                "facts": {"status": "in_progress", "run_id": "289782451", "ref": "master"},
            }
        ],
        id="deployment-status-in-progress",
    ),
    pytest.param(
        "deployment_status/success.payload.json",
        [
            {
                "kind": "deployment",
                "subject": "github:145988746",
                "occurred_at": "2019-05-15T15:20:55.000000Z",
                "actor": "Codertocat",
                "commit": HELLO_BASE,
                "environment": "production",
                "facts": {"status": "success", "creator": "Codertocat", "run_id": None},
            }
        ],
        id="deployment-status-success",
    ),
    pytest.param(
        "merge_group/checks_requested.payload.json",
        [
            {
                "kind": "pipeline_run",
                "subject": "github:merge_group:2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d",
                "occurred_at": "2019-05-15T15:20:30.000000Z",
                "repo": OCTO,
                "commit": "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d",
                "change_request": f"{OCTO}#104",
                "facts": {
                    "run_kind": "merge_group",
                    "run_id": "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d",
                    "branch": "main",
                    "status": "checks_requested",
                    "pull_requests": [104],
                },
            }
        ],
        id="merge-group",
    ),
    pytest.param(
        "pull_request/closed.atlantis.json",
        [
            {
                "kind": "change_request",
                "subject": "runatlantis/atlantis-tests#2",
                "occurred_at": "2018-06-16T16:55:19.000000Z",
                "actor": "runatlantis",
                "commit": "5e2d140b2d74bf61675677f01dc947ae8512e18e",
                "links": [],
                "facts": {
                    "action": "closed",
                    "state": "closed",
                    "merged": False,
                    # GitHub's test merge commit of an unmerged PR is not recorded.
                    "merge_commit_sha": None,
                    "head_ref": "atlantisyaml",
                    "base_ref": "main",
                    "closed_at": "2018-06-16T16:55:19.000000Z",
                },
            }
        ],
        id="pr-closed-unmerged-atlantis",
    ),
    pytest.param(
        "pull_request/closed.merged.repo-automation-bots.json",
        hello_pr(
            "closed",
            "2019-05-15T15:20:33.000000Z",
            state="merged",
            merged=True,
            merged_at="2019-05-15T15:20:33.000000Z",
            merged_by=None,
            merge_commit_sha="abc123",
            labels=[],
        ),
        id="pr-merged-hand-edited-placeholder-sha",
    ),
    pytest.param(
        "pull_request/closed.payload.json",
        hello_pr(
            "closed",
            "2019-05-15T15:21:18.000000Z",
            state="closed",
            merged=False,
            merge_commit_sha=None,
            merged_by=None,
            labels=["bug"],
            closed_at="2019-05-15T15:21:18.000000Z",
        ),
        id="pr-closed-without-merge",
    ),
    pytest.param(
        "pull_request/opened.payload.json",
        hello_pr(
            "opened",
            "2019-05-15T15:20:33.000000Z",
            state="open",
            body="This is a pretty simple change that we need to pull into master.",
            labels=["bug"],
            draft=False,
        ),
        id="pr-opened",
    ),
    pytest.param(
        "pull_request/opened.with-null-body.json",
        hello_pr("opened", "2019-05-15T15:20:33.000000Z", state="open", body=""),
        id="pr-opened-null-body",
    ),
    pytest.param(
        "pull_request/review_requested.payload.json",
        hello_pr("review_requested", "2019-05-15T15:20:33.000000Z", state="open"),
        id="pr-review-requested",
    ),
    pytest.param(
        "pull_request/synchronize.payload.json",
        hello_pr(
            "synchronize",
            "2019-05-15T15:20:33.000000Z",
            state="open",
            before=HELLO_BASE,
            after=HELLO_HEAD,
        ),
        id="pr-synchronize-before-after",
    ),
    pytest.param(
        "pull_request_review/dismissed.payload.json",
        review(
            HELLO,
            2,
            state="dismissed",
            reviewer="Codertocat",
            commit=HELLO_HEAD,
            action="dismissed",
            review_id="237895671",
            head_sha=HELLO_HEAD,
        ),
        id="review-dismissed",
    ),
    pytest.param(
        "pull_request_review/submitted.approved.payload.json",
        review(
            "baxterthehacker/public-repo",
            8,
            state="approved",
            reviewer="baxterthehacker",
            commit=None,
            review_id="2626884",
            submitted_at="2016-10-03T23:39:09.000000Z",
            head_sha="b7a1f9c27caa4e03c14a88feb56e2d4f7500aa63",
        ),
        id="review-approved-old-shape-no-commit-id",
    ),
    pytest.param(
        "pull_request_review/submitted.approved.spotify.json",
        [
            {
                **review(
                    "baxterthehacker/public-repo",
                    8,
                    state="approved",
                    reviewer="baxterthehacker",
                    commit=None,
                    submitted_at=None,
                )[0],
                # submitted_at is null: the PR's update time stands in.
                "occurred_at": "2016-10-03T23:39:09.000000Z",
            }
        ],
        id="review-approved-null-submitted-at",
    ),
    pytest.param(
        "pull_request_review/submitted.commented.payload.json",
        review(
            HELLO,
            2,
            state="commented",
            reviewer="Codertocat",
            commit=HELLO_HEAD,
            author_association="OWNER",
            submitted_at="2019-05-15T15:20:38.000000Z",
        ),
        id="review-commented",
    ),
    pytest.param(
        "pull_request_review/submitted.minimal.go-scm.json",
        review(
            "shivamnegi94/testrepo",
            205,
            state="commented",
            reviewer="shivamnegi94",
            commit="adccd6c5030261b47e35d0d3798d4ed31a051f6d",
            review_id="3060633379",
        ),
        id="review-trimmed-payload",
    ),
    pytest.param(
        "push/branch-delete.go-scm.json",
        push(
            "bradrydzewski/drone-test-go",
            "refs/heads/feature-branch",
            "2018-06-21T17:16:44.000000Z",
            "bradrydzewski",
            [],
            before="d2b75aa7797ec26b088fa2dd527e9d2c052fcedd",
            after=ZERO,
            deleted=True,
            created=False,
            forced=False,
            head_commit=None,
        ),
        id="push-branch-deleted",
    ),
    pytest.param(
        "push/push-to-master.payload.json",
        push(
            "binkkatal/sample_app",
            "refs/heads/master",
            "2018-06-29T14:04:35.000000Z",
            "binkkatal",
            ["fd489864e7642b48eaad6e3f155c10e46810ec72"],
            before="737d38c599c1b2991664dfc6155d6bf516fcce36",
            after="fd489864e7642b48eaad6e3f155c10e46810ec72",
            forced=False,
            deleted=False,
            created=False,
        ),
        id="push-to-master",
    ),
    pytest.param(
        "push/tag-deleted.payload.json",
        push(
            HELLO,
            "refs/tags/simple-tag",
            "2019-05-15T15:20:57.000000Z",
            "Codertocat",
            [],
            after=ZERO,
            deleted=True,
            head_commit=None,
        ),
        id="push-tag-deleted",
    ),
    pytest.param(
        "push/with-new-branch.payload.json",
        push(
            HELLO,
            "refs/heads/master",
            "2019-05-15T15:20:57.000000Z",
            "Codertocat",
            ["6113728f27ae82c7b1a177c8d03f9e96e0adf246"],
            before=ZERO,
            after="6113728f27ae82c7b1a177c8d03f9e96e0adf246",
            created=True,
            forced=False,
        ),
        id="push-branch-created",
    ),
    pytest.param(
        "push/with-no-username-committer.payload.json",
        push(
            HELLO,
            "refs/heads/master",
            "2019-05-15T15:20:57.000000Z",
            "Codertocat",
            ["6113728f27ae82c7b1a177c8d03f9e96e0adf246"],
            after="6113728f27ae82c7b1a177c8d03f9e96e0adf246",
            head_commit="6113728f27ae82c7b1a177c8d03f9e96e0adf246",
        ),
        id="push-committer-without-username",
    ),
    pytest.param(
        "workflow_job/completed.failure.payload.json",
        workflow_job("failure"),
        id="workflow-job-failure",
    ),
    pytest.param(
        "workflow_job/completed.success.payload.json",
        workflow_job("success"),
        id="workflow-job-success",
    ),
    pytest.param(
        "workflow_job/workflow_job.go-playground.json",
        [
            {
                "kind": "pipeline_run",
                "subject": "github:workflow_job:565676767",
                "occurred_at": "2015-05-05T23:40:30.000000Z",
                "actor": "baxterthehacker",
                "repo": "baxterthehacker/public-repo",
                "links": [["run", "github:128"]],
                "facts": {
                    "name": "My Workflow",
                    "branch": None,
                    "workflow": None,
                    "conclusion": "finished",
                    "parent_run_id": "128",
                },
            }
        ],
        id="workflow-job-old-shape-workflow-string",
    ),
    pytest.param(
        "workflow_run/completed.payload.json",
        [
            workflow_run(
                "2020-10-05T16:33:49.000000Z",
                status="completed",
                conclusion="success",
                completed_at="2020-10-05T16:33:49.000000Z",
                pull_requests=[],
            )
        ],
        id="workflow-run-completed",
    ),
    pytest.param(
        "workflow_run/completed.with-pull-requests.payload.json",
        [
            {
                **workflow_run(
                    "2020-10-05T16:33:49.000000Z", conclusion="success", pull_requests=[2]
                ),
                "change_request": f"{OCTO}#2",
                "links": [["run", "github:289782451"], ["change_request", f"{OCTO}#2"]],
            }
        ],
        id="workflow-run-with-pull-requests",
    ),
    pytest.param(
        "workflow_run/in_progress.go-scm.json",
        [
            {
                "kind": "pipeline_run",
                "subject": "github:14030131450",
                "occurred_at": "2025-03-24T08:03:46.000000Z",
                "actor": "shivamnegi94",
                "commit": "f4229db4b70a8dadeb687f5ccce5fd327c04461a",
                "change_request": "shivamnegi94/testrepo#164",
                "facts": {
                    "name": "CI",
                    "workflow": ".github/workflows/blank.yml",
                    "event": "pull_request",
                    "branch": "shivamnegi94-patch-27",
                    # The action says in_progress, the run object says completed: we keep the run's.
                    "status": "completed",
                    "conclusion": "success",
                },
            }
        ],
        id="workflow-run-in-progress-action",
    ),
    pytest.param(
        "workflow_run/requested.payload.json",
        [
            workflow_run(
                "2020-10-05T16:33:24.000000Z",
                status="queued",
                conclusion=None,
                completed_at=None,
            )
        ],
        id="workflow-run-requested",
    ),
]


@pytest.mark.parametrize(("path", "expected"), CORPUS_CASES)
def test_corpus_payload(path: str, expected: list[dict[str, Any]]) -> None:
    parsed = parse_file(ADAPTER, corpus(f"github-webhooks/{path}"))
    assert [p.ignored for p in parsed] == [None]
    assert_records(list(parsed[0].records), expected)


def test_every_corpus_payload_has_a_case() -> None:
    files = {
        str(p.relative_to(CORPUS / "github-webhooks"))
        for p in (CORPUS / "github-webhooks").rglob("*.json")
    }
    assert files == {case.values[0] for case in CORPUS_CASES}


FIXTURE_CASES = [
    pytest.param(
        "pull_request_closed_merged.json",
        [
            {
                "kind": "change_request",
                "subject": ACME_PR,
                "occurred_at": "2026-07-14T09:12:01.000000Z",
                "actor": "bob-acme",
                "repo": ACME,
                "commit": ACME_HEAD,
                "change_request": ACME_PR,
                "tickets": ["CHG0030001", "PROJ-42"],
                "links": [["commit", MERGE_SHA]],
                "facts": {
                    "state": "merged",
                    "merged": True,
                    "merged_by": "bob-acme",
                    "merged_at": "2026-07-14T09:12:01.000000Z",
                    "merge_commit_sha": MERGE_SHA,
                    "author": "alice",
                    "labels": ["financial"],
                    "head_ref": "feature/PROJ-42-rounding",
                    "ticket_keys": ["CHG0030001", "PROJ-42"],
                },
            }
        ],
        id="pr-merged-with-merge-commit",
    ),
    pytest.param(
        "pull_request_review_changes_requested.json",
        review(
            ACME,
            42,
            state="changes_requested",
            reviewer="carol",
            commit=ACME_HEAD,
            submitted_at="2026-07-13T15:30:04.000000Z",
        ),
        id="review-changes-requested",
    ),
    pytest.param(
        "push_forced.json",
        [
            {
                **push(
                    ACME,
                    "refs/heads/main",
                    "2026-07-14T11:12:11.000000Z",
                    "mallory",
                    ["c3499c2729730a7f807efb8676a92dcb6f8a3f8f"],
                    before="e83c5163316f89bfbde7d9ab23ca2e25604af290",
                    after="c3499c2729730a7f807efb8676a92dcb6f8a3f8f",
                    forced=True,
                    deleted=False,
                    created=False,
                )[0],
                "tickets": ["PROJ-77"],
            }
        ],
        id="push-forced",
    ),
    pytest.param(
        "repository_ruleset_created.json",
        [
            {
                "kind": "repo_protection",
                "subject": "github:repository_ruleset:4213",
                "occurred_at": "2026-06-02T14:00:00.000000Z",
                "actor": "bob-acme",
                "repo": ACME,
                "facts": {
                    "rule_kind": "repository_ruleset",
                    "action": "created",
                    "pattern": "~DEFAULT_BRANCH,refs/heads/release/*",
                    "settings": Subset(
                        enforcement="active",
                        enforced=True,
                        requires_pull_request=True,
                        required_approving_review_count=2,
                        dismiss_stale_reviews_on_push=True,
                        require_code_owner_review=True,
                        require_last_push_approval=True,
                        requires_status_checks=True,
                        required_status_checks=["ci/test", "codeql"],
                        allow_force_pushes=False,
                        allow_deletions=False,
                        enforce_admins=True,
                        required_signatures=True,
                        required_linear_history=False,
                        bypass_actors=[],
                    ),
                    "changes": {},
                },
            }
        ],
        id="ruleset-created",
    ),
    pytest.param(
        "repository_ruleset_edited.json",
        [
            {
                "kind": "repo_protection",
                "occurred_at": "2026-07-20T18:45:10.000000Z",
                "actor": "mallory",
                "facts": {
                    "action": "edited",
                    "settings": Subset(
                        enforcement="evaluate",
                        enforced=False,
                        required_approving_review_count=1,
                        allow_force_pushes=True,
                        allow_deletions=False,
                        enforce_admins=False,
                        bypass_actors=[
                            {"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}
                        ],
                    ),
                    "changes": Subset(
                        enforcement={"from": "active"},
                        rules=Subset(deleted=[{"type": "non_fast_forward"}]),
                    ),
                },
            }
        ],
        id="ruleset-edited-weakened",
    ),
    pytest.param(
        "deployment_protection_rule_requested.json",
        [
            {
                "kind": "deployment_approval",
                "subject": "github:880011",
                "occurred_at": "2026-07-14T09:20:01.000000Z",
                "actor": "github-actions[bot]",
                "commit": MERGE_SHA,
                "environment": "production",
                "links": [
                    ["deployment", "github:880011"],
                    ["run", "github:9100000077"],
                    ["change_request", ACME_PR],
                ],
                "facts": {
                    "environment": "production",
                    "state": "requested",
                    "run_id": "9100000077",
                    "sha": MERGE_SHA,
                    "approver": None,
                },
            }
        ],
        id="deployment-protection-rule",
    ),
    pytest.param(
        "deployment_review_approved.json",
        [
            {
                "kind": "deployment_approval",
                "subject": "github:9100000077",
                "occurred_at": "2026-07-14T09:18:40.000000Z",
                "actor": "carol",
                "commit": MERGE_SHA,
                "environment": "production",
                "facts": {
                    "state": "approved",
                    "approver": "carol",
                    "reviewers": ["carol", "team:release-managers"],
                    "comment": "CAB approved CHG0030001",
                    "run_id": "9100000077",
                },
            }
        ],
        id="deployment-review-approved",
    ),
    pytest.param(
        "envelope_pull_request_opened.json",
        [
            {
                "kind": "change_request",
                "subject": ACME_PR,
                "actor": "alice",
                "locator": "/payload/pull_request",
                "facts": {"action": "opened", "state": "open", "draft": False},
            }
        ],
        id="envelope",
    ),
    pytest.param(
        "delivery_record_tag_push.json",
        [
            {
                **push(
                    ACME,
                    "refs/tags/v2.4.0",
                    "2026-07-14T09:06:40.000000Z",
                    "bob-acme",
                    [],
                    before=ZERO,
                    after=MERGE_SHA,
                    created=True,
                    head_commit=MERGE_SHA,
                )[0],
                "locator": "/request/payload",
            }
        ],
        id="delivery-record-tag-push",
    ),
]


@pytest.mark.parametrize(("name", "expected"), FIXTURE_CASES)
def test_built_fixture(name: str, expected: list[dict[str, Any]]) -> None:
    assert_records(records_of(ADAPTER, FIXTURES / "github" / name), expected)


def test_ndjson_of_mixed_forms() -> None:
    parsed = parse_file(ADAPTER, FIXTURES / "github" / "events_mixed.ndjson")
    assert [p.ignored for p in parsed] == [None, None, "GitHub 'issues' event: no control uses it"]
    first, second = parsed[0].records[0].to_json(), parsed[1].records[0].to_json()
    assert (first["facts"]["reviewer"], first["locator"]) == ("carol", "/review")
    assert (second["facts"]["reviewer"], second["locator"]) == ("bob-acme", "/payload/review")
    assert second["occurred_at"] == "2026-07-14T09:00:00.000000Z"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        pytest.param("ping.json", "GitHub 'ping' event: no control uses it", id="ping"),
        pytest.param(
            "star_created.json",
            "a GitHub event of a shape no control uses (not recognised)",
            id="star-unrecognised-shape",
        ),
    ],
)
def test_events_no_control_uses_are_ignored(name: str, reason: str) -> None:
    assert [(p.records, p.ignored) for p in parse_file(ADAPTER, FIXTURES / "github" / name)] == [
        ((), reason)
    ]


def test_fixtures_are_what_the_generator_builds() -> None:
    generator = load_module(FIXTURES / "github" / "build_fixtures.py")
    on_disk = {p.name for p in (FIXTURES / "github").iterdir() if p.suffix in (".json", ".ndjson")}
    assert on_disk == set(generator.names())
    for name in generator.names():
        assert (FIXTURES / "github" / name).read_text(encoding="utf-8") == generator.render(name)


# --- forms and hints ----------------------------------------------------------------------


def test_event_hint_wins_over_the_shape() -> None:
    path = corpus("github-webhooks/push/push-to-master.payload.json")
    parsed = parse_file(ADAPTER, path, hints={"event": "issues"})
    assert [(p.records, p.ignored) for p in parsed] == [
        ((), "GitHub 'issues' event: no control uses it")
    ]


def test_event_hint_names_a_payload_of_another_shape() -> None:
    path = corpus("github-webhooks/push/push-to-master.payload.json")
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path, hints={"event": "pull_request"})
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        "/pull_request",
        "missing required key",
    )


def test_delivery_record_headers_name_the_event() -> None:
    record = load_json(FIXTURES / "github" / "delivery_record_tag_push.json")
    del record["event"]
    doc, data = doc_of(record)
    (push_record,) = ADAPTER.parse(doc, data).records
    assert push_record.kind.value == "push"
    assert push_record.locator == "/request/payload"


def test_delivery_record_without_payload_object() -> None:
    record = load_json(FIXTURES / "github" / "delivery_record_tag_push.json")
    record["request"]["payload"] = "ref=refs%2Ftags%2Fv2.4.0"
    doc, data = doc_of(record, origin="delivery.json")
    with pytest.raises(InputError) as caught:
        ADAPTER.parse(doc, data)
    assert (caught.value.file, caught.value.position) == ("delivery.json", "/request/payload")
    assert caught.value.problem == 'expected an object, got string "ref=refs%2Ftags%2Fv2.4.0"'


def test_envelope_with_a_non_object_payload() -> None:
    doc, data = doc_of({"event": "push", "payload": [1]}, origin="env.json")
    with pytest.raises(InputError) as caught:
        ADAPTER.parse(doc, data)
    assert (caught.value.position, caught.value.problem) == (
        "/payload",
        "expected an object, got array",
    )


def test_received_at_hint_dates_a_payload_without_time() -> None:
    payload = {
        "action": "deleted",
        "repository_ruleset": {"id": 9, "name": "old"},
        "repository": {"full_name": ACME},
        "sender": {"login": "mallory"},
    }
    doc, data = doc_of(payload, received_at="2026-08-01T10:00:00Z")
    (record,) = ADAPTER.parse(doc, data).records
    assert record.occurred_at.isoformat() == "2026-08-01T10:00:00+00:00"
    assert record.to_json()["facts"]["settings"]["enforced"] is False
    doc, data = doc_of(payload, origin="ruleset.json")
    with pytest.raises(InputError) as caught:
        ADAPTER.parse(doc, data)
    assert (caught.value.position, caught.value.problem) == (
        "/repository_ruleset",
        "no timestamp: expected one of updated_at, created_at",
    )


def test_pending_review_is_ignored() -> None:
    payload = load_json(FIXTURES / "github" / "pull_request_review_changes_requested.json")
    payload["review"]["state"] = "PENDING"
    doc, data = doc_of(payload)
    assert ADAPTER.parse(doc, data).ignored == "a pending review (not submitted yet)"


def test_deployment_review_for_two_environments() -> None:
    payload = load_json(FIXTURES / "github" / "deployment_review_approved.json")
    job = dict(payload["workflow_job_runs"][0], id=2, environment="dr-site")
    payload["workflow_job_runs"].append(job)
    payload["action"] = "rejected"
    doc, data = doc_of(payload)
    records = [r.to_json() for r in ADAPTER.parse(doc, data).records]
    assert [(r["environment"], r["facts"]["state"]) for r in records] == [
        ("production", "rejected"),
        ("dr-site", "rejected"),
    ]


def test_same_bytes_give_the_same_records() -> None:
    path = FIXTURES / "github" / "pull_request_closed_merged.json"
    first = [r.to_json() for r in records_of(ADAPTER, path)]
    second = [r.to_json() for r in records_of(ADAPTER, path)]
    assert first == second


def test_registered_as_github() -> None:
    assert get_adapter("github") is ADAPTER


# --- malformed input ----------------------------------------------------------------------


def test_truncated_json(tmp_path: Path) -> None:
    source = corpus("github-webhooks/pull_request/opened.payload.json").read_bytes()
    path = tmp_path / "truncated.json"
    path.write_bytes(source[:200])
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert caught.value.file == str(path)
    # The cut falls inside a string: JSON reports where that string starts.
    assert caught.value.position == "line 7, column 16"
    assert caught.value.problem == "not valid JSON: Unterminated string starting at"


@pytest.mark.parametrize(
    ("path", "mutate", "position", "problem"),
    [
        pytest.param(
            "pull_request/opened.payload.json",
            lambda d: d["pull_request"].__setitem__("number", "2"),
            "/pull_request/number",
            'expected an integer, got string "2"',
            id="pr-number-as-string",
        ),
        pytest.param(
            "pull_request/opened.payload.json",
            lambda d: d["pull_request"].__setitem__("state", "draft"),
            "/pull_request/state",
            'unknown pull request state "draft" (expected open or closed)',
            id="pr-unknown-state",
        ),
        pytest.param(
            "pull_request_review/submitted.commented.payload.json",
            lambda d: d["review"].pop("state"),
            "/review/state",
            "missing required key",
            id="review-without-state",
        ),
        pytest.param(
            "pull_request_review/submitted.commented.payload.json",
            lambda d: d["review"].__setitem__("state", "blocked"),
            "/review/state",
            'unknown review state "blocked"',
            id="review-unknown-state",
        ),
        pytest.param(
            "push/push-to-master.payload.json",
            lambda d: d["commits"][0].pop("id"),
            "/commits/0/id",
            "missing required key",
            id="push-commit-without-id",
        ),
        pytest.param(
            "push/push-to-master.payload.json",
            lambda d: d.__setitem__("forced", "yes"),
            "/forced",
            'expected a boolean, got string "yes"',
            id="push-forced-not-boolean",
        ),
        pytest.param(
            "workflow_run/completed.payload.json",
            lambda d: d["workflow_run"].__setitem__("updated_at", "yesterday"),
            "/workflow_run/updated_at",
            "not a timestamp: 'yesterday'",
            id="run-bad-timestamp",
        ),
        pytest.param(
            "deployment_status/success.payload.json",
            lambda d: d["deployment"].pop("environment"),
            "/deployment/environment",
            "missing required key",
            id="deployment-without-environment",
        ),
        pytest.param(
            "branch_protection_rule/edited.payload.json",
            lambda d: d["rule"].__setitem__("required_status_checks", "basic-CI"),
            "/rule/required_status_checks",
            'expected an array, got string "basic-CI"',
            id="bpr-checks-not-array",
        ),
        pytest.param(
            "deployment_review/requested.payload.json",
            lambda d: [d.pop("environment"), d.pop("workflow_job_run")],
            "",
            "no environment: expected environment, workflow_job_run or workflow_job_runs",
            id="deployment-review-without-environment",
        ),
    ],
)
def test_structural_errors(path: str, mutate: Any, position: str, problem: str) -> None:
    data = load_json(corpus(f"github-webhooks/{path}"))
    mutate(data)
    doc, data = doc_of(data, origin=path)
    with pytest.raises(InputError) as caught:
        ADAPTER.parse(doc, data)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        path,
        position,
        problem,
    )


def test_ndjson_error_names_the_line(tmp_path: Path) -> None:
    lines = (FIXTURES / "github" / "events_mixed.ndjson").read_text().splitlines()
    second = json.loads(lines[1])
    second["payload"]["review"]["state"] = 7
    lines[1] = json.dumps(second)
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        "line 2, /payload/review/state",
        "expected a string, got integer 7",
    )


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        pytest.param(
            "jira-webhooks/cloud/issue_created.json",
            "not a GitHub webhook event: no known event shape",
            id="jira-webhook",
        ),
        pytest.param(
            "gitlab-webhooks/push/push.go-gitlab.json",
            "a GitLab webhook payload, not a GitHub one (use `ingest gitlab`)",
            id="gitlab-webhook",
        ),
        pytest.param(
            "gitlab-audit/audit-events.api.json",
            "expected a GitHub webhook event (a JSON object), got array",
            id="json-array",
        ),
    ],
)
def test_other_sources_are_input_errors(path: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, corpus(path))
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(corpus(path)),
        "",
        problem,
    )


# --- detect -------------------------------------------------------------------------------


def test_detects_every_github_corpus_payload_and_fixture() -> None:
    paths = [*(CORPUS / "github-webhooks").rglob("*.json")]
    paths += [p for p in (FIXTURES / "github").iterdir() if p.suffix in (".json", ".ndjson")]
    for path in paths:
        assert all(detections(ADAPTER, path)), path


def _other_json_files() -> list[Path]:
    return sorted(
        p
        for p in CORPUS.rglob("*")
        if p.suffix in (".json", ".ndjson", ".jsonl")
        and "github-webhooks" not in p.parts
        and "tlog" not in p.parts
    )


def test_rejects_every_other_corpus_file() -> None:
    checked = 0
    for path in _other_json_files():
        try:
            found = detections(ADAPTER, path)
        except InputError:
            continue  # not JSON at all (e.g. a syslog line): nothing to detect
        assert not any(found), path
        checked += 1
    assert checked > 40


# --- records round-trip, ticket keys ---------------------------------------------------------


def test_every_record_round_trips_through_json() -> None:
    paths = [*(CORPUS / "github-webhooks").rglob("*.json")]
    paths += [p for p in (FIXTURES / "github").iterdir() if p.suffix in (".json", ".ndjson")]
    for path in paths:
        for record in records_of(ADAPTER, path):
            document = record.to_json()
            assert Evidence.from_json(json.loads(json.dumps(document))).to_json() == document


@pytest.mark.parametrize(
    ("texts", "keys"),
    [
        pytest.param(("PROJ-42 Round totals", None, ""), ("PROJ-42",), id="title-and-nulls"),
        pytest.param(("feature/PROJ-42_rounding",), ("PROJ-42",), id="branch-with-underscore"),
        pytest.param(
            ("Implements CHG0030001, see OPS-7 and OPS-7",),
            ("CHG0030001", "OPS-7"),
            id="servicenow-and-duplicates",
        ),
        pytest.param(("xPROJ-1 CHG00300011 proj-3",), (), id="not-keys"),
    ],
)
def test_ticket_keys(texts: tuple[str | None, ...], keys: tuple[str, ...]) -> None:
    assert find_ticket_keys(*texts) == keys
