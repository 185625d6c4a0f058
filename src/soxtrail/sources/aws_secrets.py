"""AWS Secrets Manager secret metadata: `aws secretsmanager list-secrets` and `describe-secret`.

Format (AWS Secrets Manager API Reference, `ListSecrets` and `SecretListEntry`,
`DescribeSecret`): `{"SecretList": [entry, ...], "NextToken": ...}` for a listing, or one
entry (the `describe-secret` output). An entry has `ARN`, `Name`, `Description`, `KmsKeyId`,
`RotationEnabled`, `RotationLambdaARN`, `RotationRules` (`AutomaticallyAfterDays`,
`Duration`, `ScheduleExpression`), `LastRotatedDate`, `LastChangedDate`, `LastAccessedDate`,
`DeletedDate`, `NextRotationDate`, `Tags` (`[{"Key", "Value"}]`), `SecretVersionsToStages`,
`OwningService`, `CreatedDate`, `PrimaryRegion`. Dates are ISO 8601 strings in the CLI's
output and epoch seconds (with a fraction) in the raw API's JSON; both are read. The secret
values themselves are never in these documents.

One `secret_metadata` record per entry: `name` = `Name`, `path` = `ARN`, `manager`
`aws-secrets-manager`, `kms_key` = `KmsKeyId`, `created_at`, `last_rotated_at` =
`LastRotatedDate`, `last_changed_at`, `last_accessed_at`, `deleted_at` = `DeletedDate`,
`rotation_enabled`, `rotation_interval_days` = `RotationRules.AutomaticallyAfterDays`,
`tags`, and the system and environment from the tags or hints (`sources/secret_scope.py`).
The listing describes a state: `occurred_at` is the `as_of` hint, else the newest instant of
the entry. Subject: `aws-secrets-manager:<ARN>` (else the name).
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

SOURCE = "aws-secrets"
MANAGER = "aws-secrets-manager"


def _tags(entry: Node) -> dict[str, str]:
    tags: dict[str, str] = {}
    for tag in entry.items("Tags"):
        if not isinstance(tag.value, dict):
            raise tag.error(f"expected a {{Key, Value}} object, got {describe(tag.value)}")
        tags[tag.req_str("Key")] = tag.opt_str("Value") or ""
    return tags


def _entry(entry: Node, doc: Document) -> Evidence:
    if not isinstance(entry.value, dict):
        raise entry.error(f"expected a secret entry object, got {describe(entry.value)}")
    name = entry.req_str("Name")
    arn = entry.opt_str("ARN")
    rules = entry.opt_obj("RotationRules")
    interval = rules.opt_int("AutomaticallyAfterDays") if rules is not None else None
    tags = _tags(entry)
    system, environment = scope_of(tags, doc)
    created = entry.opt_instant("CreatedDate")
    rotated = entry.opt_instant("LastRotatedDate")
    changed = entry.opt_instant("LastChangedDate")
    accessed = entry.opt_instant("LastAccessedDate")
    deleted = entry.opt_instant("DeletedDate")
    facts = SecretMetadataFacts(
        provider="aws",
        name=name,
        path=arn,
        environment=environment,
        manager=MANAGER,
        kms_key=entry.opt_str("KmsKeyId"),
        created_at=created,
        last_rotated_at=rotated,
        rotation_interval_days=interval,
        rotation_enabled=entry.opt_bool("RotationEnabled"),
        last_changed_at=changed,
        last_accessed_at=accessed,
        deleted_at=deleted,
        system=system,
        tags=tags,
    )
    return Evidence(
        kind=Kind.SECRET_METADATA,
        source=SOURCE,
        occurred_at=snapshot_time(observed_at(doc), created, rotated, changed, deleted),
        subject=f"{MANAGER}:{arn or name}",
        environment=environment,
        facts=facts,
        links=tuple(("resource", v) for v in dict.fromkeys((arn, name)) if v),
        locator=entry.pointer,
    )


class AwsSecretsAdapter:
    """`ingest aws-secrets`: Secrets Manager list-secrets / describe-secret JSON."""

    name = SOURCE
    framing: Framing = "json"
    media_type = "application/json"
    suffixes: tuple[str, ...] = (".json",)

    def detect(self, doc: Document, data: Any) -> bool:
        if not isinstance(data, dict):
            return False
        return isinstance(data.get("SecretList"), list) or (
            isinstance(data.get("ARN"), str)
            and ":secretsmanager:" in data["ARN"]
            and "Name" in data
        )

    def parse(self, doc: Document, data: Any) -> Parsed:
        """One secret_metadata record per secret.

        Raises:
            InputError: not a listing or an entry, or an entry with a mistyped field.
        """
        root = Node(data, doc)
        if not isinstance(data, dict):
            raise root.error(f"expected list-secrets output, got {describe(data)}")
        if "SecretList" in data:
            entries = list(root.items("SecretList", required=True))
            if not entries:
                return Parsed(ignored="a Secrets Manager listing with no secrets")
            return Parsed(records=tuple(_entry(e, doc) for e in entries))
        if "Name" in data:
            return Parsed(records=(_entry(root, doc),))
        raise root.error(
            "not Secrets Manager metadata: expected SecretList (list-secrets) or an entry "
            "with Name (describe-secret)"
        )


ADAPTER = AwsSecretsAdapter()
