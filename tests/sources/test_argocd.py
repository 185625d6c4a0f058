"""The Argo CD adapter on every Argo CD corpus file, on BUILT fixtures for the shapes the corpus
lacks (tests/fixtures/argocd/, see its README.md: rendered notification, Application list,
multi-source, failed/running operations, YAML streams), malformed variants, and detection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.facts import DeploymentFacts
from soxtrail.domain.instants import format_instant
from soxtrail.domain.kinds import Kind
from soxtrail.sources.argocd import ADAPTER, repo_from_url
from soxtrail.sources.base import Document
from tests.helpers import CORPUS, FIXTURES, corpus, parse_file, records_of

VELERO_SHA = "ea8759964626a583667a2bfd08f334ec2070040a"
SYNCED = "argocd/application/synced-healthy-with-history.yaml"


def fixture(name: str) -> Path:
    path = FIXTURES / "argocd" / name
    assert path.exists(), name
    return path


Row = tuple[Any, ...]


def _rows(records: list[Any]) -> list[Row]:
    rows = []
    for record in records:
        facts = record.facts
        assert isinstance(facts, DeploymentFacts)
        assert (record.kind, record.source, facts.provider) == (Kind.DEPLOYMENT, "argocd", "argocd")
        assert record.subject == f"argocd:{facts.deployment_id}"
        assert record.links == (("deployment", record.subject),)
        assert (record.environment, record.actor) == (facts.environment, facts.creator)
        rows.append(
            (
                record.locator, facts.deployment_id, format_instant(record.occurred_at),
                facts.application, facts.environment, record.repo, facts.sha, record.commit,
                facts.ref, facts.status, facts.creator, facts.automated, facts.images,
                facts.description,
            )
        )  # fmt: skip
    return rows


def _velero_history(index: int, history_id: int, deployed_at: str) -> Row:
    return (
        f"/status/history/{index}", f"velero-test:{history_id}", deployed_at, "velero-test",
        "test-lla", "foo/manifests-velero", VELERO_SHA, VELERO_SHA, "test-lla", "success",
        None, False, (), None,
    )  # fmt: skip


SYNCED_ROWS = [
    _velero_history(0, 14, "2024-03-04T22:00:06.000000Z"),
    _velero_history(1, 15, "2024-03-04T22:08:30.000000Z"),
    _velero_history(2, 16, "2024-03-04T22:09:16.000000Z"),
    _velero_history(3, 17, "2024-03-04T22:11:41.000000Z"),
    _velero_history(4, 18, "2024-03-04T22:50:55.000000Z"),
    _velero_history(5, 19, "2024-03-04T22:52:56.000000Z"),
    _velero_history(6, 20, "2024-03-04T22:56:15.000000Z"),
    _velero_history(7, 21, "2024-03-05T07:31:57.000000Z"),
    _velero_history(8, 22, "2024-03-05T07:32:44.000000Z"),
    _velero_history(9, 23, "2024-03-05T07:33:04.000000Z"),
    # The operation that wrote history entry 23 (same deployStartedAt and revision).
    (
        "/status/operationState", "velero-test:23", "2024-03-05T07:33:04.000000Z", "velero-test",
        "test-lla", "foo/manifests-velero", VELERO_SHA, VELERO_SHA, "test-lla", "success",
        "foo@example.com", False, ("nginx:latest",), "successfully synced (all tasks run)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("relative", "rows", "ignored"),
    [
        pytest.param(SYNCED, SYNCED_ROWS, None, id="synced-history-and-operation"),
        pytest.param(
            "argocd/application/live-child-app-no-status.yaml", [],
            "Application argo-workflows at / has no sync history or operation state yet",
            id="no-status",
        ),
        pytest.param(
            "argocd/application/minimal-degraded.yaml", [],
            "Application (unnamed) at / has no sync history or operation state yet",
            id="health-only-no-metadata",
        ),
        pytest.param(
            "argocd/notifications/argocd-notifications-cm.catalog.yaml", [],
            "Argo CD notifications ConfigMap (templates and triggers), not deployment evidence",
            id="notifications-configmap",
        ),
        pytest.param(
            "argocd/notifications/template.app-deployed.yaml", [],
            "Argo CD notification template definition, not a rendered notification",
            id="template-app-deployed",
        ),
        pytest.param(
            "argocd/notifications/template.app-sync-failed.yaml", [],
            "Argo CD notification template definition, not a rendered notification",
            id="template-app-sync-failed",
        ),
        pytest.param(
            "argocd/notifications/trigger.on-deployed.yaml", [],
            "Argo CD notification trigger definition, not a rendered notification",
            id="trigger-on-deployed",
        ),
    ],
)  # fmt: skip
def test_corpus(relative: str, rows: list[Row], ignored: str | None) -> None:
    [parsed] = parse_file(ADAPTER, corpus(relative))
    assert parsed.ignored == ignored
    assert _rows(list(parsed.records)) == rows


BILLING_OLD = "3b1d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d"
BILLING_NEW = "9f2c4e1b7d3a5f6e8c0b2a4d6f8e0c2b4a6d8f0e"
PAYMENTS_OLD = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
PAYMENTS_NEW = "1f2e3d4c5b6a79880706f5e4d3c2b1a098765432"
LEDGER = "5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80"
FAILED_MESSAGE = (
    'one or more objects failed to apply, reason: Deployment.apps "billing-api" is invalid'
)
WORKER = (
    "ghcr.io/acme/payments-worker@sha256:"
    "4f8b7e2a1c9d0e3f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f"
)


@pytest.mark.parametrize(
    ("name", "rows", "ignored"),
    [
        pytest.param(
            "notification_webhook.sync_failed.json",
            [
                ("/app/status/history/0", "billing-api:7", "2024-01-15T13:58:40.000000Z",
                 "billing-api", "production", "acme/billing-deploy", BILLING_OLD, BILLING_OLD,
                 "main", "success", "alice", False, (), None),
                ("/app/status/operationState", "billing-api:operation:2024-01-16T09:12:00Z",
                 "2024-01-16T09:12:31.000000Z", "billing-api", "production",
                 "acme/billing-deploy", BILLING_NEW, BILLING_NEW, "main", "failure",
                 "automated", True, ("ghcr.io/acme/billing-api:2.4.1",),
                 FAILED_MESSAGE),
            ],
            None,
            id="rendered-notification-failed-automated",
        ),
        pytest.param(
            "application_list.multi_source_running.yaml",
            [
                ("/items/0/status/history/0", "payments:3", "2024-02-01T10:00:25.000000Z",
                 "payments", "staging", "acme/payments-deploy", PAYMENTS_OLD, PAYMENTS_OLD,
                 "release-1.9", "success", "automated", True, (), None),
                ("/items/0/status/operationState", "payments:operation:2024-02-02T08:30:00Z",
                 "2024-02-02T08:30:00.000000Z", "payments", "staging", "acme/payments-deploy",
                 PAYMENTS_NEW, PAYMENTS_NEW, "release-1.9", "in_progress", "bob@acme.example",
                 False, (WORKER, "docker.io/bitnami/redis:7.2.4"),
                 "waiting for healthy state of apps/Deployment/payments-worker"),
            ],
            "Application payments-canary at /items/1 has no sync history or operation state yet",
            id="list-multi-source-running",
        ),
        pytest.param(
            "applications.stream_unquoted_times.yaml",
            [
                ("line 2, /status/history/0", "ledger:41", "2024-03-10T06:01:12.000000Z",
                 "ledger", "ledger", "finance/platform/ledger-deploy", LEDGER, LEDGER, "v3.2.0",
                 "success", None, False, (), None),
                ("line 22, /status/operationState",
                 "ledger-migrations:operation:2024-03-10T06:02:00Z",
                 "2024-03-10T06:02:03.000000Z", "ledger-migrations", "ledger",
                 "finance/platform/ledger-deploy", LEDGER, LEDGER, "v3.2.0", "failure", "carol",
                 False, (), "rpc error: code = Unknown desc = Manifest generation error (cached)"),
            ],
            None,
            id="yaml-stream-error-phase",
        ),
    ],
)  # fmt: skip
def test_built_fixtures(name: str, rows: list[Row], ignored: str | None) -> None:
    [parsed] = parse_file(ADAPTER, fixture(name))
    assert parsed.ignored == ignored
    assert _rows(list(parsed.records)) == rows


def test_environment_hint_wins() -> None:
    records = records_of(ADAPTER, corpus(SYNCED), {"environment": "production"})
    assert {r.environment for r in records} == {"production"}
    assert {r.facts.environment for r in records} == {"production"}


def test_same_bytes_same_records() -> None:
    assert records_of(ADAPTER, corpus(SYNCED)) == records_of(ADAPTER, corpus(SYNCED))


@pytest.mark.parametrize(
    ("url", "repo"),
    [
        ("https://github.com/foo/manifests-velero.git", "foo/manifests-velero"),
        ("git@github.com:acme/payments-deploy.git", "acme/payments-deploy"),
        (
            "ssh://git@gitlab.acme.example:2222/finance/platform/ledger.git",
            "finance/platform/ledger",
        ),
        ("https://argoproj.github.io/argo-helm", None),
        ("", None),
        ("not a url", None),
    ],
)
def test_repo_from_url(url: str, repo: str | None) -> None:
    assert repo_from_url(url) == repo


# --- malformed variants ------------------------------------------------------------------


def _edit(tmp_path: Path, relative: str, old: str, new: str) -> Path:
    text = (CORPUS / relative).read_text()
    assert old in text
    path = tmp_path / Path(relative).name
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "position", "problem"),
    [
        pytest.param(
            "  name: velero-test\n", "", "/metadata/name", "missing required key",
            id="no-name",
        ),
        pytest.param(
            '    deployedAt: "2024-03-04T22:00:06Z"\n', "", "/status/history/0/deployedAt",
            "missing required key", id="history-without-deployedAt",
        ),
        pytest.param(
            '    deployedAt: "2024-03-04T22:08:30Z"', '    deployedAt: "yesterday"',
            "/status/history/1/deployedAt", "not a timestamp: 'yesterday'",
            id="bad-deployedAt",
        ),
        pytest.param(
            "    phase: Succeeded", "    phase: Done", "/status/operationState/phase",
            "unknown operation phase 'Done' (expected one of Succeeded, Failed, Error, "
            "Running, Terminating)",
            id="unknown-phase",
        ),
        pytest.param(
            "    namespace: test-lla\n  project: sre", "  project: sre",
            "/spec/destination/namespace", "missing required key",
            id="no-environment-at-all",
        ),
        pytest.param(
            "      username: foo@example.com", "      username: [foo]",
            "/status/operationState/operation/initiatedBy/username",
            "expected a string, got array", id="username-array",
        ),
        pytest.param(
            "  summary:\n    images:\n    - nginx:latest", "  summary:\n    images: nginx:latest",
            "/status/summary/images", 'expected an array, got string "nginx:latest"',
            id="images-not-list",
        ),
        pytest.param(
            "  history:\n", "  history: [\n", "line 90, column 3",
            "not valid YAML: did not find expected node content", id="yaml-syntax",
        ),
    ],
)  # fmt: skip
def test_malformed_variants(
    tmp_path: Path, old: str, new: str, position: str, problem: str
) -> None:
    path = _edit(tmp_path, SYNCED, old, new)
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_error_in_second_stream_document_names_its_line(tmp_path: Path) -> None:
    text = fixture("applications.stream_unquoted_times.yaml").read_text()
    path = tmp_path / "stream.yaml"
    path.write_text(text.replace("    phase: Error", "    phase: 7"))
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.position, caught.value.problem) == (
        "line 22, /status/operationState/phase",
        "expected a string, got integer 7",
    )


def test_truncated_json_notification(tmp_path: Path) -> None:
    path = tmp_path / "notification.json"
    path.write_bytes(fixture("notification_webhook.sync_failed.json").read_bytes()[:40])
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    # The first 40 bytes end after `"apiVersion": "argopr` on line 3.
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        "line 3, column 19",
        "not valid JSON: Unterminated string starting at",
    )


@pytest.mark.parametrize(
    ("text", "position", "problem"),
    [
        pytest.param(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n", "",
            "not an Argo CD Application (kind Application, apiVersion argoproj.io/*), "
            "Application list or notification payload with an app",
            id="kubernetes-deployment",
        ),
        pytest.param(
            '{"app": {"kind": "Deployment", "metadata": {"name": "web"}}}', "/app",
            'expected an Argo CD Application, got kind string "Deployment"',
            id="notification-with-other-kind",
        ),
        pytest.param(
            '{"app": "billing-api", "revision": "abc"}', "/app",
            'expected an object, got string "billing-api"', id="flat-notification",
        ),
        pytest.param(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n", "",
            "the List's items are not Argo CD Applications", id="list-of-pods",
        ),
    ],
)  # fmt: skip
def test_not_argocd(text: str, position: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        ADAPTER.parse(Document(text.encode(), "x.yaml"), text)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        "x.yaml",
        position,
        problem,
    )


# --- detection ---------------------------------------------------------------------------

OURS = sorted(
    [str(p) for p in CORPUS.glob("argocd/**/*.yaml")]
    + [str(p) for p in (FIXTURES / "argocd").glob("*.*") if p.suffix in (".json", ".yaml")]
)
OTHERS = [
    "sbom/spdx/SPDXYAMLExample-v2.3.spdx.yaml",
    "okta-system-log/panther/okta_admin_disabled_mfa.rule.yml",
    "github-audit-log/panther/github_repo_ruleset_modified.rule.yml",
    "jira-webhooks/cloud/issue_updated.resolved.json",
    "k8s-audit/falco-trace-files/create_pod_privileged.v1beta1.json",
    "github-webhooks/deployment/created.payload.json",
]


@pytest.mark.parametrize("path", OURS, ids=lambda p: Path(p).name)
def test_detect_recognises_argocd_documents(path: str) -> None:
    text = Path(path).read_text()
    assert ADAPTER.detect(Document(text.encode(), path), text)


@pytest.mark.parametrize("relative", OTHERS)
def test_detect_rejects_other_sources(relative: str) -> None:
    text = (CORPUS / relative).read_text()
    assert not ADAPTER.detect(Document(text.encode(), relative), text)


def test_detect_rejects_invalid_yaml() -> None:
    assert not ADAPTER.detect(Document(b"a: [", "x.yaml"), "a: [")


def test_decoded_json_is_accepted_too() -> None:
    """Given already-decoded JSON (e.g. by a caller using JSON framing), parse still works."""
    data = json.loads(fixture("notification_webhook.sync_failed.json").read_text())
    parsed = ADAPTER.parse(Document(b"", "n.json"), data)
    assert [r.facts.deployment_id for r in parsed.records] == [
        "billing-api:7",
        "billing-api:operation:2024-01-16T09:12:00Z",
    ]
