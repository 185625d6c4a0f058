"""The Kubernetes snapshot adapter. The corpus has no kubectl output, so every input here is a
BUILT fixture (tests/fixtures/k8s-snapshot/, see its README.md) written from the Kubernetes API
reference (Pod, Deployment, List), not collected from a cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.facts import EnvironmentSnapshotFacts
from soxtrail.domain.instants import format_instant
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document
from soxtrail.sources.k8s_snapshot import ADAPTER, image_digest
from tests.helpers import CORPUS, FIXTURES, parse_file, records_of

API_DIGEST = "sha256:9b2f6c0e8a4d1f7e3c5b9a2d6f0e4c8b1a5d9f3e7c2b6a0d4f8e1c5b9a3d7f2e"
ENVOY_DIGEST = "sha256:1c4e7a0d3f6b9c2e5a8d1f4b7e0c3a6d9f2b5e8c1a4d7f0b3e6c9a2d5f8b1e4c"
WORKER_DIGEST = "sha256:e4c8b1a5d9f3e7c2b6a0d4f8e1c5b9a3d7f2e9b2f6c0e8a4d1f7e3c5b9a2d6f0"
PAYMENTS_DIGEST = "sha256:4f8b7e2a1c9d0e3f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f"
LEDGER_DIGEST = "sha256:0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"
BILLING_COMMIT = "3b1d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d"
LEDGER_COMMIT = "5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80"
API_POD = "billing-api-7c9d8f6b5d-x2k9q"
ENVOY = "docker.io/envoyproxy/envoy:v1.29.1"


def fixture(name: str) -> Path:
    path = FIXTURES / "k8s-snapshot" / name
    assert path.exists(), name
    return path


# kind, namespace, name, container, image, digest, version, commit
BILLING = [
    ("Deployment", "billing", "billing-api", "api", "ghcr.io/acme/billing-api:2.4.1", None,
     "2.4.1", BILLING_COMMIT),
    ("Deployment", "billing", "billing-api", "envoy", ENVOY, None, "2.4.1", BILLING_COMMIT),
    ("Pod", "billing", API_POD, "api", "ghcr.io/acme/billing-api:2.4.1", API_DIGEST, "2.4.1",
     BILLING_COMMIT),
    ("Pod", "billing", API_POD, "envoy", ENVOY, ENVOY_DIGEST, "2.4.1", BILLING_COMMIT),
    ("Pod", "billing", "billing-worker-5f7b9c4d8e-7hz4m", "worker",
     "ghcr.io/acme/billing-worker:latest", WORKER_DIGEST, None, None),
]  # fmt: skip
ALL_NAMESPACES = [
    ("Pod", "kube-system", "coredns-5d78c9869d-4xq2w", "coredns",
     "registry.k8s.io/coredns/coredns:v1.10.1", None, None, None),
    ("Pod", "payments-stg", "payments-worker-6d5c4b3a2f-q8w7e", "worker",
     f"ghcr.io/acme/payments-worker@{PAYMENTS_DIGEST}", PAYMENTS_DIGEST, "1.9.3", None),
]  # fmt: skip
LEDGER = [
    ("Deployment", "ledger", "ledger", "ledger",
     f"registry.acme.example/finance/ledger:3.2.0@{LEDGER_DIGEST}", LEDGER_DIGEST, "3.2.0",
     LEDGER_COMMIT),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "subject", "occurred_at", "environment", "workloads", "links"),
    [
        pytest.param(
            "pods_deployments.billing.list.json", "k8s:billing", "2024-01-16T09:21:03.000000Z",
            "billing", BILLING,
            [("artifact", ENVOY_DIGEST), ("artifact", API_DIGEST), ("artifact", WORKER_DIGEST),
             ("commit", BILLING_COMMIT)],
            id="pods-and-deployment-newest-container-start",
        ),
        pytest.param(
            "pods.all_namespaces.list.yaml", "k8s", "2024-02-02T08:29:50.000000Z", None,
            ALL_NAMESPACES, [("artifact", PAYMENTS_DIGEST)],
            id="yaml-namespaces-differ-succeeded-pod-left-out",
        ),
        pytest.param(
            "deployment.single_pinned.yaml", "k8s:ledger", "2024-03-10T06:01:30.000000Z",
            "ledger", LEDGER, [("artifact", LEDGER_DIGEST), ("commit", LEDGER_COMMIT)],
            id="single-deployment-pinned",
        ),
    ],
)  # fmt: skip
def test_snapshots_without_hints(
    name: str,
    subject: str,
    occurred_at: str,
    environment: str | None,
    workloads: list[Any],
    links: list[tuple[str, str]],
) -> None:
    [record] = records_of(ADAPTER, fixture(name))
    facts = record.facts
    assert isinstance(facts, EnvironmentSnapshotFacts)
    assert (record.kind, record.source, record.actor, record.locator) == (
        Kind.ENVIRONMENT_SNAPSHOT,
        "k8s-snapshot",
        None,
        "",
    )
    assert (record.subject, record.environment, facts.cluster) == (subject, environment, None)
    assert format_instant(record.occurred_at) == occurred_at
    assert [
        (w.kind, w.namespace, w.name, w.container, w.image, w.digest, w.version, w.commit)
        for w in facts.workloads
    ] == workloads
    assert list(record.links) == links


HINTS = {"cluster": "prod-eu-1", "environment": "production", "observed_at": "2024-05-01T12:00:00Z"}


@pytest.mark.parametrize(
    ("name", "count"),
    [
        pytest.param("pods_deployments.billing.list.json", 5, id="list-json"),
        pytest.param("pods.all_namespaces.list.yaml", 2, id="list-yaml"),
        pytest.param("deployment.single_pinned.yaml", 1, id="single-object"),
        pytest.param("empty.list.json", 0, id="empty-list-is-a-snapshot-of-nothing"),
    ],
)
def test_hints_give_cluster_environment_and_time(name: str, count: int) -> None:
    [record] = records_of(ADAPTER, fixture(name), HINTS)
    assert (record.subject, record.environment, record.facts.cluster) == (
        "k8s:prod-eu-1/production",
        "production",
        "prod-eu-1",
    )
    assert format_instant(record.occurred_at) == "2024-05-01T12:00:00.000000Z"
    assert len(record.facts.workloads) == count


def test_empty_list_without_observed_at_is_ignored() -> None:
    [parsed] = parse_file(ADAPTER, fixture("empty.list.json"))
    assert parsed.records == ()
    assert parsed.ignored == "snapshot without any timestamp: give observed_at (when kubectl ran)"


def test_yaml_stream_is_one_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "stream.yaml"
    path.write_text(
        fixture("deployment.single_pinned.yaml").read_text()
        + "---\n"
        + fixture("pods.all_namespaces.list.yaml").read_text()
    )
    [record] = records_of(ADAPTER, path)
    assert [w.name for w in record.facts.workloads] == [
        "coredns-5d78c9869d-4xq2w",
        "ledger",
        "payments-worker-6d5c4b3a2f-q8w7e",
    ]
    assert format_instant(record.occurred_at) == "2024-03-10T06:01:30.000000Z"


@pytest.mark.parametrize(
    ("reference", "digest"),
    [
        (f"docker-pullable://ghcr.io/acme/billing-api@{API_DIGEST}", API_DIGEST),
        (f"ghcr.io/acme/billing-worker@{WORKER_DIGEST}", WORKER_DIGEST),
        (f"registry.acme.example/finance/ledger:3.2.0@{LEDGER_DIGEST}", LEDGER_DIGEST),
        ("sha256:ead0a4a53df89fd173874b46093b6e62d8c72967bbf606d672c9e8c9b601a4fc", None),
        ("ghcr.io/acme/billing-api:2.4.1", None),
        ("ghcr.io/acme/x@sha256:short", None),
        (None, None),
    ],
)
def test_image_digest(reference: str | None, digest: str | None) -> None:
    assert image_digest(reference) == digest


# --- malformed variants ------------------------------------------------------------------


def _edit(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = fixture(name).read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("name", "old", "new", "position", "problem"),
    [
        pytest.param(
            "pods_deployments.billing.list.json",
            '"name": "billing-worker-5f7b9c4d8e-7hz4m",', "", "/items/1/metadata/name",
            "missing required key", id="pod-without-name",
        ),
        pytest.param(
            "pods_deployments.billing.list.json",
            '"image": "ghcr.io/acme/billing-worker:latest",\n',
            '"image": 42,\n',
            "/items/1/spec/containers/0/image", "expected a string, got integer 42",
            id="image-integer",
        ),
        pytest.param(
            "pods_deployments.billing.list.json", '"startTime": "2024-01-16T09:14:40Z"',
            '"startTime": "tuesday"', "/items/1/status/startTime", "not a timestamp: 'tuesday'",
            id="bad-start-time",
        ),
        pytest.param(
            "pods_deployments.billing.list.json", '"kind": "List"', '"kind": "List", "items": {}',
            "/items", "expected an array, got object", id="items-object-last-key-wins",
        ),
        pytest.param(
            "pods.all_namespaces.list.yaml",
            "    containers:\n    - image: ghcr.io/acme/payments-worker",
            "    containers: {}\n    x:\n    - image: ghcr.io/acme/payments-worker",
            "/items/0/spec/containers", "expected an array, got object", id="containers-object",
        ),
        pytest.param(
            "deployment.single_pinned.yaml", "  template:\n", "  templates:\n",
            "/spec/template", "missing required key", id="deployment-without-template",
        ),
        pytest.param(
            "deployment.single_pinned.yaml", "spec:\n  replicas: 2\n", "spec:\n  replicas: [2\n",
            "line 15, column 11", "not valid YAML: did not find expected ',' or ']'",
            id="yaml-syntax",
        ),
    ],
)  # fmt: skip
def test_malformed_variants(
    tmp_path: Path, name: str, old: str, new: str, position: str, problem: str
) -> None:
    path = _edit(tmp_path, name, old, new)
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_bad_observed_at_hint() -> None:
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, fixture("empty.list.json"), {"observed_at": "now"})
    assert (caught.value.position, caught.value.problem) == (
        "",
        "observed_at hint: not a timestamp: 'now'",
    )


@pytest.mark.parametrize(
    ("relative", "position", "problem"),
    [
        pytest.param(
            "argocd/application/synced-healthy-with-history.yaml", "",
            "kind Application is not a Pod, a workload (Deployment, StatefulSet, DaemonSet, "
            "ReplicaSet, Job) or a List of them",
            id="argocd-application",
        ),
        pytest.param(
            "k8s-audit/falco-trace-files/create_secret.v1.json", "",
            "kind Event is not a Pod, a workload (Deployment, StatefulSet, DaemonSet, "
            "ReplicaSet, Job) or a List of them",
            id="k8s-audit-event",
        ),
        pytest.param(
            "k8s-audit/falco-trace-files/malformed-kind-0.json", "/kind",
            "expected a string, got integer 0", id="falco-kind-0",
        ),
        pytest.param(
            "jira-webhooks/cloud/issue_created.json", "/kind", "missing required key",
            id="jira-webhook",
        ),
    ],
)  # fmt: skip
def test_other_sources_are_input_errors(relative: str, position: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, CORPUS / relative)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(CORPUS / relative),
        position,
        problem,
    )


# --- detection ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "k8s-snapshot").iterdir()
                                        if p.suffix in (".json", ".yaml")))  # fmt: skip
def test_detect_recognises_fixtures(name: str) -> None:
    text = fixture(name).read_text()
    assert ADAPTER.detect(Document(text.encode(), name), text)


@pytest.mark.parametrize(
    "relative",
    [
        "argocd/application/synced-healthy-with-history.yaml",
        "argocd/notifications/argocd-notifications-cm.catalog.yaml",
        "k8s-audit/falco-trace-files/create_pod_privileged.v1beta1.json",
        "k8s-audit/falco-trace-files/create_configmap_sensitive_values.json",
        "sbom/spdx/SPDXYAMLExample-v2.3.spdx.yaml",
        "jira-webhooks/cloud/issue_created.json",
    ],
)
def test_detect_rejects_other_sources(relative: str) -> None:
    text = (CORPUS / relative).read_text()
    assert not ADAPTER.detect(Document(text.encode(), relative), text)
