"""Facts of the operations kinds: backup jobs and disaster-recovery (restore) tests (OP-02).

Like every facts model they are a contract: field names are read by the policies, stored as
JSON and shipped to auditors, so fields are only ever added.
"""

from __future__ import annotations

from typing import Literal

from soxtrail.domain.facts_base import Facts, Instant

#: Normalised states of a backup job. `completed` is the only success; `failed`, `aborted`,
#: `expired` (the job did not start within its window) and `partial` (some parts of a
#: composite backup failed) are failures; `created`, `pending`, `running` and `aborting` are
#: still in progress; `unknown` is a state this version does not know.
BackupState = Literal[
    "completed",
    "failed",
    "aborted",
    "expired",
    "partial",
    "created",
    "pending",
    "running",
    "aborting",
    "unknown",
]

#: The backup states that are failures (a job that will not produce a usable recovery point).
FAILED_BACKUP_STATES: tuple[BackupState, ...] = ("failed", "aborted", "expired", "partial")

#: A value a restore-test check compares: any JSON scalar.
CheckValue = str | bool | int | float | None


class BackupFacts(Facts):
    """One backup job of one resource (AWS Backup `BackupJob`), as of one listing.

    Attributes:
        provider: the backup service (`aws-backup`).
        job_id: the service's id of the job; a job listed twice (running, then completed)
            gives two records with the same job id, the later state wins.
        resource: what was backed up (a resource ARN).
        state: normalised state (see `BackupState`); `provider_state` as the service spells it.
        created_at: when the job was created (scheduled or on demand).
        completed_at: when it finished, successfully or not; None while it runs.
        recovery_point: the recovery point it produced (ARN), the reference a restore test
            names.
    """

    provider: str
    job_id: str
    resource: str
    resource_type: str | None = None
    resource_name: str | None = None
    state: BackupState
    provider_state: str
    status_message: str | None = None
    message_category: str | None = None
    vault: str | None = None
    vault_arn: str | None = None
    recovery_point: str | None = None
    plan_id: str | None = None
    plan_name: str | None = None
    rule_id: str | None = None
    rule_name: str | None = None
    account_id: str | None = None
    created_at: Instant
    completed_at: Instant | None = None
    size_bytes: int | None = None
    backup_type: str | None = None
    parent_job_id: str | None = None


class RestoreCheck(Facts):
    """One comparison of a restore test: the value expected and the value found after restore."""

    name: str
    expected: CheckValue
    actual: CheckValue
    matched: bool
    description: str | None = None


class DrTestFacts(Facts):
    """A disaster-recovery drill: a backup was restored and the result checked (OP-02).

    Attributes:
        system: the in-scope system whose data was restored.
        performed_by: who ran the test (as given; mapped to a person by the services).
        recovery_point: the backup or recovery point restored (ARN or id).
        checks: what was compared (row counts, checksums, ...), each with expected and actual.
        passed: every actual value equals its expected value (and there is at least one).
    """

    system: str
    performed_by: str
    recovery_point: str | None = None
    backup_job_id: str | None = None
    resource: str | None = None
    restored_to: str | None = None
    checks: tuple[RestoreCheck, ...]
    passed: bool
    notes: str | None = None


def same_value(expected: CheckValue, actual: CheckValue) -> bool:
    """Whether two check values are the same JSON value.

    Numbers compare by value (`1` equals `1.0`); booleans equal only booleans (`true` is not
    `1`); strings compare exactly (no trimming, no case folding); null equals only null.
    """
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return expected == actual
    return type(expected) is type(actual) and expected == actual
