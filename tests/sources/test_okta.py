"""The Okta adapter: users, group members, factors and System Log events.

Corpus: `okta-system-log/**` (a StreamAlert test event, and a Panther rule spec whose test
Logs are hand-written LogEvents). Users, groups and factors are BUILT fixtures in
`tests/fixtures/okta/` (from Okta's public API reference; see the README there).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document
from soxtrail.sources.framing import InputSource, frame
from soxtrail.sources.okta import ADAPTER
from tests.helpers import FIXTURES, corpus, parse_file, records_of
from tests.sources.panther import panther_document, panther_logs

OKTA = FIXTURES / "okta"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


# --- System Log (corpus) -----------------------------------------------------------------


def test_streamalert_new_device_event() -> None:
    (record,) = records_of(ADAPTER, corpus("okta-system-log/streamalert/okta_new_login.json"))
    assert record.kind is Kind.AUDIT_EVENT
    assert record.occurred_at == at("2020-01-01T00:00:00")
    assert record.actor == "user@domain.com"
    assert record.subject == "okta:..."  # the uuid is sanitized to "..." in the corpus
    assert record.locator == "/0/data"
    facts = record.facts
    assert facts.provider == "okta"
    assert facts.action == "system.email.new_device_notification.sent_message"
    assert facts.outcome == "success"
    assert facts.source_ip == "192.168.1.1"
    assert facts.resource == "user@domain.com"
    assert facts.resource_type == "User"
    assert facts.user_agent == "..."
    assert facts.actor_type == "User"
    assert "client_zone" not in facts.details  # the string "null" is read as absent
    assert facts.details["legacy_event_type"] == (
        "core.user.email.message_sent.new_device_notification"
    )
    assert ("resource", "user@domain.com") in record.links


PANTHER = "okta-system-log/panther/okta_admin_disabled_mfa.rule.yml"


@pytest.mark.parametrize(
    ("test_name", "action"),
    [
        pytest.param("MFA Disabled", "system.mfa.factor.deactivate", id="mfa-disabled"),
        pytest.param("Login Event", "user.session.start", id="login"),
    ],
)
def test_panther_log_events(test_name: str, action: str) -> None:
    path = corpus(PANTHER)
    logs = dict(panther_logs(path))
    log = logs[test_name]
    parsed = ADAPTER.parse(panther_document(path, test_name, log), log)
    (record,) = parsed.records
    assert record.kind is Kind.AUDIT_EVENT
    # `published` is '2022-03-22 14:21:53.225': no zone, taken as UTC
    assert record.occurred_at == datetime(2022, 3, 22, 14, 21, 53, 225000, tzinfo=UTC)
    assert record.actor == "homer@springfield.gov"
    assert record.facts.action == action
    assert record.facts.source_ip == "1.1.1.1"
    assert record.facts.outcome == "unknown"  # the hand-written events have no outcome
    assert record.facts.user_agent.startswith("Mozilla/5.0 (Macintosh")
    assert record.facts.resource is None
    assert record.facts.details["severity"] in ("HIGH", "INFO")
    assert record.subject.startswith("okta:sha256:")  # no uuid: a content id


# --- users, groups, factors (built fixtures) ---------------------------------------------


USERS = {r.facts.account_id: r for r in records_of(ADAPTER, OKTA / "users_list.json")}


@pytest.mark.parametrize(
    ("user_id", "login", "status", "provider_status", "deactivated", "sso", "occurred"),
    [
        pytest.param(
            "00ub0oNGTSWTBKOLGLNR",
            "isaac.brock@example.com",
            "active",
            "ACTIVE",
            None,
            None,
            "2013-07-02T21:36:25.344",
            id="active",
        ),
        pytest.param(
            "00ub0oNGTSWTBKOCNDJI",
            "john.smith@example.com",
            "suspended",
            "SUSPENDED",
            "2024-03-01T09:00:00",
            True,
            "2024-03-01T09:00:00",
            id="suspended-federated",
        ),
        pytest.param(
            "00u1ero7vZFVEIYLWPBN",
            "jane.leaver@example.com",
            "deprovisioned",
            "DEPROVISIONED",
            "2024-06-28T17:30:00",
            None,
            "2024-06-28T17:30:00",
            id="deprovisioned",
        ),
        pytest.param(
            "00u1ewrvMSBCPTSQXWLN",
            "new.starter@example.com",
            "staged",
            "PROVISIONED",
            None,
            None,
            "2024-07-01T08:00:00",
            id="provisioned-is-staged",
        ),
        pytest.param(
            "00u1f0a2LOCKEDOUT000",
            "locked.out@example.com",
            "active",
            "LOCKED_OUT",
            None,
            None,
            "2024-07-03T12:00:00",
            id="locked-out-is-active",
        ),
    ],
)
def test_users(
    user_id: str,
    login: str,
    status: str,
    provider_status: str,
    deactivated: str | None,
    sso: bool | None,
    occurred: str,
) -> None:
    record = USERS[user_id]
    assert record.kind is Kind.IDENTITY
    assert record.subject == f"okta:{user_id}"
    assert record.occurred_at == at(occurred)
    facts = record.facts
    assert facts.login == login
    assert facts.email == login
    assert facts.status == status
    assert facts.provider_status == provider_status
    assert facts.deactivated_at == (at(deactivated) if deactivated else None)
    assert facts.sso is sso
    assert facts.aspect == "account"
    assert facts.mfa_enrolled is None
    assert ("account", login) in record.links


def test_user_fields() -> None:
    facts = USERS["00ub0oNGTSWTBKOLGLNR"].facts
    assert facts.display_name == "Isaac Brock"
    assert facts.created_at == at("2013-06-24T16:39:18")
    assert facts.activated_at == at("2013-06-24T16:39:19")
    assert facts.last_login_at == at("2013-06-24T17:39:19")
    assert facts.password_last_changed_at == at("2013-07-02T21:36:25.344")
    assert USERS["00u1f0a2LOCKEDOUT000"].facts.display_name == "Locked Out"
    assert USERS["00u1ero7vZFVEIYLWPBN"].facts.last_login_at is None
    assert len(USERS) == 5


def test_as_of_hint_dates_the_snapshot() -> None:
    records = records_of(ADAPTER, OKTA / "users_list.json", {"as_of": "2024-07-05T00:00:00Z"})
    assert {r.occurred_at for r in records} == {at("2024-07-05T00:00:00")}
    assert records[0].facts.observed_at == at("2024-07-05T00:00:00")


def test_group_members_with_group_hint() -> None:
    records = records_of(
        ADAPTER, OKTA / "group_members.json", {"group": "Finance Admins", "group_id": "00g1"}
    )
    identity, membership = records
    assert identity.kind is Kind.IDENTITY
    assert membership.kind is Kind.MEMBERSHIP
    assert membership.subject == "okta:Finance Admins:isaac.brock@example.com"
    facts = membership.facts
    assert (facts.provider, facts.group, facts.member, facts.action) == (
        "okta",
        "Finance Admins",
        "isaac.brock@example.com",
        "member",
    )
    assert (facts.group_kind, facts.group_id, facts.member_id) == (
        "okta_group",
        "00g1",
        "00ub0oNGTSWTBKOLGLNR",
    )
    assert facts.state == "ACTIVE"


def test_user_groups_with_user_hint() -> None:
    records = records_of(ADAPTER, OKTA / "user_groups.json", {"user": "dade.murphy@example.com"})
    assert [(r.facts.group, r.facts.group_id, r.facts.scope) for r in records] == [
        ("West Coast Users", "00g1emaKYZTWRYYRRTSK", "OKTA_GROUP"),
        ("Engineering Users", "00garwpuyxHaWOkdV0g4", "APP_GROUP"),
    ]
    assert {r.facts.member for r in records} == {"dade.murphy@example.com"}
    assert records[0].occurred_at == at("2015-11-28T19:15:32")  # lastMembershipUpdated


def test_user_groups_without_user_hint_are_ignored() -> None:
    (parsed,) = parse_file(ADAPTER, OKTA / "user_groups.json")
    assert parsed.records == ()
    assert parsed.ignored is not None
    assert "`user` hint" in parsed.ignored


def test_factors() -> None:
    (record,) = records_of(ADAPTER, OKTA / "user_factors.json")
    assert record.kind is Kind.IDENTITY
    assert record.subject == "okta:00u15s1KDETTQMQYABRL"
    assert record.occurred_at == at("2015-08-27T14:25:17")
    facts = record.facts
    assert facts.aspect == "factors"
    assert facts.status is None
    assert facts.mfa_enrolled is True
    assert facts.mfa_factors == ("push", "question")  # the PENDING totp does not count


def test_factors_none_active_with_user_hint() -> None:
    (record,) = records_of(
        ADAPTER, OKTA / "user_factors_none_active.json", {"user": "00u1ewrvMSBCPTSQXWLN"}
    )
    assert record.subject == "okta:00u1ewrvMSBCPTSQXWLN"
    assert record.facts.mfa_enrolled is False
    assert record.facts.mfa_factors == ()


def test_factors_without_owner_fail() -> None:
    path = OKTA / "user_factors_none_active.json"
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert caught.value.file == str(path)
    assert caught.value.position == "/0/_links"
    assert "whose factor" in caught.value.problem


def test_eventbridge_event() -> None:
    (record,) = records_of(ADAPTER, OKTA / "system_log_eventbridge.json")
    assert record.locator == "/detail"
    assert record.subject == "okta:dc9fd3c0-598c-11ef-8478-2b7584bf8d5a"
    assert record.occurred_at == at("2024-07-02T09:14:59.123")
    assert record.actor == "admin@example.com"
    assert record.facts.action == "user.lifecycle.deactivate"
    assert record.facts.resource == "jane.leaver@example.com"
    assert record.facts.outcome == "success"
    assert record.facts.details["external_session_id"] == "102bZDNFfWaQSyEZQuDgWt-uQ"
    assert ("resource", "00u1ero7vZFVEIYLWPBN") in record.links


def test_ndjson_outcomes() -> None:
    failed, challenged = records_of(ADAPTER, OKTA / "system_log_failed_login.ndjson")
    assert (failed.facts.outcome, failed.facts.reason) == ("failure", "INVALID_CREDENTIALS")
    assert failed.facts.user_agent == "curl/8.4.0"
    assert challenged.facts.outcome == "unknown"
    assert challenged.facts.resource is None


# --- malformed ---------------------------------------------------------------------------


def test_truncated_json(tmp_path: Path) -> None:
    text = (OKTA / "users_list.json").read_text()
    path = write(tmp_path, "users.json", text[:200])
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert caught.value.file == str(path)
    assert caught.value.position.startswith("line ")
    assert "not valid JSON" in caught.value.problem


@pytest.mark.parametrize(
    ("mutate", "position", "problem"),
    [
        pytest.param(
            lambda d: d[1].__setitem__("status", 3),
            "/1/status",
            "expected a string, got integer 3",
            id="status-not-string",
        ),
        pytest.param(
            lambda d: d[0].pop("id"), "/0/id", "missing required key", id="user-without-id"
        ),
        pytest.param(
            lambda d: d[2].__setitem__("lastLogin", "yesterday"),
            "/2/lastLogin",
            "not a timestamp: 'yesterday'",
            id="bad-timestamp",
        ),
        pytest.param(
            lambda d: d.append({"hello": "world"}),
            "/5",
            "not an Okta user, group, factor or System Log event "
            "(expected profile.login, profile.name, factorType or eventType)",
            id="unknown-element",
        ),
    ],
)
def test_malformed_users(tmp_path: Path, mutate: Any, position: str, problem: str) -> None:
    data = json.loads((OKTA / "users_list.json").read_text())
    mutate(data)
    path = write(tmp_path, "users.json", json.dumps(data))
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_event_without_published(tmp_path: Path) -> None:
    data = json.loads(
        corpus("okta-system-log/streamalert/okta_new_login.json").read_text(encoding="utf-8")
    )
    del data[0]["data"]["published"]
    path = write(tmp_path, "log.json", json.dumps(data))
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert caught.value.position == "/0/data/published"
    assert caught.value.problem == "missing required key"


def test_bad_as_of_hint() -> None:
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, OKTA / "users_list.json", {"as_of": "last tuesday"})
    assert caught.value.problem == "the as_of hint is not a timestamp: 'last tuesday'"


def test_empty_list_is_ignored() -> None:
    parsed = ADAPTER.parse(Document(content=b"[]", origin="empty.json"), [])
    assert parsed.records == ()
    assert parsed.ignored


# --- detect ------------------------------------------------------------------------------


def _first(path: Path) -> tuple[Document, Any]:
    framed = next(iter(frame(InputSource(str(path)), "json")))
    return framed.doc, framed.data


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(corpus("okta-system-log/streamalert/okta_new_login.json"), id="streamalert"),
        *(
            pytest.param(OKTA / name, id=name)
            for name in (
                "users_list.json",
                "group_members.json",
                "user_groups.json",
                "user_factors.json",
                "system_log_eventbridge.json",
                "system_log_failed_login.ndjson",
            )
        ),
    ],
)
def test_detect_accepts(path: Path) -> None:
    assert ADAPTER.detect(*_first(path))


@pytest.mark.parametrize(
    "relative",
    [
        pytest.param("aws-cloudtrail/stratus-red-team/cloudtrail-stop.json", id="cloudtrail"),
        pytest.param(
            "github-audit-log/streamalert/protected_branch.destroy.json", id="github-audit"
        ),
        pytest.param("k8s-audit/falco-trace-files/create_secret.v1.json", id="k8s"),
        pytest.param("vault-audit/vault-guides/vault-audit.log", id="vault"),
        pytest.param("github-webhooks/push/push-to-master.payload.json", id="github-webhook"),
    ],
)
def test_detect_rejects(relative: str) -> None:
    assert not ADAPTER.detect(*_first(corpus(relative)))
