"""AWS CloudTrail: log files, single events, EventBridge events and SNS/SQS notifications.

Formats (AWS CloudTrail User Guide, "CloudTrail record contents", event versions 1.0-1.11):

- a log file as CloudTrail writes it to S3, `{"Records": [event, ...]}` (also `.json.gz`);
- a bare array of events (what `aws cloudtrail lookup-events` tooling and detonation logs
  dump), one event, or NDJSON of events (CloudTrail Lake exports);
- an Amazon EventBridge event whose `detail` is the CloudTrail event (`detail-type`
  `AWS API Call via CloudTrail`, `AWS Console Sign In via CloudTrail`, ...);
- an SNS notification (as received through SQS) whose `Message` is JSON inside a string: a
  new-log-file notice (`s3Bucket`, `s3ObjectKey[]`) is ignored with the files it names (ingest
  those files); a message holding events or a log file is read as above.

Each event becomes one `audit_event` record:

- `action` = `eventSource:eventName` (`iam.amazonaws.com:CreateUser`); `occurred_at` =
  `eventTime`; `subject` = `cloudtrail:<eventID>` (a content id when there is no eventID);
- actor, from `userIdentity.type`: IAMUser -> `userName` (else `arn`); AssumedRole ->
  `<sessionIssuer.userName>/<session name from the arn>`; FederatedUser ->
  `<sessionIssuer.userName>/<federated name from the arn>`; Root -> the root `arn`;
  AWSService -> `invokedBy`; AWSAccount -> `principalId`; any other -> `userName`, `arn`,
  `principalId` or `invokedBy`, the first present. Links `("actor", ...)` name the actor,
  its ARN and the session name (an SSO session name is the user's email);
- resource: the first `resources[].ARN` when the event lists resources; otherwise the first
  string among `requestParameters` keys in this order: bucketName, roleName, userName,
  groupName, policyArn, roleArn, functionName, trailName, secretId, keyId, instanceId,
  dBInstanceIdentifier, clusterIdentifier, name. Every resource ARN and every such parameter
  is also a `("resource", ...)` link;
- outcome `failure` when `errorCode` is present (or a ConsoleLogin says Failure), else
  `success`; `reason` = `errorCode`.

Events with a null or absent `eventTime`, `eventName` or `eventSource` cannot be placed in time
or named: they are skipped and the document reports them (`ignored`, with their pointers); a
wrong type anywhere is an InputError. The whole document is parsed in memory, which is fine
for CloudTrail files (one per account, region and five minutes: tens of MB at most).
"""

from __future__ import annotations

import json
from typing import Any

from soxtrail.domain.access_facts import AuditEventFacts, Outcome
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.envelopes import content_id, is_eventbridge
from soxtrail.sources.reader import Node

PROVIDER = "cloudtrail"

#: requestParameters keys that name the resource acted on, by priority, with its type.
_PARAM_RESOURCES: tuple[tuple[str, str | None], ...] = (
    ("bucketName", "AWS::S3::Bucket"),
    ("roleName", "AWS::IAM::Role"),
    ("userName", "AWS::IAM::User"),
    ("groupName", "AWS::IAM::Group"),
    ("policyArn", "AWS::IAM::ManagedPolicy"),
    ("roleArn", "AWS::IAM::Role"),
    ("functionName", "AWS::Lambda::Function"),
    ("trailName", "AWS::CloudTrail::Trail"),
    ("secretId", "AWS::SecretsManager::Secret"),
    ("keyId", "AWS::KMS::Key"),
    ("instanceId", "AWS::EC2::Instance"),
    ("dBInstanceIdentifier", "AWS::RDS::DBInstance"),
    ("clusterIdentifier", "AWS::Redshift::Cluster"),
    ("name", None),
)
#: Top-level scalar fields kept in `details`.
_DETAIL_FIELDS = (
    "eventVersion",
    "eventType",
    "eventCategory",
    "awsRegion",
    "recipientAccountId",
    "readOnly",
    "managementEvent",
    "requestID",
    "sharedEventID",
    "vpcEndpointId",
    "errorMessage",
)
_EVENT_KEYS = ("eventVersion", "eventName", "eventSource", "eventTime", "eventID")


def _is_event(value: Any) -> bool:
    return isinstance(value, dict) and any(k in value for k in _EVENT_KEYS)


class CloudTrailAdapter:
    """CloudTrail log files, events, EventBridge events and SNS notifications."""

    name = "cloudtrail"
    framing = "json"
    media_type = "application/json"
    suffixes = (".json", ".ndjson", ".jsonl")

    def detect(self, doc: Document, data: Any) -> bool:
        if isinstance(data, dict):
            if isinstance(data.get("Records"), list):
                records = data["Records"]
                return not records or _is_event(records[0])
            if is_eventbridge(data):
                return "CloudTrail" in str(data.get("detail-type"))
            if data.get("Type") == "Notification" and isinstance(data.get("Message"), str):
                return "CloudTrail" in data["Message"] or "cloudtrail" in str(data.get("TopicArn"))
            if "digestStartTime" in data and "logFiles" in data:
                return True
            return "eventName" in data and "eventSource" in data
        if isinstance(data, list) and data:
            return isinstance(data[0], dict) and "eventName" in data[0] and "eventSource" in data[0]
        return False

    def parse(self, doc: Document, data: Any) -> Parsed:
        root = Node(data, doc)
        events, ignored = _events(root)
        if ignored is not None:
            return Parsed(ignored=ignored)
        records: list[Evidence] = []
        skipped: list[str] = []
        for node in events:
            record = _event(node)
            if record is None:
                skipped.append(node.pointer or "/")
            else:
                records.append(record)
        note = None
        if skipped:
            note = (
                f"{len(skipped)} event(s) without eventTime, eventName or eventSource "
                f"skipped: {', '.join(skipped)}"
            )
        return Parsed(records=tuple(records), ignored=note)


# --- envelopes ---------------------------------------------------------------------------


def _events(root: Node) -> tuple[list[Node], str | None]:
    """The event nodes of a document, or why the document holds none."""
    value = root.value
    if isinstance(value, list):
        return list(root.items()), None
    if not isinstance(value, dict):
        raise root.error("expected a CloudTrail log file, event or notification (a JSON object)")
    if "Records" in value:
        items = list(root.items("Records", required=True))
        if (
            items
            and isinstance(items[0].value, dict)
            and items[0].value.get("eventSource")
            in (
                "aws:s3",
                "aws:sqs",
            )
        ):
            return [], "an S3/SQS event notification, not CloudTrail events"
        return items, None
    if is_eventbridge(value):
        detail_type = root.req_str("detail-type")
        if "CloudTrail" not in detail_type:
            raise root.error(f"an EventBridge event of detail-type {detail_type!r}, not CloudTrail")
        return [root.obj("detail")], None
    if value.get("Type") == "Notification" or ("Message" in value and "TopicArn" in value):
        return _notification(root)
    if "digestStartTime" in value and "logFiles" in value:
        return [], "a CloudTrail digest file (integrity hashes of log files), not events"
    if _is_event(value):
        return [root], None
    raise root.error("not a CloudTrail log file, event, EventBridge event or SNS notification")


def _notification(root: Node) -> tuple[list[Node], str | None]:
    message = root.child("Message")
    text = message.as_str()
    try:
        inner = json.loads(text)
    except json.JSONDecodeError as exc:
        raise message.error(f"the SNS Message is not valid JSON: {exc.msg} at {exc.pos}") from exc
    node = Node(inner, root.doc, message.pointer)
    if isinstance(inner, dict) and "s3ObjectKey" in inner:
        bucket = node.opt_str("s3Bucket") or "?"
        keys = node.str_list("s3ObjectKey")
        shown = ", ".join(f"s3://{bucket}/{k}" for k in dict.fromkeys(keys))
        return [], f"a CloudTrail new-log-file notification; ingest the files it names: {shown}"
    return _events(node)


# --- events ------------------------------------------------------------------------------


_SCALAR_TYPES = (str, int, float, bool)


def _scalars(value: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    obj = value if isinstance(value, dict) else {}
    return {k: obj[k] for k in keys if isinstance(obj.get(k), _SCALAR_TYPES)}


def _last_segment(arn: str | None) -> str | None:
    if not arn or "/" not in arn:
        return None
    return arn.rsplit("/", 1)[-1] or None


def _actor(identity: Node | None) -> tuple[str | None, str | None, list[str], dict[str, Any]]:
    """(actor, identity type, actor link values, details) of a userIdentity."""
    if identity is None:
        return None, None, [], {}
    kind = identity.opt_str("type")
    arn = identity.opt_str("arn")
    user_name = identity.opt_str("userName")
    principal = identity.opt_str("principalId")
    invoked_by = identity.opt_str("invokedBy")
    context = identity.opt_obj("sessionContext")
    issuer = context.opt_obj("sessionIssuer") if context else None
    issuer_name = issuer.opt_str("userName") if issuer else None
    attributes = context.opt_obj("attributes") if context else None
    session = _last_segment(arn) if kind in ("AssumedRole", "FederatedUser") else None
    if kind == "IAMUser":
        actor = user_name or arn
    elif kind in ("AssumedRole", "FederatedUser"):
        actor = f"{issuer_name}/{session}" if issuer_name and session else arn or principal
    elif kind == "Root":
        actor = arn or principal
    elif kind == "AWSService":
        actor = invoked_by or principal
    elif kind == "AWSAccount":
        actor = principal or identity.opt_str("accountId")
    else:
        actor = user_name or arn or principal or invoked_by
    details = {
        "account_id": identity.opt_str("accountId"),
        "access_key_id": identity.opt_str("accessKeyId"),
        "principal_id": principal,
        "invoked_by": invoked_by,
        "session_issuer_arn": issuer.opt_str("arn") if issuer else None,
        "mfa_authenticated": attributes.opt_str("mfaAuthenticated") if attributes else None,
    }
    links = [v for v in dict.fromkeys((actor, arn, session, user_name)) if v]
    return actor, kind, links, details


def _resources(node: Node) -> tuple[str | None, str | None, list[str]]:
    """(resource, resource type, resource link values) of an event."""
    first: tuple[str | None, str | None] | None = None
    links: list[str] = []
    for item in node.items("resources"):
        arn = item.opt_str("ARN")
        if arn:
            links.append(arn)
            if first is None:
                first = (arn, item.opt_str("type"))
    params = node.opt_value("requestParameters")
    if isinstance(params, dict):
        for key, kind in _PARAM_RESOURCES:
            value = params.get(key)
            if isinstance(value, str) and value:
                links.append(value)
                if first is None:
                    first = (value, kind)
    resource, kind = first or (None, None)
    return resource, kind, list(dict.fromkeys(links))


def _outcome(node: Node, error_code: str | None) -> Outcome:
    if error_code:
        return "failure"
    response = node.opt_value("responseElements")
    if isinstance(response, dict):
        login = response.get("ConsoleLogin")
        if login == "Failure":
            return "failure"
    return "success"


def _event(node: Node) -> Evidence | None:
    """The audit record of one event; None when it has no time, name or source."""
    event_time = node.opt_instant("eventTime")
    event_name = node.opt_str("eventName")
    event_source = node.opt_str("eventSource")
    if event_time is None or not event_name or not event_source:
        return None
    event_id = node.opt_str("eventID")
    actor, actor_type, actor_links, identity_details = _actor(node.opt_obj("userIdentity"))
    resource, resource_type, resource_links = _resources(node)
    error_code = node.opt_str("errorCode")
    details: dict[str, Any] = {**_scalars(node.value, _DETAIL_FIELDS), **identity_details}
    extra = node.opt_value("additionalEventData")
    if isinstance(extra, dict):
        details.update({f"additional_{k}": v for k, v in _scalars(extra, ("MFAUsed",)).items()})
    if error_code:
        details["errorCode"] = error_code
    return Evidence(
        kind=Kind.AUDIT_EVENT,
        source=PROVIDER,
        occurred_at=event_time,
        subject=f"{PROVIDER}:{event_id or content_id(node.value)}",
        actor=actor,
        facts=AuditEventFacts(
            provider=PROVIDER,
            action=f"{event_source}:{event_name}",
            resource=resource,
            resource_type=resource_type,
            source_ip=node.opt_str("sourceIPAddress"),
            outcome=_outcome(node, error_code),
            details={k: v for k, v in details.items() if v is not None},
            user_agent=node.opt_str("userAgent"),
            event_id=event_id,
            actor_type=actor_type,
            reason=error_code,
        ),
        links=(
            *(("actor", v) for v in actor_links),
            *(("resource", v) for v in resource_links),
        ),
        locator=node.pointer,
    )


ADAPTER = CloudTrailAdapter()
