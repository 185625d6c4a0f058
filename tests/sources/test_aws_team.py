"""The AWS TEAM adapter: one access_grant per JIT request record.

Fixtures are BUILT from TEAM's public request schema (`tests/fixtures/aws-team/README.md`);
the shared corpus has no TEAM records.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.kinds import Kind
from soxtrail.sources.aws_team import ADAPTER
from tests.helpers import FIXTURES, records_of

LIST = FIXTURES / "aws-team" / "list_requests.json"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_each_request_is_one_grant() -> None:
    records = records_of(ADAPTER, LIST)
    assert [r.kind for r in records] == [Kind.ACCESS_GRANT] * 3
    ended = records[0]
    assert ended.subject == "aws-team:9b2f6c1e-4d3a-4c8e-9f10-2a7b5c3d1e01"
    facts = ended.facts
    assert (facts.grantee, facts.resource, facts.role) == (
        "alice@acme.example",
        "111122223333",
        "AdministratorAccess",
    )
    assert facts.approver == "bob@acme.example" and facts.approved is True
    assert facts.granted_at == _at("2026-07-14T09:00:00")
    assert facts.expires_at == _at("2026-07-14T11:00:00")  # startTime + duration hours
    assert facts.requested_at == _at("2026-07-14T08:41:12.345")
    assert facts.approved_at is None  # TEAM does not record it
    assert facts.ticket == "INC-4411" and ended.tickets == ("INC-4411",)
    assert ended.occurred_at == _at("2026-07-14T11:00:04.120")
    assert ("account", "111122223333") in ended.links


def test_the_approver_of_a_rejected_request_is_not_an_approver() -> None:
    _, rejected, revoked = records_of(ADAPTER, LIST)
    assert rejected.facts.status == "rejected"
    assert rejected.facts.approved is False and rejected.facts.approver is None
    assert rejected.facts.ticket is None
    assert revoked.facts.revoked_at == _at("2026-07-15T07:50:00")
    assert revoked.facts.expires_at == _at("2026-07-15T08:30:00")
    assert revoked.facts.approver == "carol@acme.example"


def test_single_request_and_graphql_envelope(tmp_path: Path) -> None:
    item = json.loads(LIST.read_text())["items"][0]
    single = tmp_path / "one.json"
    single.write_text(json.dumps(item))
    graphql = tmp_path / "gql.json"
    graphql.write_text(json.dumps({"data": {"listRequests": {"items": [item]}}}))
    assert [r.subject for r in records_of(ADAPTER, single)] == [
        r.subject for r in records_of(ADAPTER, graphql)
    ]
    assert ADAPTER.detect(None, item)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "pointer", "problem"),
    [
        pytest.param({"duration": "two"}, "/items/0/duration", "positive number", id="duration"),
        pytest.param({"duration": "0"}, "/items/0/duration", "positive number", id="zero"),
        pytest.param({"startTime": "soon"}, "/items/0/startTime", "not a timestamp", id="start"),
        pytest.param({"accountId": None}, "/items/0/accountId", "null", id="account"),
    ],
)
def test_malformed_requests_name_the_field(
    tmp_path: Path, change: dict[str, object], pointer: str, problem: str
) -> None:
    data = json.loads(LIST.read_text())
    data["items"][0].update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    message = str(caught.value)
    assert str(path) in message and pointer in message and problem in message
