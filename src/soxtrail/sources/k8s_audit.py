"""Kubernetes API server audit events (`audit.k8s.io/v1` and `v1beta1`).

Format: the `Event` and `EventList` types of the audit.k8s.io API group (Kubernetes API
reference, "Kubernetes Audit (audit.k8s.io/v1)"), as the log backend writes them (one Event
per line: NDJSON), as the webhook backend posts them (an EventList), or one Event. v1beta1
events have the same fields plus `timestamp` and `metadata.creationTimestamp`; events without
`apiVersion` (older Falco trace files) are read as v1.

Stages: an event is logged at up to four stages of one request (same `auditID`).
`RequestReceived` says nothing about the outcome and is always followed by a later stage, so
it is IGNORED (like the common audit policy `omitStages: [RequestReceived]`).
`ResponseStarted` (long-running requests: exec, attach, port-forward, watch),
`ResponseComplete` and `Panic` each give a record; a long-running request thus has two records
with the same subject `k8s:<auditID>` and different `details.stage`.

Each recorded event becomes one `audit_event`:

- `action` = `verb` (`create`, `delete`, `patch`, `get`, ...); `actor` = `user.username`,
  with the impersonated user (when `impersonatedUser` is set) as a further actor link;
- `resource_type` = `objectRef.resource`, plus `/subresource` (`pods/exec`); `resource` =
  `namespace/name` (or `name` for cluster-scoped objects; the name of a created object is
  taken from `responseObject.metadata.name` when `objectRef.name` is absent), or the
  `requestURI` for non-resource requests (`/healthz`);
- `occurred_at` = `requestReceivedTimestamp` (else `stageTimestamp`, else v1beta1 `timestamp`);
- outcome: `failure` for a `Panic` stage, an HTTP status of 400 or more, or an
  `authorization.k8s.io/decision` annotation of `forbid`; `success` for any other status
  (101 Switching Protocols included); `unknown` when there is no status;
- `source_ip` = the first of `sourceIPs` (all of them in `details.source_ips`).
"""

from __future__ import annotations

from typing import Any

from soxtrail.domain.access_facts import AuditEventFacts, Outcome
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.reader import Node

SOURCE = "k8s-audit"
PROVIDER = "kubernetes"
_GROUP = "audit.k8s.io/"
_RECORDED_STAGES = ("ResponseStarted", "ResponseComplete", "Panic")
_STAGES = ("RequestReceived", *_RECORDED_STAGES)


class K8sAuditAdapter:
    """Kubernetes audit Events and EventLists."""

    name = SOURCE
    framing = "json"
    media_type = "application/json"
    suffixes = (".json", ".ndjson", ".jsonl", ".log")

    def detect(self, doc: Document, data: Any) -> bool:
        if not isinstance(data, dict) or data.get("kind") not in ("Event", "EventList"):
            return False
        version = data.get("apiVersion")
        if isinstance(version, str):
            return version.startswith(_GROUP)
        return "auditID" in data and "verb" in data

    def parse(self, doc: Document, data: Any) -> Parsed:
        root = Node(data, doc)
        events = _events(root)
        records: list[Evidence] = []
        received: list[str] = []
        for node in events:
            stage = node.opt_str("stage")
            if stage is not None and stage not in _STAGES:
                raise node.error(f"unknown audit stage {stage!r}", "stage")
            if stage == "RequestReceived":
                received.append(node.pointer or "/")
                continue
            records.append(_event(node, stage))
        note = None
        if received:
            note = (
                f"{len(received)} RequestReceived event(s) ignored (a later stage of the same "
                f"request carries its outcome): {', '.join(received)}"
            )
        return Parsed(records=tuple(records), ignored=note)


def _check_version(node: Node) -> None:
    version = node.opt_str("apiVersion")
    if version is not None and not version.startswith(_GROUP):
        raise node.error(f"expected an audit.k8s.io apiVersion, got {version!r}", "apiVersion")


def _events(root: Node) -> list[Node]:
    if isinstance(root.value, list):
        nodes = list(root.items())
    else:
        kind = root.req_str("kind")
        _check_version(root)
        if kind == "EventList":
            nodes = list(root.items("items", required=True))
        elif kind == "Event":
            return [root]
        else:
            raise root.error(
                f"expected a Kubernetes audit Event or EventList, got {kind!r}", "kind"
            )
    for node in nodes:
        kind = node.req_str("kind")
        if kind != "Event":
            raise node.error(f"expected a Kubernetes audit Event, got {kind!r}", "kind")
        _check_version(node)
    return nodes


def _time(node: Node) -> Any:
    for key in ("requestReceivedTimestamp", "stageTimestamp", "timestamp"):
        value = node.opt_instant(key)
        if value is not None:
            return value
    raise node.error("missing required key (or stageTimestamp)", "requestReceivedTimestamp")


def _event(node: Node, stage: str | None) -> Evidence:
    audit_id = node.req_str("auditID")
    verb = node.req_str("verb")
    when = _time(node)
    user = node.obj("user")
    username = user.opt_str("username")
    groups = user.str_list("groups")
    impersonated = node.opt_obj("impersonatedUser")
    as_user = impersonated.opt_str("username") if impersonated else None
    ips = node.str_list("sourceIPs")
    status = node.opt_obj("responseStatus")
    code = status.opt_int("code") if status else None
    annotations = node.opt_obj("annotations")
    decision = annotations.opt_str("authorization.k8s.io/decision") if annotations else None
    ref = node.opt_obj("objectRef")
    resource, resource_type, namespace = None, None, None
    if ref is not None:
        kind = ref.opt_str("resource")
        sub = ref.opt_str("subresource")
        namespace = ref.opt_str("namespace")
        name = ref.opt_str("name") or _created_name(node)
        resource_type = f"{kind}/{sub}" if kind and sub else kind
        if name:
            resource = f"{namespace}/{name}" if namespace else name
        elif namespace:
            resource = namespace
    else:
        resource = node.opt_str("requestURI")
    outcome: Outcome
    if stage == "Panic" or decision == "forbid" or (code is not None and code >= 400):
        outcome = "failure"
    elif code is not None:
        outcome = "success"
    else:
        outcome = "unknown"
    reason = None
    if outcome == "failure":
        reason = (status.opt_str("reason") or status.opt_str("message") if status else None) or (
            "Panic" if stage == "Panic" else decision
        )
    details: dict[str, Any] = {
        "stage": stage,
        "level": node.opt_str("level"),
        "request_uri": node.opt_str("requestURI"),
        "api_version": node.opt_str("apiVersion"),
        "api_group": ref.opt_str("apiGroup") if ref else None,
        "namespace": namespace,
        "groups": list(groups),
        "impersonated_user": as_user,
        "status_code": code,
        "decision": decision,
        "source_ips": list(ips),
    }
    links: list[tuple[str, str]] = [("actor", v) for v in (username, as_user) if v]
    if resource:
        links.append(("resource", resource))
    return Evidence(
        kind=Kind.AUDIT_EVENT,
        source=SOURCE,
        occurred_at=when,
        subject=f"k8s:{audit_id}",
        actor=username,
        facts=AuditEventFacts(
            provider=PROVIDER,
            action=verb,
            resource=resource,
            resource_type=resource_type,
            source_ip=ips[0] if ips else None,
            outcome=outcome,
            details={k: v for k, v in details.items() if v not in (None, [])},
            user_agent=node.opt_str("userAgent"),
            event_id=audit_id,
            actor_type="user",
            reason=reason,
        ),
        links=tuple(dict.fromkeys(links)),
        locator=node.pointer,
    )


def _created_name(node: Node) -> str | None:
    response = node.opt_obj("responseObject")
    metadata = response.opt_obj("metadata") if response else None
    return metadata.opt_str("name") if metadata else None


ADAPTER = K8sAuditAdapter()
