"""GitHub audit log entries (GitHub.com organisations and enterprises, GitHub Enterprise Server).

Forms read (GitHub Docs, "Reviewing the audit log for your organization", "Audit log events",
"Streaming the audit log", "Using the audit log API"):

- the REST API `GET /orgs/{org}/audit-log` and the JSON export: an array of entries, or one
  entry; audit log streaming (S3, Azure, Splunk, ...): NDJSON, one entry per line;
- GitHub Enterprise Server audit entries forwarded by syslog, as StreamAlert test events
  (`{"data": {"message": "<190>Sep 5 ... github_audit: {...}"}, "log": "ghe:general", ...}`):
  the entry is the JSON after `github_audit:` in the syslog line; entries are also accepted
  directly as StreamAlert `data`.
- the CSV export is read by the `github-audit-csv` source (`github_audit_csv.py`), which
  turns each row into an entry and hands it to the same code.

Every entry gives one `audit_event` record: `action` as GitHub names it
(`protected_branch.destroy`, `repository_ruleset.update`, `org.invite_member`); `actor` =
`actor` (a login); `occurred_at` = `created_at`, else `@timestamp`; `resource` = the `repo`
(owner/name), else the `team`, the affected `user`, the `org` or the `business`, with
`resource_type` repository, team, user, organization or enterprise; `source_ip` =
`actor_ip`; `user_agent`; outcome `success` (the audit log records actions that were
performed); `subject` = `github-audit:<_document_id>` (GHES: `data._document_id`), else a
content id. Numeric timestamps are epoch MILLISECONDS, as GitHub documents (so the sanitized
`created_at: 123` of a StreamAlert fixture is 1970-01-01T00:00:00.123Z); digit strings too;
the odd `2024-12-17 00:00:00000000` (no dot before the fraction) is read as seconds `00` and
fraction `000000`.

Branch protection and ruleset changes (`protected_branch.*`, `repository_ruleset.*`, except
`protected_branch.policy_override` and `protected_branch.rejected_ref_update`, which are
pushes against a rule, not changes to it) ALSO give a `repo_protection` record for CM-12:
`rule_kind` protected_branch or repository_ruleset, `action` the full audit action,
`pattern` the branch name or pattern (`name`, else `branch`) or the ruleset name, `settings`
the rule's fields in the entry, `changes` the `old_*` values and the rule lists added,
deleted or updated.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from soxtrail.domain.access_facts import AuditEventFacts
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import RepoProtectionFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.envelopes import content_id, is_streamalert, streamalert_log
from soxtrail.sources.reader import Node, describe
from soxtrail.sources.timestamps import parse_timestamp

SOURCE = "github-audit"
PROVIDER = "github"

_SYSLOG = re.compile(
    r"^(?:<\d{1,3}>)?.*?\bgithub_audit(?:\[\d+\])?:\s*(?P<json>\{.*\})\s*$", re.DOTALL
)
_ODD_TIME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<hms>\d{2}:\d{2}:\d{2})(?P<frac>\d+)$")
#: Entry fields that say who, when and where, not what a protection rule requires.
_META = frozenset(
    {
        "action",
        "actor",
        "actor_id",
        "actor_ip",
        "actor_is_bot",
        "actor_location",
        "actor_session",
        "areas_of_responsibility",
        "business",
        "business_id",
        "created_at",
        "@timestamp",
        "_document_id",
        "dbconn",
        "newsies_dbconn",
        "tenant_fail_safe",
        "from",
        "method",
        "request_id",
        "server_id",
        "url",
        "user_agent",
        "org",
        "org_id",
        "repo",
        "repo_id",
        "repository",
        "repository_id",
        "public_repo",
        "user",
        "user_id",
        "name",
        "branch",
        "operation_type",
        "reason",
        "hashed_token",
        "token_id",
        "token_scopes",
        "programmatic_access_type",
        "request_access_security_header",
        "request_category",
        "transport_protocol",
        "transport_protocol_name",
        "external_identity_nameid",
        "external_identity_username",
        "data",
        "p_log_type",
    }
)
#: Entry fields read into the record itself, not repeated in `details`.
_MAPPED = frozenset(
    {
        "action",
        "actor",
        "created_at",
        "@timestamp",
        "actor_ip",
        "user_agent",
        "_document_id",
        "repo",
    }
)
_NOT_SETTINGS_CHANGES = ("protected_branch.policy_override", "protected_branch.rejected_ref_update")
_CHANGE_SUFFIXES = ("_added", "_deleted", "_updated")


class GithubAuditAdapter:
    """GitHub audit log entries as JSON, NDJSON or syslog lines in StreamAlert envelopes."""

    name = SOURCE
    framing = "json"
    media_type = "application/json"
    suffixes = (".json", ".ndjson", ".jsonl")

    def detect(self, doc: Document, data: Any) -> bool:
        first = data[0] if isinstance(data, list) and data else data
        if (log := streamalert_log(first)) is not None:
            return log.startswith("ghe:") or "github" in log
        return (
            isinstance(first, dict)
            and isinstance(first.get("action"), str)
            and "." in first["action"]
            and ("created_at" in first or "@timestamp" in first)
            and ("actor" in first or "org" in first or "business" in first)
        )

    def parse(self, doc: Document, data: Any) -> Parsed:
        root = Node(data, doc)
        if isinstance(data, list) and not data:
            return Parsed(ignored="an empty list of audit entries")
        nodes = list(root.items()) if isinstance(data, list) else [root]
        records: list[Evidence] = []
        for node in nodes:
            records.extend(entry_records(_entry(node)))
        return Parsed(records=tuple(records))


def _entry(node: Node) -> Node:
    """The audit entry in a document element: itself, or inside a StreamAlert envelope."""
    if is_streamalert(node.value):
        data = node.obj("data")
        message = data.opt_child("message")
        if message is None:
            return data
        text = message.as_str()
        match = _SYSLOG.match(text)
        if match is None:
            raise message.error("not a syslog line with a github_audit JSON entry")
        try:
            entry = json.loads(match["json"])
        except json.JSONDecodeError as exc:
            raise message.error(f"the github_audit entry is not valid JSON: {exc.msg}") from exc
        return Node(entry, node.doc, message.pointer)
    if isinstance(node.value, dict) and "action" in node.value:
        return node
    raise node.error("not a GitHub audit log entry (no action)")


def _instant(node: Node) -> datetime:
    """When the entry happened: created_at, else @timestamp (see the module docstring)."""
    for key in ("created_at", "@timestamp"):
        child = node.opt_child(key)
        if child is None or child.value == "":
            continue
        value = child.value
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise child.error(f"expected a timestamp, got {describe(value)}")
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        text = value.strip()
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        if odd := _ODD_TIME.match(text):
            text = f"{odd['date']}T{odd['hms']}.{odd['frac']}Z"
        try:
            return parse_timestamp(text)
        except ValueError as exc:
            raise child.error(str(exc)) from exc
    raise node.error("missing required key (or @timestamp)", "created_at")


def _scalar_details(node: Node) -> dict[str, Any]:
    obj: dict[str, Any] = node.value
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key.startswith("ruleset_") or key in _MAPPED:
            continue
        scalar_list = isinstance(value, list) and all(
            isinstance(v, str | int | float) for v in value
        )
        if isinstance(value, str | int | float | bool) or scalar_list:
            out[key] = value
    location = obj.get("actor_location")
    if isinstance(location, dict) and isinstance(location.get("country_code"), str):
        out["actor_location.country_code"] = location["country_code"]
    data = obj.get("data")
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str | int | float | bool) and key not in _META:
                out[f"data.{key}"] = value
    return out


def _resource(node: Node) -> tuple[str | None, str | None, list[str]]:
    found: list[tuple[str, str]] = []
    for key, kind in (
        ("repo", "repository"),
        ("team", "team"),
        ("user", "user"),
        ("org", "organization"),
        ("business", "enterprise"),
    ):
        value = node.opt_str(key)
        if value:
            found.append((value, kind))
    if not found:
        return None, None, []
    return found[0][0], found[0][1], [v for v, _ in found]


def entry_records(node: Node) -> list[Evidence]:
    """The records of one audit entry: an audit_event, and a repo_protection for rule changes.

    Raises:
        InputError: no action, no usable time, or a wrong type in a field read.
    """
    action = node.req_str("action")
    when = _instant(node)
    actor = node.opt_str("actor")
    repo = node.opt_str("repo")
    org = node.opt_str("org")
    resource, resource_type, resource_links = _resource(node)
    data = node.opt_obj("data")
    document_id = node.opt_str("_document_id") or (
        data.opt_str("_document_id") if data is not None else None
    )
    subject = f"{SOURCE}:{document_id or content_id(node.value)}"
    links = [("actor", actor)] if actor else []
    links.extend(("resource", v) for v in resource_links)
    records = [
        Evidence(
            kind=Kind.AUDIT_EVENT,
            source=SOURCE,
            occurred_at=when,
            subject=subject,
            actor=actor,
            repo=repo if repo and "/" in repo else None,
            facts=AuditEventFacts(
                provider=PROVIDER,
                action=action,
                resource=resource,
                resource_type=resource_type,
                source_ip=node.opt_str("actor_ip"),
                outcome="success",
                details=_scalar_details(node),
                user_agent=node.opt_str("user_agent"),
                event_id=document_id,
                actor_type="bot" if node.value.get("actor_is_bot") is True else None,
            ),
            links=tuple(dict.fromkeys(links)),
            locator=node.pointer,
        )
    ]
    protection = _protection(node, action)
    if protection is not None:
        scope = repo or org or PROVIDER
        records.append(
            Evidence(
                kind=Kind.REPO_PROTECTION,
                source=SOURCE,
                occurred_at=when,
                subject=f"{scope}:{protection.pattern}" if protection.pattern else scope,
                actor=actor,
                repo=repo if repo and "/" in repo else None,
                facts=protection,
                links=tuple(dict.fromkeys(links)),
                locator=node.pointer,
            )
        )
    return records


def _protection(node: Node, action: str) -> RepoProtectionFacts | None:
    family = action.split(".", 1)[0]
    if family not in ("protected_branch", "repository_ruleset"):
        return None
    if action in _NOT_SETTINGS_CHANGES:
        return None
    obj: dict[str, Any] = dict(node.value)
    data = obj.get("data")
    if isinstance(data, dict):
        obj.update({k: v for k, v in data.items() if k not in obj})
    settings: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    if family == "repository_ruleset":
        pattern = node.opt_str("ruleset_name")
        for key, value in obj.items():
            if not key.startswith("ruleset_") or key == "ruleset_name":
                continue
            name = key.removeprefix("ruleset_")
            if name.startswith("old_"):
                changes[name.removeprefix("old_")] = {
                    "from": value,
                    "to": obj.get(f"ruleset_{name.removeprefix('old_')}"),
                }
            elif name.endswith(_CHANGE_SUFFIXES):
                changes[name] = value
            else:
                settings[name] = value
        return RepoProtectionFacts(
            provider=PROVIDER,
            rule_kind="repository_ruleset",
            action=action,
            pattern=pattern,
            settings=settings,
            changes=changes,
        )
    pattern = node.opt_str("name") or node.opt_str("branch")
    for key, value in obj.items():
        if key in _META or key.startswith("p_"):
            continue
        if key.startswith("old_"):
            changes[key.removeprefix("old_")] = {
                "from": value,
                "to": obj.get(key.removeprefix("old_")),
            }
        else:
            settings[key] = value
    return RepoProtectionFacts(
        provider=PROVIDER,
        rule_kind="protected_branch",
        action=action,
        pattern=pattern,
        settings=settings,
        changes=changes,
    )


ADAPTER = GithubAuditAdapter()
