"""The GitLab adapter on every corpus webhook and audit file, on built fixtures, on bad input.

Corpus files (`tests/corpus/gitlab-webhooks/`, `tests/corpus/gitlab-audit/`) are real
payloads collected from client libraries; the fixtures in `tests/fixtures/gitlab/` are BUILT
from GitLab's documentation by `build_fixtures.py`, and a test checks the script still
produces them byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.evidence import Evidence
from soxtrail.sources.gitlab import ADAPTER
from soxtrail.sources.registry import get_adapter
from tests.helpers import CORPUS, FIXTURES, corpus, parse_file, records_of
from tests.sources.forge_expect import (
    Subset,
    assert_records,
    detections,
    doc_of,
    load_json,
    load_module,
)

HELLO = "gitlab-org/hello-world"
HELLO_HEAD = "c4c79227ed610f1151f05bbc5be33b4f340d39c8"
TEST_REPO = "gitlab-org/gitlab-test"
PIPELINE_SHA = "bcbb5ec396a2c0f828686f14fac9b80b780504f2"
ZERO = "0" * 40
BILLING = "acme/payments/billing"
BILLING_MR = f"{BILLING}#17"
BILLING_HEAD = "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"


def job(
    job_id: int, name: str, at: str, status: str, conclusion: str | None, **rest: Any
) -> dict[str, Any]:
    return {
        "kind": "pipeline_run",
        "subject": f"gitlab:job:{job_id}",
        "occurred_at": at,
        "repo": TEST_REPO,
        "commit": PIPELINE_SHA,
        "links": [["run", "gitlab:31"]],
        **{k: v for k, v in rest.items() if k in ("environment", "actor")},
        "facts": {
            "run_kind": "job",
            "run_id": str(job_id),
            "name": name,
            "status": status,
            "conclusion": conclusion,
            "parent_run_id": "31",
            **{k: v for k, v in rest.items() if k not in ("environment", "actor")},
        },
    }


def pipeline(mr: int, actor: str, **facts: Any) -> dict[str, Any]:
    return {
        "kind": "pipeline_run",
        "subject": "gitlab:31",
        "occurred_at": "2016-08-12T15:26:29.000000Z",
        "actor": actor,
        "repo": TEST_REPO,
        "commit": PIPELINE_SHA,
        "change_request": f"{TEST_REPO}#{mr}",
        "links": [["run", "gitlab:31"], ["change_request", f"{TEST_REPO}#{mr}"]],
        "locator": "/object_attributes",
        "facts": {
            "provider": "gitlab",
            "run_kind": "pipeline",
            "run_id": "31",
            "event": "merge_request_event",
            "branch": "master",
            "head_sha": PIPELINE_SHA,
            "status": "completed",
            "conclusion": "success",
            "started_at": "2016-08-12T15:23:28.000000Z",
            "completed_at": "2016-08-12T15:26:29.000000Z",
            "pull_requests": [mr],
            **facts,
        },
    }


def hello_mr(action: str, occurred_at: str, **facts: Any) -> dict[str, Any]:
    return {
        "kind": "change_request",
        "subject": f"{HELLO}#1",
        "occurred_at": occurred_at,
        "actor": "sytses",
        "repo": HELLO,
        "commit": HELLO_HEAD,
        "change_request": f"{HELLO}#1",
        "locator": "/object_attributes",
        "facts": {
            "platform": "gitlab",
            "number": 1,
            "action": action,
            "title": "update readme",
            "body": "adding build instructions to readme",
            # The hook names the author by id only, and no user object carries that id.
            "author": "51764",
            "head_ref": "feature",
            "head_sha": HELLO_HEAD,
            "base_ref": "master",
            "created_at": "2017-12-10T17:01:11.000000Z",
            "url": "https://gitlab.com/gitlab-org/hello-world/merge_requests/1",
            **facts,
        },
    }


def push(
    repo: str, ref: str, at: str, pusher: str, commits: list[str], **facts: Any
) -> dict[str, Any]:
    after = facts.get("after")
    return {
        "kind": "push",
        "subject": f"{repo}:{ref}",
        "occurred_at": at,
        "actor": pusher,
        "repo": repo,
        "commit": None if after in (None, ZERO) else after,
        "links": [["commit", sha] for sha in commits],
        "facts": {"ref": ref, "pusher": pusher, "commits": commits, "forced": False, **facts},
    }


def audit(
    event_id: int, at: str, actor: str, action: str, resource: str, **rest: Any
) -> dict[str, Any]:
    return {
        "kind": "audit_event",
        "subject": f"gitlab:audit:{event_id}",
        "occurred_at": at,
        "actor": actor,
        "links": [["resource", resource]],
        **{k: v for k, v in rest.items() if k in ("repo", "locator")},
        "facts": {
            "provider": "gitlab",
            "action": action,
            "resource": resource,
            "outcome": "unknown",  # GitLab audit events do not say
            **{k: v for k, v in rest.items() if k not in ("repo", "locator")},
        },
    }


CORPUS_CASES = [
    pytest.param(
        "gitlab-audit/audit-events.api.json",
        [
            audit(
                1,
                "2019-08-30T07:00:41.885000Z",
                "Administrator",
                "Project archived",
                "flightjs/flight",
                repo="flightjs/flight",
                locator="/0",
                resource_type="Project",
                source_ip="127.0.0.1",
                details=Subset(custom_message="Project archived", author_id=1, entity_id=6),
            ),
            audit(
                2,
                "2019-08-27T18:36:44.162000Z",
                "Administrator",
                "add group",
                "flightjs",
                repo=None,
                locator="/1",
                resource_type="Group",
                source_ip="127.0.0.1",
            ),
            audit(
                3,
                "2019-08-22T16:34:25.639000Z",
                "Andreas",
                "change email address",
                "Andreas",
                resource_type="User",
                source_ip=None,
                details=Subset(change="email address", to="maintainer@flightjs.com", author_id=51),
            ),
        ],
        id="audit-instance-events",
    ),
    pytest.param(
        "gitlab-audit/project-audit-events.api.json",
        [
            audit(
                5,
                "2020-05-26T22:55:04.230000Z",
                "Administrator",
                "change prevent merge request approval from reviewers",
                "twitter/typeahead-js",
                repo="twitter/typeahead-js",
                resource_type="Project",
                details=Subset(**{"from": "", "to": "true"}),
            ),
            audit(
                4,
                "2020-05-26T22:55:04.218000Z",
                "Administrator",
                "change prevent merge request approval from authors",
                "twitter/typeahead-js",
                details=Subset(**{"from": "false", "to": "true"}),
            ),
        ],
        id="audit-project-approval-settings",
    ),
    pytest.param(
        "gitlab-webhooks/deployment/success.go-gitlab.json",
        [
            {
                "kind": "deployment",
                "subject": "gitlab:15",
                # status_changed_at "2021-04-28 21:50:00 +0200"
                "occurred_at": "2021-04-28T19:50:00.000000Z",
                "actor": "user1",
                "repo": "root/test-deployment-webhooks",
                "commit": "279484c09fbe69ededfced8c1bb6e6d24616b468",
                "environment": "staging",
                "links": [["deployment", "gitlab:15"], ["run", "gitlab:job:796"]],
                "facts": {
                    "provider": "gitlab",
                    "deployment_id": "15",
                    "environment": "staging",
                    "sha": "279484c09fbe69ededfced8c1bb6e6d24616b468",
                    "ref": "1.0.0",
                    "status": "success",
                    "creator": "user1",
                    "run_id": "796",
                    "run_url": "http://10.126.0.2:3000/root/test-deployment-webhooks/-/jobs/796",
                },
            }
        ],
        id="deployment-success-full-sha-from-commit-url",
    ),
    pytest.param(
        "gitlab-webhooks/job/job.go-gitlab.json",
        [
            {
                "kind": "pipeline_run",
                "subject": "gitlab:job:3580121225",
                "occurred_at": "2023-01-10T13:50:54.000000Z",
                "actor": "jsmithy2",
                # No project object in this old hook: the path comes from repository.homepage.
                "repo": "jsmithy2/release-tools-fake",
                "commit": "95d49d1efbd941908580e79d65e4b5ecaf4a8305",
                "environment": "production",
                "links": [["run", "gitlab:743121198"]],
                "facts": {
                    "run_kind": "job",
                    "run_id": "3580121225",
                    "name": "auto_deploy:start",
                    "branch": "main",
                    "status": "completed",
                    "conclusion": "success",
                    "started_at": "2023-01-10T13:50:05.000000Z",
                    "completed_at": "2023-01-10T13:50:54.000000Z",
                    "parent_run_id": "743121198",
                },
            }
        ],
        id="job-hook-deploy-job",
    ),
    pytest.param(
        "gitlab-webhooks/member/member.go-gitlab.json",
        [
            {
                "kind": "membership",
                "subject": "gitlab:webhook-test:user1",
                "occurred_at": "2020-12-11T04:57:22.000000Z",
                "actor": None,
                "links": [["resource", "webhook-test"]],
                "facts": {
                    "provider": "gitlab",
                    "action": "added",
                    "member": "user1",
                    "group": "webhook-test",
                    "project": None,
                    "role": "Guest",
                    "expires_at": "2020-12-14T00:00:00.000000Z",
                },
            }
        ],
        id="member-added-to-group-no-object-kind",
    ),
    pytest.param(
        "gitlab-webhooks/merge_request/closed.go-scm.json",
        [
            hello_mr(
                "close",
                "2017-12-10T17:02:46.000000Z",
                state="closed",
                merged=False,
                merged_at=None,
                merged_by=None,
                merge_commit_sha=None,
            )
        ],
        id="mr-closed",
    ),
    pytest.param(
        "gitlab-webhooks/merge_request/external-status-check.gitlab4j.json",
        [
            {
                "kind": "change_request",
                "subject": "a_group/a_project#20",
                "occurred_at": "2023-03-14T12:50:14.000000Z",
                "actor": "jsmith",
                "commit": "93bcabc3d474e18a8c744139be0d2dea45ebb3a3",
                "facts": {
                    "action": "open",
                    "state": "open",
                    # author_id 37 is the acting user's id: resolved to a username.
                    "author": "jsmith",
                    "head_ref": "patch-2",
                    "base_ref": "main",
                },
            }
        ],
        id="mr-external-status-check",
    ),
    pytest.param(
        "gitlab-webhooks/merge_request/merged.go-scm.json",
        [
            {
                **hello_mr(
                    "merge",
                    "2017-12-10T17:08:07.000000Z",
                    state="merged",
                    merged=True,
                    merged_at="2017-12-10T17:08:07.000000Z",
                    merged_by="sytses",
                    merge_commit_sha="78a76ee6b4992a6baf64c59fc4c44c7323d60438",
                ),
                "links": [["commit", "78a76ee6b4992a6baf64c59fc4c44c7323d60438"]],
            }
        ],
        id="mr-merged",
    ),
    pytest.param(
        "gitlab-webhooks/merge_request/opened.gitlab4j.json",
        [
            {
                "kind": "change_request",
                "subject": "gitlabhq/gitlab-test#1",
                "occurred_at": "2013-12-03T17:23:34.000000Z",
                "actor": "root",
                # project.path_with_namespace wins over the (inconsistent) target project.
                "repo": "gitlabhq/gitlab-test",
                "commit": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
                "facts": {
                    "action": "open",
                    "state": "open",
                    "author": "51",
                    "labels": ["API"],
                    # The fixture sets merge_commit_sha on an open MR; kept as given.
                    "merge_commit_sha": "e3b7e97417fd6318a5c31b21b29d2acc5c86c3ae",
                    "merged": False,
                    "before": None,
                },
            }
        ],
        id="mr-opened-newer-fields",
    ),
    pytest.param(
        "gitlab-webhooks/merge_request/opened.go-gitlab.json",
        [
            {
                "kind": "change_request",
                "subject": "gitlabhq/gitlab-test#1",
                "actor": "user1",
                "facts": {
                    "action": "open",
                    "author": "51",
                    "labels": ["API"],
                    "head_ref": "ms-viewport",
                    "head_sha": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
                    "merge_commit_sha": None,
                },
            }
        ],
        id="mr-opened",
    ),
    pytest.param(
        "gitlab-webhooks/merge_request/update.review-ready.go-scm.json",
        [
            {
                "kind": "change_request",
                "subject": "rathod.meetsatish/meet#3",
                "occurred_at": "2023-09-07T19:42:45.000000Z",
                "actor": "rathod.meetsatish",
                "commit": "ffd71529ecdfb41a530ee13f91b8fdd3e743c754",
                "facts": {
                    "action": "update",
                    "state": "open",
                    "draft": True,
                    "title": "Draft: Update README.md",
                    "author": "rathod.meetsatish",
                },
            }
        ],
        id="mr-update-draft",
    ),
    pytest.param(
        "gitlab-webhooks/pipeline/pipeline.go-scm.json",
        [
            pipeline(15, "root", name="Pipeline for branch: master"),
            job(
                380,
                "production",
                "2016-08-12T15:23:28.000000Z",
                "completed",
                "skipped",
                environment="production",
                actor="root",
            ),
        ],
        id="pipeline-with-manual-deploy-job",
    ),
    pytest.param(
        "gitlab-webhooks/pipeline/success.gitlab4j.json",
        [
            pipeline(1, "root", url="http://example.com/gitlab-org/gitlab-test/-/pipelines/31"),
            job(380, "production", "2016-08-12T15:23:28.000000Z", "completed", "skipped"),
            job(377, "test-image", "2016-08-12T15:26:29.000000Z", "completed", "success"),
            # `builds` (read) says failed where `jobs` says success.
            job(378, "test-build", "2016-08-12T15:26:29.000000Z", "completed", "failure"),
            job(376, "build-image", "2016-08-12T15:25:26.000000Z", "completed", "success"),
            job(
                379,
                "staging",
                "2016-08-12T15:23:28.000000Z",
                "queued",
                None,
                environment="staging",
            ),
        ],
        id="pipeline-iso-timestamps-builds-and-jobs",
    ),
    pytest.param(
        "gitlab-webhooks/pipeline/success.go-gitlab.json",
        [
            pipeline(1, "user1", name=None),
            job(380, "production", "2016-08-12T15:23:28.000000Z", "completed", "skipped"),
            job(
                377,
                "test-image",
                "2016-08-12T15:26:12.000000Z",
                "completed",
                "success",
                completed_at=None,
            ),
            job(
                378,
                "test-build",
                "2016-08-12T15:26:29.000000Z",
                "completed",
                "success",
                started_at="2016-08-12T15:26:12.000000Z",
            ),
            job(376, "build-image", "2016-08-12T15:25:26.000000Z", "completed", "success"),
            job(379, "staging", "2016-08-12T15:23:28.000000Z", "queued", None),
        ],
        id="pipeline-utc-suffix-timestamps",
    ),
    pytest.param(
        "gitlab-webhooks/push/branch-delete.go-scm.json",
        [
            push(
                HELLO,
                "refs/heads/feature",
                # No push time and no commit: the "unknown" instant.
                "1970-01-01T00:00:00.000000Z",
                "sytses",
                [],
                before=HELLO_HEAD,
                after=ZERO,
                deleted=True,
                created=False,
                head_commit=None,
                commit_count=0,
            )
        ],
        id="push-branch-deleted",
    ),
    pytest.param(
        "gitlab-webhooks/push/push-merge-commit.go-scm.json",
        [
            push(
                HELLO,
                "refs/heads/master",
                "2017-12-10T17:08:06.000000Z",
                "sytses",
                [HELLO_HEAD, "78a76ee6b4992a6baf64c59fc4c44c7323d60438"],
                before="2adc9465c4edfc33834e173fe89436a7cb899a1d",
                after="78a76ee6b4992a6baf64c59fc4c44c7323d60438",
                deleted=False,
                created=False,
                head_commit="78a76ee6b4992a6baf64c59fc4c44c7323d60438",
                # `total_commits_count`: the merge commit and the commit it merged.
                commit_count=2,
            )
        ],
        id="push-merge-commit",
    ),
    pytest.param(
        "gitlab-webhooks/push/push.go-gitlab.json",
        [
            push(
                "mike/diaspora",
                "refs/heads/master",
                "2012-01-03T21:36:29.000000Z",
                "jsmith",
                [
                    "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
                    "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
                ],
                before="95790bf891e76fee5e1747ab589903a6a1f80f22",
                after="da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
                # Four pushed, two listed: the count is GitLab's, not the list's length.
                commit_count=4,
            )
        ],
        id="push",
    ),
    pytest.param(
        "gitlab-webhooks/push/tag_push.go-gitlab.json",
        [
            push(
                "jsmith/example",
                "refs/tags/v1.0.0",
                "2012-01-03T21:36:29.000000Z",
                "jsmith",
                ["82b3d5ae55f7080f1e6022629cdb57bfae7cccc7"],
                before=ZERO,
                after="82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
                created=True,
                deleted=False,
                commit_count=1,
            )
        ],
        id="tag-push-created",
    ),
]


@pytest.mark.parametrize(("path", "expected"), CORPUS_CASES)
def test_corpus_file(path: str, expected: list[dict[str, Any]]) -> None:
    parsed = parse_file(ADAPTER, corpus(path))
    assert [p.ignored for p in parsed] == [None]
    assert_records(list(parsed[0].records), expected)


def test_every_corpus_file_has_a_case() -> None:
    files = {
        str(p.relative_to(CORPUS))
        for folder in ("gitlab-webhooks", "gitlab-audit")
        for p in (CORPUS / folder).rglob("*.json")
    }
    assert files == {case.values[0] for case in CORPUS_CASES}


def mr_fixture(action: str, at: str, review_state: str) -> list[dict[str, Any]]:
    common = {
        "subject": BILLING_MR,
        "occurred_at": at,
        "actor": "eve",
        "repo": BILLING,
        "commit": BILLING_HEAD,
        "change_request": BILLING_MR,
    }
    return [
        {
            **common,
            "kind": "change_request",
            "tickets": ["PROJ-51"],
            "facts": {
                "action": action,
                "state": "open",
                # author_id 501 resolved through the payload's assignees.
                "author": "dana",
                "labels": ["financial"],
                "ticket_keys": ["PROJ-51"],
            },
        },
        {
            **common,
            "kind": "review",
            "facts": {
                "platform": "gitlab",
                "number": 17,
                "reviewer": "eve",
                "state": review_state,
                "action": action,
                "commit_sha": BILLING_HEAD,
            },
        },
    ]


FIXTURE_CASES = [
    pytest.param(
        "merge_request_approved.json",
        mr_fixture("approved", "2026-07-10T10:15:00.000000Z", "approved"),
        id="mr-approved",
    ),
    pytest.param(
        "merge_request_unapproval.json",
        mr_fixture("unapproval", "2026-07-10T09:02:30.000000Z", "unapproved"),
        id="mr-unapproval-offset-timestamp",
    ),
    pytest.param(
        "project_member_removed.json",
        [
            {
                "kind": "membership",
                "subject": f"gitlab:{BILLING}:frank",
                "occurred_at": "2026-07-12T16:40:00.000000Z",
                "repo": BILLING,
                "facts": {
                    "action": "removed",
                    "member": "frank",
                    "project": BILLING,
                    "group": BILLING,
                    "group_kind": "project",
                    "role": "Maintainer",
                },
            }
        ],
        id="project-member-removed",
    ),
    pytest.param(
        "audit_event_streamed.json",
        [
            audit(
                88001,
                "2026-07-12T17:05:11.000000Z",
                "Eve",
                "protected_branch_updated",
                BILLING,
                repo=BILLING,
                resource_type="Project",
                source_ip="203.0.113.9",
                details=Subset(change="allow force push", to="true", target_details="main"),
            )
        ],
        id="audit-event-streamed",
    ),
]


@pytest.mark.parametrize(("name", "expected"), FIXTURE_CASES)
def test_built_fixture(name: str, expected: list[dict[str, Any]]) -> None:
    assert_records(records_of(ADAPTER, FIXTURES / "gitlab" / name), expected)


def test_fixtures_are_what_the_generator_builds() -> None:
    generator = load_module(FIXTURES / "gitlab" / "build_fixtures.py")
    on_disk = {p.name for p in (FIXTURES / "gitlab").iterdir() if p.suffix == ".json"}
    assert on_disk == set(generator.names())
    for name in generator.names():
        assert (FIXTURES / "gitlab" / name).read_text(encoding="utf-8") == generator.render(name)


# --- events, hints and times --------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        pytest.param(
            {"object_kind": "note", "project": {"path_with_namespace": BILLING}},
            "GitLab 'note' event: no control uses it",
            id="note",
        ),
        pytest.param(
            {"event_name": "project_create", "project_id": 74, "path_with_namespace": "a/b"},
            "GitLab event 'project_create' is not one this adapter reads",
            id="system-hook-project-create",
        ),
    ],
)
def test_events_no_control_uses_are_ignored(payload: dict[str, Any], reason: str) -> None:
    doc, data = doc_of(payload)
    assert ADAPTER.parse(doc, data).ignored == reason
    assert ADAPTER.detect(doc, data)


def test_header_hint_names_the_event() -> None:
    payload = load_json(corpus("gitlab-webhooks/push/push.go-gitlab.json"))
    del payload["object_kind"], payload["event_name"]
    doc, data = doc_of(payload, event="Push Hook")
    (record,) = ADAPTER.parse(doc, data).records
    assert record.kind.value == "push"
    doc, data = doc_of(payload, event="Issue Hook")
    assert ADAPTER.parse(doc, data).ignored == "GitLab 'issue' event: no control uses it"


def test_received_at_hint_dates_a_push() -> None:
    path = corpus("gitlab-webhooks/push/branch-delete.go-scm.json")
    (record,) = records_of(ADAPTER, path, hints={"received_at": "2026-07-01 12:00:00 +0200"})
    assert record.occurred_at.isoformat() == "2026-07-01T10:00:00+00:00"


def test_same_bytes_give_the_same_records() -> None:
    path = corpus("gitlab-webhooks/pipeline/success.gitlab4j.json")
    first = [r.to_json() for r in records_of(ADAPTER, path)]
    assert first == [r.to_json() for r in records_of(ADAPTER, path)]


def test_registered_as_gitlab() -> None:
    assert get_adapter("gitlab") is ADAPTER


# --- malformed input ----------------------------------------------------------------------


def test_truncated_json(tmp_path: Path) -> None:
    source = corpus("gitlab-webhooks/member/member.go-gitlab.json").read_bytes()
    path = tmp_path / "member.json"
    path.write_bytes(source[:60])
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        "line 3, column 17",
        "not valid JSON: Unterminated string starting at",
    )


@pytest.mark.parametrize(
    ("path", "mutate", "position", "problem"),
    [
        pytest.param(
            "gitlab-webhooks/merge_request/merged.go-scm.json",
            lambda d: d["object_attributes"].__setitem__("iid", "1"),
            "/object_attributes/iid",
            'expected an integer, got string "1"',
            id="mr-iid-as-string",
        ),
        pytest.param(
            "gitlab-webhooks/merge_request/merged.go-scm.json",
            lambda d: d["object_attributes"].__setitem__("state", "archived"),
            "/object_attributes/state",
            'unknown merge request state "archived"',
            id="mr-unknown-state",
        ),
        pytest.param(
            "gitlab-webhooks/merge_request/closed.go-scm.json",
            lambda d: d.pop("object_attributes"),
            "/object_attributes",
            "missing required key",
            id="mr-without-attributes",
        ),
        pytest.param(
            "gitlab-webhooks/merge_request/closed.go-scm.json",
            lambda d: d["object_attributes"].__setitem__("updated_at", "2017-13-40 99:00:00 UTC"),
            "/object_attributes/updated_at",
            "not a timestamp: '2017-13-40 99:00:00 UTC' (month must be in 1..12)",
            id="mr-impossible-date",
        ),
        pytest.param(
            "gitlab-webhooks/push/push.go-gitlab.json",
            lambda d: d["commits"][1].__setitem__("id", 42),
            "/commits/1/id",
            "expected a string, got integer 42",
            id="push-commit-id-number",
        ),
        pytest.param(
            "gitlab-webhooks/pipeline/success.go-gitlab.json",
            lambda d: d["builds"][2].pop("id"),
            "/builds/2/id",
            "missing required key",
            id="pipeline-job-without-id",
        ),
        pytest.param(
            "gitlab-webhooks/deployment/success.go-gitlab.json",
            lambda d: d.pop("status_changed_at"),
            "",
            "no timestamp: expected one of status_changed_at",
            id="deployment-without-time",
        ),
        pytest.param(
            "gitlab-webhooks/member/member.go-gitlab.json",
            lambda d: d.__setitem__("expires_at", True),
            "/expires_at",
            "expected a timestamp, got boolean True",
            id="member-expiry-boolean",
        ),
        pytest.param(
            "gitlab-audit/project-audit-events.api.json",
            lambda d: d[1].__setitem__("details", {"author_name": "Administrator"}),
            "/1/details",
            "no action: expected event_name, change, add, remove or custom_message",
            id="audit-without-action",
        ),
        pytest.param(
            "gitlab-audit/audit-events.api.json",
            lambda d: d.append("not an event"),
            "/3",
            'expected an object, got string "not an event"',
            id="audit-array-with-a-string",
        ),
    ],
)
def test_structural_errors(path: str, mutate: Any, position: str, problem: str) -> None:
    data = load_json(corpus(path))
    mutate(data)
    doc, data = doc_of(data, origin=path)
    with pytest.raises(InputError) as caught:
        ADAPTER.parse(doc, data)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        path,
        position,
        problem,
    )


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        pytest.param(
            "github-webhooks/push/push-to-master.payload.json",
            "not a GitLab event: no object_kind, event_name or event_type",
            id="github-webhook",
        ),
        pytest.param(
            "jira-webhooks/cloud/issue_created.json",
            "not a GitLab event: no object_kind, event_name or event_type",
            id="jira-webhook",
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


def test_detects_every_gitlab_corpus_file_and_fixture() -> None:
    paths = [
        *(CORPUS / "gitlab-webhooks").rglob("*.json"),
        *(CORPUS / "gitlab-audit").glob("*"),
        *(CORPUS / "gitlab-api").glob("*"),
    ]
    paths += [p for p in (FIXTURES / "gitlab").iterdir() if p.suffix == ".json"]
    for path in paths:
        assert all(detections(ADAPTER, path)), path


def test_rejects_every_other_corpus_file() -> None:
    checked = 0
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix not in (".json", ".ndjson", ".jsonl") or {
            "gitlab-webhooks",
            "gitlab-audit",
            "gitlab-api",
            "tlog",
        } & set(path.parts):
            continue
        try:
            found = detections(ADAPTER, path)
        except InputError:
            continue  # not JSON at all: nothing to detect
        assert not any(found), path
        checked += 1
    assert checked > 40


def test_every_record_round_trips_through_json() -> None:
    paths = [
        *(CORPUS / "gitlab-webhooks").rglob("*.json"),
        *(CORPUS / "gitlab-audit").glob("*"),
        *(CORPUS / "gitlab-api").glob("*"),
    ]
    paths += [p for p in (FIXTURES / "gitlab").iterdir() if p.suffix == ".json"]
    hints = {"repo": "acme/billing", "mr": "7"}  # what the REST API responses need
    for path in paths:
        for record in records_of(ADAPTER, path, hints if "gitlab-api" in path.parts else None):
            document = record.to_json()
            assert Evidence.from_json(json.loads(json.dumps(document))).to_json() == document
