"""The kinds of evidence soxtrail knows."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """Every kind of evidence soxtrail knows (DESIGN §2, plus the few it needed beside them)."""

    COMMIT = "commit"
    PUSH = "push"
    CHANGE_REQUEST = "change_request"
    REVIEW = "review"
    TICKET = "ticket"
    PIPELINE_RUN = "pipeline_run"
    TEST_REPORT = "test_report"
    SCAN_REPORT = "scan_report"
    IAC_PLAN = "iac_plan"
    SBOM = "sbom"
    PROVENANCE = "provenance"
    DEPLOYMENT = "deployment"
    DEPLOYMENT_APPROVAL = "deployment_approval"
    ENVIRONMENT_SNAPSHOT = "environment_snapshot"
    REPO_PROTECTION = "repo_protection"
    IDENTITY = "identity"
    MEMBERSHIP = "membership"
    ROLE_DEFINITION = "role_definition"
    HR_RECORD = "hr_record"
    ACCESS_GRANT = "access_grant"
    ACCESS_REVIEW = "access_review"
    AUDIT_EVENT = "audit_event"
    SECRET_METADATA = "secret_metadata"  # noqa: S105 - a kind name, not a secret
    BACKUP = "backup"
    DR_TEST = "dr_test"
    DRIFT = "drift"
    DECISION = "decision"
    WAIVER = "waiver"
