"""Access requests made as Jira issues or ServiceNow requested items become access grants.

Fixtures are BUILT from the Jira Cloud REST API and ServiceNow Table API documentation
(`tests/fixtures/access-request/README.md`); the corpus has no access-request tickets.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.kinds import Kind
from soxtrail.sources.access_requests import ADAPTER
from tests.helpers import FIXTURES, records_of

JIRA = FIXTURES / "access-request" / "jira_access_request.json"
SNOW = FIXTURES / "access-request" / "servicenow_ritm.json"
JIRA_HINTS = {
    "resource_field": "customfield_10071",
    "role_field": "customfield_10072",
    "expires_field": "customfield_10073",
}
SNOW_HINTS = {"resource_field": "u_access_group", "approver_field": "u_approved_by"}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_jira_access_request_with_its_approval() -> None:
    (record,) = records_of(ADAPTER, JIRA, JIRA_HINTS)
    assert record.kind is Kind.ACCESS_GRANT and record.subject == "access-request:ACC-12"
    facts = record.facts
    assert (facts.provider, facts.resource, facts.role) == ("github", "acme/billing", "admin")
    assert facts.grantee == "5b10ac8d82e05b22cc7d4ef5"  # the reporter, by accountId
    assert facts.approver == "5b10a2844c20165700ede21g"  # who moved it to Approved
    assert facts.approved_at == _at("2026-07-13T09:30:00")
    assert facts.granted_at == _at("2026-07-13T10:05:00")  # resolutiondate
    assert facts.expires_at == _at("2026-07-20T17:00:00")
    assert facts.status == "done" and facts.ticket == "ACC-12"
    assert record.tickets == ("ACC-12",)


def test_approved_status_is_configurable() -> None:
    (record,) = records_of(ADAPTER, JIRA, {**JIRA_HINTS, "approved_status": "Granted"})
    assert record.facts.approved is False and record.facts.approver is None


def test_servicenow_requested_items() -> None:
    approved, waiting = records_of(ADAPTER, SNOW, SNOW_HINTS)
    assert approved.subject == "access-request:RITM0010001"
    assert (approved.facts.provider, approved.facts.resource) == ("okta", "Billing-Admins")
    assert approved.facts.grantee == "carol@acme.example"
    assert approved.facts.approver == "dave@acme.example"
    assert approved.facts.approved_at == _at("2026-07-10T09:15:00")
    assert approved.facts.granted_at == _at("2026-07-10T10:00:00")
    assert waiting.facts.approved is False and waiting.facts.approver is None


def test_servicenow_without_an_approver_field_has_no_approver() -> None:
    approved, _ = records_of(ADAPTER, SNOW, {"resource_field": "u_access_group"})
    assert approved.facts.approved is True and approved.facts.approver is None


def test_the_provider_hint_names_the_tool() -> None:
    hints = {"resource": "acme/billing", "provider": "GitHub", "role": "maintain"}
    (record,) = records_of(ADAPTER, JIRA, hints)
    assert (record.facts.provider, record.facts.resource) == ("github", "acme/billing")
    assert record.facts.role == "maintain"


def test_without_a_resource_mapping_it_says_which_hint_to_give() -> None:
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, JIRA)
    assert "resource_field" in str(caught.value) and str(JIRA) in str(caught.value)


def test_an_empty_grantee_field_is_an_input_error(tmp_path: Path) -> None:
    data = json.loads(JIRA.read_text())
    data["fields"]["reporter"] = None
    path = tmp_path / "no-reporter.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path, JIRA_HINTS)
    assert "/fields/reporter" in str(caught.value) and "grantee" in str(caught.value)
