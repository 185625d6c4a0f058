"""The Kubernetes audit adapter: Events, EventLists and NDJSON audit logs.

Corpus: `k8s-audit/falco-trace-files/**` (Falco trace files: v1 and v1beta1 Events, an NDJSON
log, an exec, and the malformed `{"kind": 0}`). EventLists, failures, Panic and non-resource
requests are BUILT fixtures in `tests/fixtures/k8s-audit/` (see the README there).
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
from soxtrail.sources.k8s_audit import ADAPTER
from tests.helpers import FIXTURES, corpus, parse_file, records_of

FIX = FIXTURES / "k8s-audit"
FALCO = "k8s-audit/falco-trace-files"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def row(record: Any) -> tuple[Any, ...]:
    f = record.facts
    return (
        record.subject,
        record.actor,
        f.action,
        f.resource,
        f.resource_type,
        f.outcome,
        f.source_ip,
        f.details["stage"],
        f.details.get("status_code"),
        record.occurred_at,
    )


MINIKUBE = "minikube-user"

CORPUS_CASES = [
    pytest.param(
        "anonymous_creates_namespace.v1beta1.json",
        [
            (
                "k8s:841d3e6d-90d2-43df-8da4-684738bee3d5",
                "system:anonymous",
                "create",
                "foo",
                "namespaces",
                "success",
                "192.168.99.1",
                "ResponseComplete",
                201,
                at("2018-10-25T13:58:49.730588"),
            )
        ],
        id="v1beta1-anonymous-namespace",
    ),
    pytest.param(
        "attach_cluster_admin_role.json",
        [
            (
                "k8s:c97244c7-4aec-4714-946a-8204d00ecdca",
                MINIKUBE,
                "create",
                "some-reader-binding",
                "clusterrolebindings",
                "success",
                "192.168.99.1",
                "ResponseComplete",
                201,
                at("2018-10-26T14:26:34.238974"),
            )
        ],
        id="cluster-admin-binding-no-apiversion",
    ),
    pytest.param(
        "create_configmap_sensitive_values.json",
        [
            (
                f"k8s:{audit_id}",
                MINIKUBE,
                "create",
                "default/my-config",
                "configmaps",
                "success",
                "192.168.99.1",
                "ResponseComplete",
                201,
                at(when),
            )
            for audit_id, when in (
                ("9a2bb12c-b9f7-4d34-809c-671e8c7e1e06", "2018-10-26T09:51:20.713631"),
                ("7139c58a-6787-4cb2-8fd4-c68c308fc16d", "2018-10-26T09:51:35.560447"),
                ("d222e22f-0947-4af0-853e-c66f6bd0de33", "2018-10-26T09:51:53.345483"),
                ("7e93bc59-e3da-4d53-95bc-e3faaf54ffdb", "2018-10-26T09:52:07.604912"),
                ("6beb5311-472e-48ce-80a6-4c6388fc17da", "2018-10-26T09:52:20.656719"),
                ("efafb264-39ca-444f-b70e-0180f47f5628", "2018-10-26T09:52:32.985422"),
            )
        ],
        id="ndjson-configmaps",
    ),
    pytest.param(
        "create_pod_privileged.v1beta1.json",
        [
            (
                "k8s:a362d22b-db3c-4590-9505-23782f12925f",
                "system:serviceaccount:kube-system:replicaset-controller",
                "create",
                "default/nginx-deployment-5cdcc99dbf-rgw6z",  # from responseObject.metadata
                "pods",
                "success",
                "::1",
                "ResponseComplete",
                201,
                at("2018-10-25T14:09:12.572676"),
            )
        ],
        id="v1beta1-privileged-pod",
    ),
    pytest.param(
        "create_secret.v1.json",
        [
            (
                "k8s:55a81824-ab56-46c5-8b02-96336f5e78d7",
                MINIKUBE,
                "create",
                "default/example-secret",
                "secrets",
                "success",
                "192.168.64.1",
                "ResponseComplete",
                201,
                at("2020-04-21T17:57:05.541358"),
            )
        ],
        id="v1-secret",
    ),
    pytest.param(
        "exec_pod.json",
        [
            (
                "k8s:ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6",
                MINIKUBE,
                "create",
                "default/nginx-deployment-7998647bdf-phvq7",
                "pods/exec",
                "success",
                "192.168.99.1",
                "ResponseStarted",
                101,
                at("2018-10-26T13:38:34.867116"),
            )
        ],
        id="exec-response-started",
    ),
]


@pytest.mark.parametrize(("name", "expected"), CORPUS_CASES)
def test_corpus(name: str, expected: list[tuple[Any, ...]]) -> None:
    records = records_of(ADAPTER, corpus(f"{FALCO}/{name}"))
    assert [row(r) for r in records] == expected
    assert {(r.kind, r.source, r.facts.provider) for r in records} == {
        (Kind.AUDIT_EVENT, "k8s-audit", "kubernetes")
    }


def test_corpus_details() -> None:
    (record,) = records_of(ADAPTER, corpus(f"{FALCO}/attach_cluster_admin_role.json"))
    assert record.facts.details["api_group"] == "rbac.authorization.k8s.io"
    assert record.facts.details["decision"] == "allow"
    assert record.facts.details["groups"] == ["system:masters", "system:authenticated"]
    assert record.links == (("actor", MINIKUBE), ("resource", "some-reader-binding"))
    (secret,) = records_of(ADAPTER, corpus(f"{FALCO}/create_secret.v1.json"))
    assert secret.facts.user_agent == "kubectl/v1.17.3 (darwin/amd64) kubernetes/06ad960"
    assert secret.facts.details["level"] == "Metadata"


def test_malformed_kind_zero() -> None:
    path = corpus(f"{FALCO}/malformed-kind-0.json")
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        "/kind",
        "expected a string, got integer 0",
    )


# --- built fixtures ----------------------------------------------------------------------


def test_event_list_forbidden_impersonation() -> None:
    (parsed,) = parse_file(ADAPTER, FIX / "event_list_webhook.json")
    assert parsed.ignored == (
        "1 RequestReceived event(s) ignored (a later stage of the same request carries its "
        "outcome): /items/0"
    )
    (record,) = parsed.records
    assert record.locator == "/items/1"
    assert record.actor == "alice@acme.example"
    assert ("actor", "system:serviceaccount:billing:deployer") in record.links
    assert (record.facts.outcome, record.facts.reason) == ("failure", "Forbidden")
    assert record.facts.resource == "billing/db-credentials"
    assert record.facts.source_ip == "10.0.12.7"
    assert record.facts.details["source_ips"] == ["10.0.12.7", "192.0.2.15"]
    assert record.facts.details["impersonated_user"] == "system:serviceaccount:billing:deployer"


def test_stages_and_non_resource_requests() -> None:
    healthz, panic, watch = records_of(ADAPTER, FIX / "stages_and_non_resource.ndjson")
    assert (healthz.facts.resource, healthz.facts.resource_type) == ("/healthz", None)
    assert healthz.facts.outcome == "success"
    assert (panic.facts.outcome, panic.facts.reason) == ("failure", "Panic")
    assert panic.facts.resource == "billing/api"
    assert panic.facts.details["api_group"] == "apps"
    assert (watch.facts.action, watch.facts.resource, watch.facts.outcome) == (
        "watch",
        "billing",
        "unknown",
    )


# --- malformed ---------------------------------------------------------------------------


SECRET = corpus(f"{FALCO}/create_secret.v1.json")


@pytest.mark.parametrize(
    ("mutate", "position", "problem"),
    [
        pytest.param(
            lambda e: e.__setitem__("kind", "Pod"),
            "/kind",
            "expected a Kubernetes audit Event or EventList, got 'Pod'",
            id="not-an-event",
        ),
        pytest.param(
            lambda e: e.__setitem__("apiVersion", "v1"),
            "/apiVersion",
            "expected an audit.k8s.io apiVersion, got 'v1'",
            id="wrong-api-version",
        ),
        pytest.param(
            lambda e: e.pop("auditID"), "/auditID", "missing required key", id="no-audit-id"
        ),
        pytest.param(
            lambda e: e.__setitem__("stage", "Done"),
            "/stage",
            "unknown audit stage 'Done'",
            id="unknown-stage",
        ),
        pytest.param(
            lambda e: e["responseStatus"].__setitem__("code", "201"),
            "/responseStatus/code",
            'expected an integer, got string "201"',
            id="code-as-string",
        ),
        pytest.param(
            lambda e: [e.pop("requestReceivedTimestamp"), e.pop("stageTimestamp")],
            "/requestReceivedTimestamp",
            "missing required key (or stageTimestamp)",
            id="no-timestamps",
        ),
    ],
)
def test_malformed_event(tmp_path: Path, mutate: Any, position: str, problem: str) -> None:
    event = json.loads(SECRET.read_text())
    mutate(event)
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(event))
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_malformed_ndjson_line(tmp_path: Path) -> None:
    lines = corpus(f"{FALCO}/create_configmap_sensitive_values.json").read_text().splitlines()
    lines[3] = lines[3][:50]
    path = tmp_path / "audit.log"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert caught.value.position.startswith("line 4, column ")
    assert caught.value.problem.startswith("not valid JSON")


# --- detect ------------------------------------------------------------------------------


def _first(path: Path) -> tuple[Document, Any]:
    framed = next(iter(frame(InputSource(str(path)), "json")))
    return framed.doc, framed.data


@pytest.mark.parametrize(
    "path",
    [
        *(pytest.param(corpus(f"{FALCO}/{c.values[0]}"), id=c.id) for c in CORPUS_CASES),
        pytest.param(FIX / "event_list_webhook.json", id="event-list"),
        pytest.param(FIX / "stages_and_non_resource.ndjson", id="ndjson"),
    ],
)
def test_detect_accepts(path: Path) -> None:
    assert ADAPTER.detect(*_first(path))


@pytest.mark.parametrize(
    "relative",
    [
        pytest.param(f"{FALCO}/malformed-kind-0.json", id="malformed"),
        pytest.param("okta-system-log/streamalert/okta_new_login.json", id="okta"),
        pytest.param("aws-cloudtrail/stratus-red-team/cloudtrail-stop.json", id="cloudtrail"),
        pytest.param("vault-audit/vault-guides/vault-audit.log", id="vault"),
        pytest.param("github-webhooks/push/push-to-master.payload.json", id="github-webhook"),
    ],
)
def test_detect_rejects(relative: str) -> None:
    assert not ADAPTER.detect(*_first(corpus(relative)))
