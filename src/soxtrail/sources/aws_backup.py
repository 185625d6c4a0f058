"""AWS Backup jobs: the output of `aws backup list-backup-jobs` (and `describe-backup-job`).

Format (AWS Backup API Reference, `ListBackupJobs` and the `BackupJob` data type; AWS CLI
`backup list-backup-jobs` examples): a listing is `{"BackupJobs": [job, ...], "NextToken"}`
(the CLI pages through and prints every job; a saved page may still carry `NextToken`); a
`describe-backup-job` answer is one job object. A job has `BackupJobId`, `ResourceArn`,
`ResourceType` (`RDS`, `EBS`, `DynamoDB`, ...), `ResourceName`, `State` (`CREATED`,
`PENDING`, `RUNNING`, `ABORTING`, `ABORTED`, `COMPLETED`, `FAILED`, `EXPIRED`, `PARTIAL`),
`StatusMessage`, `MessageCategory`, `CreationDate`, `CompletionDate`, `BackupVaultName`,
`BackupVaultArn`, `RecoveryPointArn`, `BackupSizeInBytes`, `AccountId`, `BackupType`,
`ParentJobId`, `CreatedBy` (`BackupPlanId`, `BackupPlanName`, `BackupRuleId`,
`BackupRuleName`, ...). Dates are epoch seconds with milliseconds (`1600721892.929`, the API's
and AWS CLI v1's spelling) or ISO 8601 (AWS CLI v2's default); both are read.

Each job becomes one `backup` record: subject `aws-backup:<BackupJobId>`, `occurred_at` =
`CreationDate`, no actor (AWS Backup runs the job; `CreatedBy` names the plan, kept in the
facts), links `("resource", ResourceArn)` and `("resource", RecoveryPointArn)`. The state is
normalised (see `soxtrail.domain.operations_facts.BackupState`); a state this version does not
know reads `unknown`, which no control counts as a success. A job without `BackupJobId`,
`ResourceArn`, `State` or `CreationDate`, or with a value of the wrong type, is an error naming
the file and pointer.
"""

from __future__ import annotations

from typing import Any, get_args

from soxtrail.domain.evidence import Evidence
from soxtrail.domain.kinds import Kind
from soxtrail.domain.operations_facts import BackupFacts, BackupState
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.reader import Node
from soxtrail.sources.records import node_record

SOURCE = "aws-backup"
PROVIDER = "aws-backup"
_STATES: frozenset[str] = frozenset(get_args(BackupState))


class AwsBackupAdapter:
    """AWS Backup job listings (`list-backup-jobs`) and single jobs (`describe-backup-job`)."""

    name = SOURCE
    framing = "json"
    media_type = "application/json"
    suffixes = (".json",)

    def detect(self, doc: Document, data: Any) -> bool:
        if isinstance(data, dict) and isinstance(data.get("BackupJobs"), list):
            return True
        return isinstance(data, dict) and "BackupJobId" in data and "ResourceArn" in data

    def parse(self, doc: Document, data: Any) -> Parsed:
        root = Node(data, doc)
        if isinstance(data, dict) and "BackupJobs" in data:
            jobs = [_job(item) for item in root.items("BackupJobs", required=True)]
            if not jobs:
                return Parsed(ignored="no backup jobs in the listing")
            return Parsed(records=tuple(jobs))
        if isinstance(data, dict) and "BackupJobId" in data:
            return Parsed(records=(_job(root),))
        raise root.error('expected an AWS Backup listing ({"BackupJobs": [...]}) or one job')


def _state(node: Node) -> tuple[BackupState, str]:
    spelled = node.req_str("State")
    normalised = spelled.strip().lower()
    if normalised in _STATES and normalised != "unknown":
        state: BackupState = normalised  # type: ignore[assignment]  # checked just above
        return state, spelled
    return "unknown", spelled


def _job(node: Node) -> Evidence:
    job_id = node.req_str("BackupJobId")
    resource = node.req_str("ResourceArn")
    state, spelled = _state(node)
    created_at = node.instant("CreationDate")
    created_by = node.opt_obj("CreatedBy")
    recovery_point = node.opt_str("RecoveryPointArn")
    size = node.opt_int("BackupSizeInBytes")
    facts = BackupFacts(
        provider=PROVIDER,
        job_id=job_id,
        resource=resource,
        resource_type=node.opt_str("ResourceType"),
        resource_name=node.opt_str("ResourceName"),
        state=state,
        provider_state=spelled,
        status_message=node.opt_str("StatusMessage") or None,
        message_category=node.opt_str("MessageCategory"),
        vault=node.opt_str("BackupVaultName"),
        vault_arn=node.opt_str("BackupVaultArn"),
        recovery_point=recovery_point,
        plan_id=created_by.opt_str("BackupPlanId") if created_by else None,
        plan_name=created_by.opt_str("BackupPlanName") if created_by else None,
        rule_id=created_by.opt_str("BackupRuleId") if created_by else None,
        rule_name=created_by.opt_str("BackupRuleName") if created_by else None,
        account_id=node.opt_str("AccountId"),
        created_at=created_at,
        completed_at=node.opt_instant("CompletionDate"),
        size_bytes=size,
        backup_type=node.opt_str("BackupType") or None,
        parent_job_id=node.opt_str("ParentJobId"),
    )
    links = [("resource", resource)]
    if recovery_point:
        links.append(("resource", recovery_point))
    return node_record(
        SOURCE,
        Kind.BACKUP,
        node,
        occurred_at=created_at,
        subject=f"{SOURCE}:{job_id}",
        facts=facts,
        links=links,
    )


ADAPTER = AwsBackupAdapter()
