"""HashiCorp Vault audit device log: one JSON entry per line (file, socket and syslog devices).

Format (Vault documentation, "Audit devices"; checked against Vault 1.4 to 1.17 output): each
line is an entry with `type` (`request` or `response`), `time`, `auth` (`display_name`,
`entity_id`, `policies`, `metadata`, `token_type`, HMAC-ed `client_token`/`accessor`),
`request` (`id`, `operation`, `path`, `remote_address`, `mount_type`, `namespace.id`),
`response` (response entries only) and `error`. Sensitive values are HMAC-ed by Vault
(`hmac-sha256:...`) and are kept exactly as they are.

Every line becomes one `audit_event` record (a request and its response are two records
sharing the subject `vault:<request.id>`; pairing them is left to the controls, which would
otherwise need state across documents):

- `action` = the operation (`read`, `update`, `create`, `delete`, `list`); `resource` =
  the request path; `resource_type` = the mount type when Vault logs it (1.7+), else None;
- `actor` = `auth.display_name` (`token-lab-admins`, `userpass-alice`), else None (a login
  request or an unauthenticated call); `auth.metadata.username`/`role_name` and `entity_id`
  are extra `("actor", ...)` links;
- outcome: `failure` when the entry has an `error`; else `success` for a response and
  `unknown` for a request (Vault logs the request before it knows the outcome);
- `details`: entry type, request id, namespace, policies, token type, entity id, metadata
  and the error text.
"""

from __future__ import annotations

from typing import Any

from soxtrail.domain.access_facts import AuditEventFacts, Outcome
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.reader import Node

SOURCE = "vault-audit"
PROVIDER = "vault"
_TYPES = ("request", "response")


class VaultAuditAdapter:
    """Vault audit device entries (NDJSON)."""

    name = SOURCE
    framing = "json"
    media_type = "application/x-ndjson"
    suffixes = (".log", ".json", ".ndjson", ".jsonl")

    def detect(self, doc: Document, data: Any) -> bool:
        return (
            isinstance(data, dict)
            and data.get("type") in _TYPES
            and isinstance(data.get("request"), dict)
            and "time" in data
            and ("auth" in data or "path" in data["request"])
        )

    def parse(self, doc: Document, data: Any) -> Parsed:
        root = Node(data, doc)
        if isinstance(data, list):
            return Parsed(records=tuple(_entry(item) for item in root.items()))
        return Parsed(records=(_entry(root),))


def _entry(node: Node) -> Evidence:
    entry_type = node.req_str("type")
    if entry_type not in _TYPES:
        raise node.error(f"expected request or response, got {entry_type!r}", "type")
    when = node.instant("time")
    request = node.obj("request")
    request_id = request.req_str("id")
    operation = request.req_str("operation")
    path = request.req_str("path")
    response = node.opt_obj("response")
    auth = node.opt_obj("auth")
    error = node.opt_str("error")
    display_name = auth.opt_str("display_name") if auth else None
    metadata = auth.opt_obj("metadata") if auth else None
    meta: dict[str, str] = {
        key: value
        for key, value in (metadata.value.items() if metadata is not None else ())
        if isinstance(value, str)
    }
    entity_id = auth.opt_str("entity_id") if auth else None
    namespace = request.opt_obj("namespace")
    mount_type = request.opt_str("mount_type") or (
        response.opt_str("mount_type") if response else None
    )
    outcome: Outcome
    if error:
        outcome = "failure"
    elif entry_type == "response":
        outcome = "success"
    else:
        outcome = "unknown"
    details: dict[str, Any] = {
        "type": entry_type,
        "request_id": request_id,
        "namespace": namespace.opt_str("id") if namespace else None,
        "policies": list(auth.str_list("policies")) if auth else [],
        "token_type": auth.opt_str("token_type") if auth else None,
        "entity_id": entity_id,
        "metadata": meta,
        "error": error,
    }
    people = (display_name, meta.get("username"), meta.get("role_name"), entity_id)
    return Evidence(
        kind=Kind.AUDIT_EVENT,
        source=SOURCE,
        occurred_at=when,
        subject=f"{PROVIDER}:{request_id}",
        actor=display_name,
        facts=AuditEventFacts(
            provider=PROVIDER,
            action=operation,
            resource=path,
            resource_type=mount_type,
            source_ip=request.opt_str("remote_address"),
            outcome=outcome,
            details={k: v for k, v in details.items() if v not in (None, [], {})},
            event_id=request_id,
            reason=error,
        ),
        links=(
            *(("actor", v) for v in dict.fromkeys(people) if v),
            ("resource", path),
        ),
        locator=node.pointer,
    )


ADAPTER = VaultAuditAdapter()
