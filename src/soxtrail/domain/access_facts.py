"""Facts of the logical-access and operations kinds: accounts, memberships, HR, grants, audit.

These feed the access controls (AC-01 SSO/MFA, AC-02 leavers, AC-03 access review, AC-04
time-bound access, AC-05 segregation of duties, AC-06 provisioning, AC-07 secrets) and the
audit-logging control (OP-01). Like every facts model they are a contract: field names are read
by the policies, stored as JSON and shipped to auditors, so fields are only ever added.

Snapshot kinds (identity, membership, hr_record) describe a state, not an act: their
`observed_at` says when the state was read when the input says so (a report's generation
time, or the `as_of` hint the ingest passes), and is None when nobody said.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from soxtrail.domain.facts_base import Facts, Instant

#: Normalised account states. `active` can sign in; `suspended` is temporarily blocked;
#: `deprovisioned` was deactivated for good (Okta) or removed; `disabled` has no usable
#: credential left (AWS IAM user without password or active key); `staged` exists but was
#: never activated.
IdentityStatus = Literal["active", "suspended", "deprovisioned", "disabled", "staged"]

#: Whether an audited action succeeded; `unknown` when the log does not say.
Outcome = Literal["success", "failure", "unknown"]


#: IAM Identity Center directory spellings: a user's and a group's `account_type`, and the
#: `group_kind` of a user's membership of a group (not access by itself: the services expand
#: an account assignment to a group into its users with these).
IDENTITY_CENTER_USER = "identity_center_user"
DIRECTORY_GROUP = "group"
DIRECTORY_GROUP_KIND = "identity_store_group"
#: The `action` of a membership record that says a group's member list was read in full at
#: its `observed_at` (its `member` is empty): a group read and found empty has members
#: (none), a group never read has unknown members.
LISTED = "listed"
#: The `account_type` of an organisation account (GitHub's `type`).
ORGANIZATION = "Organization"


class AccessKey(Facts):
    """A programmatic credential of an account (AWS access key or signing certificate)."""

    #: The slot or id the provider gives it (`1`, `2` in the credential report).
    key_id: str
    kind: Literal["access_key", "certificate"] = "access_key"
    active: bool
    last_rotated_at: Instant | None = None
    last_used_at: Instant | None = None
    last_used_region: str | None = None
    last_used_service: str | None = None


class IdentityFacts(Facts):
    """One account in one tool (Okta user, GitHub user, AWS IAM user), as of one read.

    Attributes:
        provider: okta, github, aws-iam.
        account_id: the provider's stable id (Okta user id, GitHub numeric id, IAM user ARN).
        status: normalised state; None when the document does not say (a factor list).
        provider_status: the state as the provider spells it (`LOCKED_OUT`, `PROVISIONED`).
        aspect: `account` for a full account record, `factors` for a record that only
            carries MFA facts (the Okta Factors API); controls merge them per account_id.
        sso: whether sign-in goes through the SSO identity provider; None when unknown.
        mfa_enrolled: whether at least one active second factor is enrolled; None when unknown.
        mfa_factors: the active factor types (`push`, `token:software:totp`, `webauthn`).
    """

    provider: str
    account_id: str
    login: str | None = None
    email: str | None = None
    display_name: str | None = None
    status: IdentityStatus | None = None
    provider_status: str | None = None
    aspect: Literal["account", "factors"] = "account"
    account_type: str | None = None
    arn: str | None = None
    roles: tuple[str, ...] = ()
    sso: bool | None = None
    mfa_enrolled: bool | None = None
    mfa_factors: tuple[str, ...] = ()
    created_at: Instant | None = None
    activated_at: Instant | None = None
    status_changed_at: Instant | None = None
    last_login_at: Instant | None = None
    deactivated_at: Instant | None = None
    password_enabled: bool | None = None
    password_last_used_at: Instant | None = None
    password_last_changed_at: Instant | None = None
    password_next_rotation_at: Instant | None = None
    access_keys: tuple[AccessKey, ...] = ()
    observed_at: Instant | None = None
    #: For an organisation account (GitHub `type` Organization): whether it requires
    #: two-factor authentication of its members (`two_factor_requirement_enabled`); None
    #: when the document does not say.
    mfa_required: bool | None = None


class MembershipFacts(Facts):
    """Someone's membership of a group, team, repository, role or account, or a change to it.

    Attributes:
        provider: okta, github, aws-iam (the GitLab adapter uses gitlab).
        group: what the member belongs to: an Okta group name, a GitHub organisation
            (`acme`), team (`@acme/platform`) or repository (`acme/billing`), an AWS account.
        member: the member as the provider spells it (login, principal id).
        role: the role or access level in the group (`admin`, `maintain`, a permission set).
        action: `member` for a snapshot, `added` or `removed` for a change, `listed` for
            the record that a group's whole member list was read (`member` empty).
        expires_at: when the membership ends by itself, if it does.
        group_kind: organization, team, repository, okta_group, aws_account,
            identity_store_group (a user's membership of an IAM Identity Center group: not
            access by itself, the services expand group assignments with it).
        state: the provider's state of the membership (`active`, `pending`).
        permissions: the individual permissions granted (GitHub `push`, `admin`, ...).
    """

    provider: str
    group: str
    member: str
    role: str | None = None
    action: str = "member"
    expires_at: Instant | None = None
    #: GitLab: the project a project-level membership is about (group is then the group).
    project: str | None = None
    group_kind: str | None = None
    group_id: str | None = None
    member_id: str | None = None
    member_type: str | None = None
    scope: str | None = None
    state: str | None = None
    permissions: tuple[str, ...] = ()
    observed_at: Instant | None = None


class RoleDefinitionFacts(Facts):
    """A role a provider defines, by id and name: an IAM Identity Center permission set.

    Memberships name roles by id (a permission set ARN); access patterns and people name them
    by name (`AdministratorAccess`). This record joins the two.

    Attributes:
        provider: aws-iam.
        role_id: the role's stable id (the permission set ARN).
        name: its name.
        session_duration: how long a session with it lasts, as the provider spells it
            (ISO 8601 duration, `PT8H`).
    """

    provider: str
    role_id: str
    name: str
    description: str | None = None
    session_duration: str | None = None
    created_at: Instant | None = None
    observed_at: Instant | None = None


class HrRecordFacts(Facts):
    """One person in the HR roster: who they are, who manages them, whether they still work here."""

    person_id: str
    email: str | None = None
    name: str | None = None
    manager: str | None = None
    department: str | None = None
    title: str | None = None
    status: Literal["active", "terminated", "leave"]
    #: The status as the roster spells it.
    hr_status: str | None = None
    start_date: Instant | None = None
    termination_date: Instant | None = None
    observed_at: Instant | None = None


class AccessGrantFacts(Facts):
    """A grant of access (often privileged and time-bound) and how it was requested and approved."""

    provider: str
    grantee: str
    resource: str
    role: str | None = None
    requested_by: str | None = None
    approver: str | None = None
    granted_at: Instant | None = None
    expires_at: Instant | None = None
    revoked_at: Instant | None = None
    request_id: str | None = None
    justification: str | None = None
    #: The request's state as the tool spells it, lower-cased (`approved`, `ended`,
    #: `rejected`, `pending`, ...); None when the source does not say.
    status: str | None = None
    #: Whether the request was approved, as far as the source says (None: it does not say).
    approved: bool | None = None
    requested_at: Instant | None = None
    #: When the approval was given; None when the source does not record it separately.
    approved_at: Instant | None = None
    #: The ticket the request was made in (`ACC-12`, `RITM0010001`), if any.
    ticket: str | None = None
    #: The role's identifier when the tool has one beside its name (a permission set ARN).
    role_id: str | None = None


class AuditEventFacts(Facts):
    """One entry of an audit log (CloudTrail, Okta System Log, Vault, Kubernetes, GitHub).

    Attributes:
        provider: cloudtrail, okta, vault, kubernetes, github (gitlab from the GitLab adapter).
        action: what was done, as the tool names it (`iam.amazonaws.com:CreateUser`,
            `user.session.start`, `protected_branch.destroy`, a Kubernetes verb).
        resource: what it was done to (ARN, path, `namespace/name`, repository).
        resource_type: the kind of that resource (`AWS::IAM::Role`, `pods/exec`).
        outcome: success, failure, or unknown when the log does not say.
        details: further provider fields worth keeping (region, error code, session, ...).
        event_id: the log's own id for the entry, when it has one.
        reason: why it failed (error code or message), when it did.
    """

    provider: str
    action: str
    resource: str | None = None
    resource_type: str | None = None
    source_ip: str | None = None
    outcome: Outcome = "unknown"
    details: dict[str, Any] = Field(default_factory=dict)
    user_agent: str | None = None
    event_id: str | None = None
    actor_type: str | None = None
    reason: str | None = None


class SecretMetadataFacts(Facts):
    """Metadata of a secret in a secrets manager: where it lives and when it was rotated."""

    provider: str
    name: str
    path: str | None = None
    environment: str | None = None
    manager: str | None = None
    kms_key: str | None = None
    created_at: Instant | None = None
    last_rotated_at: Instant | None = None
    rotation_interval_days: int | None = None
    #: Whether the manager rotates it automatically (None: the source does not say).
    rotation_enabled: bool | None = None
    #: When its value or metadata last changed (Secrets Manager LastChangedDate; Vault
    #: updated_time of the metadata).
    last_changed_at: Instant | None = None
    last_accessed_at: Instant | None = None
    #: When it was deleted or scheduled for deletion; None while it lives.
    deleted_at: Instant | None = None
    #: The system it belongs to, from a tag, custom metadata or the `system` ingest hint.
    system: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
