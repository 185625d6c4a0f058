"""HashiCorp Vault KV version 2 secret metadata: `vault kv metadata get -format=json`.

Format (Vault documentation, "KV secrets engine - version 2 (API)", Read Secret Metadata,
`GET /<mount>/metadata/<path>`, and the `vault kv metadata get` command): a response
envelope (`request_id`, `lease_id`, `renewable`, `lease_duration`, `warnings`) whose `data`
holds `cas_required`, `created_time`, `current_version`, `custom_metadata` (string map, or
null), `delete_version_after`, `max_versions`, `oldest_version`, `updated_time` and
`versions` (`{"<n>": {"created_time", "deletion_time", "destroyed"}}`). Times are RFC 3339
with nanoseconds. The secret's values are never in it.

Vault does not repeat the secret's path in the response, so it comes from the `path` hint
(`--hint path=secret/billing/production/db`), or from a `path` key beside `data` (a wrapper
a script adds when it dumps many secrets as NDJSON); without either it is an InputError.

One `secret_metadata` record: `name` and `path` = the path, `manager` `vault`,
`created_at` = `created_time`, `last_rotated_at` = the `created_time` of the current
version (when the value was last written: KV has no rotation of its own, so a new version
is the rotation), `last_changed_at` = `updated_time`, `deleted_at` = the current
version's `deletion_time` (or any time when it was destroyed), `rotation_enabled` None,
`tags` = `custom_metadata`, system and environment from it or the hints
(`sources/secret_scope.py`). `occurred_at` is the `as_of` hint, else `updated_time`.
"""

from __future__ import annotations

from typing import Any

from soxtrail.domain.access_facts import SecretMetadataFacts
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.reader import Node, describe
from soxtrail.sources.secret_scope import scope_of
from soxtrail.sources.snapshots import observed_at, snapshot_time

SOURCE = "vault-kv"
MANAGER = "vault"


def _is_metadata(data: Any) -> bool:
    inner = data.get("data") if isinstance(data, dict) else None
    return isinstance(inner, dict) and "current_version" in inner and "versions" in inner


def _custom(data: Node) -> dict[str, str]:
    custom = data.opt_obj("custom_metadata")
    out: dict[str, str] = {}
    for key in custom.value if custom is not None else ():
        value = custom.opt_str(key) if custom is not None else None
        out[key] = value or ""
    return out


def _record(root: Node, doc: Document) -> Evidence:
    path = root.opt_str("path") or (doc.hints.get("path") or "").strip().strip("/") or None
    if path is None:
        raise root.error(
            "Vault does not say which secret this is: give --hint path=<mount>/<path> "
            "(or a path key beside data)"
        )
    data = root.obj("data")
    current = data.req_int("current_version")
    versions = data.obj("versions")
    version = versions.opt_obj(str(current))
    rotated = version.opt_instant("created_time") if version is not None else None
    deleted = version.opt_instant("deletion_time") if version is not None else None
    if version is not None and version.opt_bool("destroyed") and deleted is None:
        deleted = data.opt_instant("updated_time")
    created = data.opt_instant("created_time")
    updated = data.opt_instant("updated_time")
    tags = _custom(data)
    system, environment = scope_of(tags, doc)
    facts = SecretMetadataFacts(
        provider="vault",
        name=path,
        path=path,
        environment=environment,
        manager=MANAGER,
        created_at=created,
        last_rotated_at=rotated,
        last_changed_at=updated,
        deleted_at=deleted,
        system=system,
        tags=tags,
    )
    return Evidence(
        kind=Kind.SECRET_METADATA,
        source=SOURCE,
        occurred_at=snapshot_time(observed_at(doc), updated, created),
        subject=f"{MANAGER}:{path}",
        environment=environment,
        facts=facts,
        links=(("resource", path),),
        locator=root.pointer,
    )


class VaultKvAdapter:
    """`ingest vault-kv`: KV v2 metadata responses (see the module docstring)."""

    name = SOURCE
    framing: Framing = "json"
    media_type = "application/json"
    suffixes: tuple[str, ...] = (".json", ".ndjson", ".jsonl")

    def detect(self, doc: Document, data: Any) -> bool:
        return _is_metadata(data)

    def parse(self, doc: Document, data: Any) -> Parsed:
        """One secret_metadata record.

        Raises:
            InputError: not KV v2 metadata, no path, or a mistyped field.
        """
        root = Node(data, doc)
        if isinstance(data, list):
            return Parsed(records=tuple(_record(self._checked(n), doc) for n in root.items()))
        return Parsed(records=(_record(self._checked(root), doc),))

    @staticmethod
    def _checked(node: Node) -> Node:
        if not _is_metadata(node.value):
            shown = describe(node.value)
            raise node.error(
                f"not Vault KV v2 metadata (data with current_version, versions): got {shown}"
            )
        return node


ADAPTER = VaultKvAdapter()
