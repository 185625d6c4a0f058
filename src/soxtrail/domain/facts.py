"""Kind-specific fields of evidence records ("facts"), one immutable model per kind.

Field names are a contract: the policy input, the store's JSON and the auditor's bundle all use
them. Adapters fill what their format carries and leave the rest at the defaults; a default
never claims something that did not happen (`merged=False`, `signature=None`, empty lists).
Every instant is UTC and serialised as RFC 3339 with `Z`.

`Facts` and `Instant` live in `facts_base` (so that `access_facts` can build on them without an
import cycle) and are re-exported here; the access kinds' models live in `access_facts`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from soxtrail.domain.access_facts import (
    AccessGrantFacts,
    AuditEventFacts,
    HrRecordFacts,
    IdentityFacts,
    MembershipFacts,
    RoleDefinitionFacts,
    SecretMetadataFacts,
)
from soxtrail.domain.access_review import AccessReviewFacts
from soxtrail.domain.facts_base import Facts as Facts  # noqa: PLC0414 - explicit re-export
from soxtrail.domain.facts_base import Instant as Instant  # noqa: PLC0414 - explicit re-export
from soxtrail.domain.kinds import Kind
from soxtrail.domain.operations_facts import BackupFacts, DrTestFacts

# --- change management -------------------------------------------------------------------


class Signature(Facts):
    """A commit signature and what verifying it gave."""

    format: Literal["gpg", "ssh", "x509", "unknown"]
    #: good: verifies with a trusted key; untrusted: verifies, key not trusted;
    #: bad: does not verify; unknown_key: the key is not available; error: could not check.
    status: Literal["good", "untrusted", "bad", "unknown_key", "expired", "revoked", "error"]
    signer: str | None = None
    key: str | None = None
    #: The primary key's fingerprint when `key` is a subkey's (OpenPGP).
    primary_key: str | None = None


class Trailer(Facts):
    key: str
    value: str


class CommitFacts(Facts):
    sha: str
    parents: tuple[str, ...] = ()
    author_name: str | None = None
    author_email: str | None = None
    authored_at: Instant | None = None
    committer_name: str | None = None
    committer_email: str | None = None
    committed_at: Instant | None = None
    message: str = ""
    trailers: tuple[Trailer, ...] = ()
    paths: tuple[str, ...] = ()
    #: True when the commit changed more paths than were kept in `paths` (a scanner's cap).
    paths_truncated: bool = False
    #: None when the commit carries no signature at all.
    signature: Signature | None = None
    #: The PR/MR number a merge or squash commit names ("Merge pull request #12", "(#12)").
    pr_number: int | None = None
    ticket_keys: tuple[str, ...] = ()
    #: The scanned branches this commit was found on.
    branches: tuple[str, ...] = ()


class PushFacts(Facts):
    ref: str
    before: str | None = None
    after: str | None = None
    forced: bool = False
    deleted: bool = False
    created: bool = False
    pusher: str | None = None
    commits: tuple[str, ...] = ()
    head_commit: str | None = None
    #: How many commits the push brought to the ref, as the forge counted them (GitLab's
    #: `total_commits_count`: `commits` lists at most 20 of them); None when the payload does
    #: not say (GitHub's push events).
    commit_count: int | None = None


class ChangeRequestFacts(Facts):
    """A pull request (GitHub) or merge request (GitLab), as of one event or API read."""

    platform: Literal["github", "gitlab"]
    number: int
    action: str | None = None
    state: Literal["open", "closed", "merged"]
    title: str = ""
    body: str = ""
    author: str | None = None
    head_ref: str | None = None
    head_sha: str | None = None
    base_ref: str | None = None
    base_sha: str | None = None
    merged: bool = False
    merged_at: Instant | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    labels: tuple[str, ...] = ()
    draft: bool = False
    created_at: Instant | None = None
    updated_at: Instant | None = None
    closed_at: Instant | None = None
    url: str | None = None
    ticket_keys: tuple[str, ...] = ()
    #: Commits known to belong to the change request (GitLab lists them; GitHub does not).
    commit_shas: tuple[str, ...] = ()
    #: How many commits the change request had, as the forge counted them (GitHub's
    #: `commits`); None when the payload does not say (GitLab's hooks, review events, records
    #: ingested before the field existed). A rebase merge writes that many commits.
    commit_count: int | None = None
    #: For `synchronize`: the head before and after the new commits.
    before: str | None = None
    after: str | None = None


class ReviewFacts(Facts):
    platform: Literal["github", "gitlab"]
    number: int
    review_id: str | None = None
    reviewer: str | None = None
    state: Literal["approved", "changes_requested", "commented", "dismissed", "unapproved"]
    action: str | None = None
    commit_sha: str | None = None
    submitted_at: Instant | None = None
    author_association: str | None = None
    #: The change request's head when the event was sent. Not necessarily the reviewed commit
    #: (`commit_sha` is); old GitHub payloads lack `commit_id` and only carry this.
    head_sha: str | None = None


class StatusChange(Facts):
    at: Instant
    by: str | None = None
    from_status: str | None = None
    to_status: str | None = None


class Approval(Facts):
    approver: str | None = None
    state: str
    at: Instant | None = None


class TicketFacts(Facts):
    tracker: Literal["jira", "servicenow"]
    key: str
    type: str | None = None
    status: str | None = None
    summary: str = ""
    reporter: str | None = None
    assignee: str | None = None
    priority: str | None = None
    labels: tuple[str, ...] = ()
    created_at: Instant | None = None
    updated_at: Instant | None = None
    status_history: tuple[StatusChange, ...] = ()
    approvals: tuple[Approval, ...] = ()
    #: ServiceNow change fields (state, approval, requested_by, start/end dates, ...).
    approval: str | None = None
    requested_by: str | None = None
    planned_start: Instant | None = None
    planned_end: Instant | None = None
    emergency: bool = False
    event: str | None = None
    deleted: bool = False


class PipelineRunFacts(Facts):
    provider: str
    #: workflow_run, workflow_job, check_run, check_suite, pipeline, job, merge_group, ...
    run_kind: str
    run_id: str
    name: str | None = None
    workflow: str | None = None
    event: str | None = None
    branch: str | None = None
    head_sha: str | None = None
    status: str | None = None
    conclusion: str | None = None
    url: str | None = None
    attempt: int | None = None
    started_at: Instant | None = None
    completed_at: Instant | None = None
    pull_requests: tuple[int, ...] = ()
    #: For a job or check: the run it belongs to (GitHub workflow run id, GitLab pipeline id).
    parent_run_id: str | None = None


class TestCaseFailure(Facts):
    suite: str | None = None
    name: str
    outcome: Literal["failure", "error"]
    message: str | None = None
    #: The test's class (JUnit `classname`), which with `name` identifies the test.
    classname: str | None = None


class TestReportFacts(Facts):
    tool: str
    suites: int = 0
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    duration_ms: int | None = None
    #: At most 200 failed or errored cases; the counts above are always exact.
    failed_cases: tuple[TestCaseFailure, ...] = ()
    #: The totals the report's suites declare in their attributes (`tests`, `failures`,
    #: `errors`, `skipped`), when they do. The counts above are counted from the test cases;
    #: a declared total above the counted one means the report says more than it shows.
    declared: dict[str, int] = Field(default_factory=dict)


class Finding(Facts):
    rule_id: str | None = None
    #: SARIF level: error, warning, note, none.
    level: str | None = None
    #: The `security-severity` score (0.0 to 10.0) when the tool gives one.
    security_severity: float | None = None
    #: Normalised: critical, high, medium, low, info.
    severity: Literal["critical", "high", "medium", "low", "info"]
    location: str | None = None
    message: str | None = None
    suppressed: bool = False
    fingerprint: str | None = None
    #: SARIF `baselineState`: new, unchanged, updated, or absent (fixed since the baseline).
    baseline_state: str | None = None


class ScanReportFacts(Facts):
    tool: str
    tool_version: str | None = None
    category: str | None = None
    findings: tuple[Finding, ...] = ()
    #: Findings per normalised severity, counting only open ones: not suppressed and not
    #: `absent` from the run (every severity is a key, zero or not).
    by_severity: dict[str, int] = Field(default_factory=dict)
    #: True only when the run says its analysis produced results (SARIF: a `results` array
    #: is present and no invocation reports `executionSuccessful: false`). A run without
    #: results is not a clean scan.
    analysis_complete: bool = False


class ResourceChange(Facts):
    address: str
    actions: tuple[str, ...]
    action_reason: str | None = None


class IacPlanFacts(Facts):
    tool: str = "terraform"
    format_version: str | None = None
    tool_version: str | None = None
    #: SHA-256 of the plan document as given (the digest an apply must match).
    plan_sha256: str
    changes: dict[str, int] = Field(default_factory=dict)
    resources: tuple[ResourceChange, ...] = ()
    #: Set for an apply record: the digest of the plan that was applied.
    applied: bool = False
    #: Addresses of resources changed outside Terraform since the last apply (`resource_drift`).
    drifted: tuple[str, ...] = ()
    #: Terraform 1.8+ `applyable` and `errored`; None when the plan does not say.
    applyable: bool | None = None
    errored: bool | None = None


class SbomVulnerability(Facts):
    """A vulnerability an SBOM or VEX document states, with its analysis (VEX)."""

    id: str | None = None
    #: VEX `analysis.state`: resolved, resolved_with_pedigree, exploitable, in_triage,
    #: false_positive, not_affected; None when the document gives no analysis.
    state: str | None = None
    justification: str | None = None
    #: `affects[].ref`: the bom-refs or BOM-Links of what it affects.
    affects: tuple[str, ...] = ()


class SbomFacts(Facts):
    format: str
    spec_version: str | None = None
    serial_number: str | None = None
    #: Every component, nested ones included.
    component_count: int = 0
    #: At most 500 components, each as its purl, else `group/name@version`.
    components: tuple[str, ...] = ()
    #: The component the SBOM describes (`metadata.component`), as its purl or name@version.
    component: str | None = None
    service_count: int = 0
    vulnerability_count: int = 0
    #: Vulnerabilities per VEX analysis state; `none` counts those without an analysis.
    vulnerability_states: dict[str, int] = Field(default_factory=dict)
    #: At most 500 vulnerabilities; the counts above are always exact.
    vulnerabilities: tuple[SbomVulnerability, ...] = ()


class ProvenanceFacts(Facts):
    """An in-toto statement (usually SLSA provenance) about built artifacts."""

    #: The statement's `_type`, e.g. `https://in-toto.io/Statement/v1`.
    statement_type: str
    predicate_type: str | None = None
    #: Each subject as `{"name": ..., "sha256": <hex or null>}`.
    subjects: tuple[dict[str, Any], ...] = ()
    builder_id: str | None = None
    build_type: str | None = None
    #: The source the build says it used, as the statement spells it, and its commit.
    source_uri: str | None = None
    source_commit: str | None = None
    #: The envelope carries at least one signature. NOT VERIFIED: no signature, certificate,
    #: transparency-log entry or builder identity is checked; verification is future work.
    signed: bool = False
    #: How the statement was wrapped: `dsse`, `sigstore-bundle`, or None (a bare statement).
    envelope: str | None = None
    #: The source ref (`refs/heads/main`, `refs/tags/v14`) when the statement names one.
    source_ref: str | None = None
    #: The build's invocation id (SLSA v1 `runDetails.metadata.invocationId`, v0.2
    #: `metadata.buildInvocationID`).
    invocation_id: str | None = None


class DeploymentFacts(Facts):
    provider: str
    deployment_id: str
    environment: str
    sha: str | None = None
    ref: str | None = None
    #: created, queued, pending, in_progress, success, failure, error, inactive
    status: str
    creator: str | None = None
    approvers: tuple[str, ...] = ()
    run_id: str | None = None
    run_url: str | None = None
    application: str | None = None
    automated: bool = False
    images: tuple[str, ...] = ()
    description: str | None = None


class DeploymentApprovalFacts(Facts):
    provider: str
    environment: str
    #: requested, approved, rejected
    state: str
    approver: str | None = None
    reviewers: tuple[str, ...] = ()
    run_id: str | None = None
    sha: str | None = None
    comment: str | None = None


class RepoProtectionFacts(Facts):
    """A branch protection rule or ruleset, or a change to one."""

    provider: str
    #: branch_protection_rule, repository_ruleset, protected_branch (audit)
    rule_kind: str
    action: str
    pattern: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    changes: dict[str, Any] = Field(default_factory=dict)


class Workload(Facts):
    kind: str
    namespace: str | None = None
    name: str
    container: str | None = None
    image: str
    digest: str | None = None
    version: str | None = None
    commit: str | None = None


class EnvironmentSnapshotFacts(Facts):
    cluster: str | None = None
    workloads: tuple[Workload, ...] = ()


class DriftFacts(Facts):
    system: str
    environment: str
    expected_commit: str | None = None
    differences: tuple[str, ...] = ()


FACTS_BY_KIND: dict[Kind, type[Facts]] = {  # completed at the end of the module
    Kind.COMMIT: CommitFacts,
    Kind.PUSH: PushFacts,
    Kind.CHANGE_REQUEST: ChangeRequestFacts,
    Kind.REVIEW: ReviewFacts,
    Kind.TICKET: TicketFacts,
    Kind.PIPELINE_RUN: PipelineRunFacts,
    Kind.TEST_REPORT: TestReportFacts,
    Kind.SCAN_REPORT: ScanReportFacts,
    Kind.IAC_PLAN: IacPlanFacts,
    Kind.SBOM: SbomFacts,
    Kind.PROVENANCE: ProvenanceFacts,
    Kind.DEPLOYMENT: DeploymentFacts,
    Kind.DEPLOYMENT_APPROVAL: DeploymentApprovalFacts,
    Kind.REPO_PROTECTION: RepoProtectionFacts,
    Kind.ENVIRONMENT_SNAPSHOT: EnvironmentSnapshotFacts,
    Kind.DRIFT: DriftFacts,
    Kind.IDENTITY: IdentityFacts,
    Kind.MEMBERSHIP: MembershipFacts,
    Kind.ROLE_DEFINITION: RoleDefinitionFacts,
    Kind.HR_RECORD: HrRecordFacts,
    Kind.ACCESS_GRANT: AccessGrantFacts,
    Kind.AUDIT_EVENT: AuditEventFacts,
    Kind.SECRET_METADATA: SecretMetadataFacts,
}


# --- soxtrail's own records ----------------------------------------------------------------


class ControlOutcome(Facts):
    id: str
    result: str
    subjects: int = 1


class DecisionFacts(Facts):
    """A gate decision: what was decided, on what, under which policy."""

    decision: Literal["allow", "deny"]
    system: str
    environment: str
    commit: str
    policy_digest: str
    input_sha256: str
    controls: tuple[ControlOutcome, ...] = ()
    dry_run: bool = False


class WaiverFacts(Facts):
    """One event in a waiver's life: requested, approved, rejected or revoked."""

    waiver_id: str
    action: Literal["request", "approve", "reject", "revoke"]
    control_id: str
    subject: str
    reason: str = ""
    requested_by: str | None = None
    approver: str | None = None
    expires_at: Instant | None = None


FACTS_BY_KIND[Kind.DECISION] = DecisionFacts
FACTS_BY_KIND[Kind.WAIVER] = WaiverFacts
FACTS_BY_KIND[Kind.ACCESS_REVIEW] = AccessReviewFacts
FACTS_BY_KIND[Kind.BACKUP] = BackupFacts
FACTS_BY_KIND[Kind.DR_TEST] = DrTestFacts
