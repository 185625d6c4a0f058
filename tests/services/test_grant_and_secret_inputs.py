"""The matching rules of the AC-04/AC-06/AC-07 input builders (pure parts)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from soxtrail.domain.access_facts import AccessGrantFacts, SecretMetadataFacts
from soxtrail.domain.access_scope import MembershipPatterns
from soxtrail.domain.evidence import Evidence, StoredEvidence
from soxtrail.domain.facts import ScanReportFacts
from soxtrail.domain.kinds import Kind
from soxtrail.services.grant_inputs import Grant
from soxtrail.services.secret_inputs import belongs_to, is_secret_scan

START = datetime(2026, 7, 14, 9, tzinfo=UTC)


def grant(**changes: object) -> Grant:
    fields: dict[str, object] = {
        "provider": "aws-team",
        "grantee": "alice@acme.example",
        "resource": "111122223333",
        "role": "AdministratorAccess",
        "role_id": "arn:aws:sso:::permissionSet/ssoins-1/ps-2",
        "granted_at": START,
        "expires_at": datetime(2026, 7, 14, 11, tzinfo=UTC),
    } | changes
    facts = AccessGrantFacts.model_validate(fields)
    record = Evidence(
        kind=Kind.ACCESS_GRANT,
        source="aws-team",
        occurred_at=START,
        subject="aws-team:1",
        facts=facts,
    )
    return Grant(StoredEvidence("id", 1, record), facts, "alice@acme.example", None)


@pytest.mark.parametrize(
    ("provider", "group", "role", "expected"),
    [
        pytest.param("aws-iam", "111122223333", "AdministratorAccess", True, id="by-name"),
        pytest.param(
            "aws-iam", "111122223333", "arn:aws:sso:::permissionSet/ssoins-1/ps-2", True, id="arn"
        ),
        pytest.param("aws-iam", "111122223333", "ReadOnlyAccess", False, id="other-role"),
        pytest.param("aws-iam", "444455556666", "AdministratorAccess", False, id="other-account"),
        pytest.param("aws-team", "111122223333", "AdministratorAccess", False, id="tool-name"),
    ],
)
def test_a_team_grant_matches_aws_iam_memberships(
    provider: str, group: str, role: str, expected: bool
) -> None:
    assert grant().matches(provider, group, role) is expected


def test_window_ends_at_revocation_and_scope_uses_the_role_id() -> None:
    revoked = grant(revoked_at=datetime(2026, 7, 14, 10, tzinfo=UTC))
    assert revoked.covers(datetime(2026, 7, 14, 9, 30, tzinfo=UTC))
    assert not revoked.covers(datetime(2026, 7, 14, 10, 30, tzinfo=UTC))
    assert grant().in_scope(MembershipPatterns.parse(["aws-iam:*:*ps-2"]))
    assert not grant().in_scope(MembershipPatterns.parse(["okta:*"]))


@pytest.mark.parametrize(
    ("name", "system", "expected"),
    [
        pytest.param("billing/production/db", None, True, id="path-segment"),
        pytest.param("secret/billing/db", None, True, id="vault-path"),
        pytest.param("billing-reports/db", None, False, id="not-a-segment"),
        pytest.param("shared/db", "Billing", True, id="tag-wins"),
        pytest.param("billing/db", "payroll", False, id="tag-says-other"),
    ],
)
def test_a_secret_belongs_to_a_system(name: str, system: str | None, expected: bool) -> None:
    facts = SecretMetadataFacts(provider="aws", name=name, system=system)
    assert belongs_to(facts, "billing") is expected


def test_secret_scans_are_recognised_by_tool_or_category() -> None:
    assert is_secret_scan(ScanReportFacts(tool="Gitleaks"))
    assert is_secret_scan(ScanReportFacts(tool="trivy", category="secret-scan"))
    assert not is_secret_scan(ScanReportFacts(tool="CodeQL", category="/language:python"))
