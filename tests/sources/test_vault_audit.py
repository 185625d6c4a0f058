"""The Vault audit adapter: one audit_event per audit device line.

Corpus: `vault-audit/vault-guides/vault-audit.log` (real Vault ~1.4 file device output,
1397 lines). A Vault 1.15-shaped pair is a BUILT fixture in `tests/fixtures/vault-audit/`.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document
from soxtrail.sources.framing import InputSource, frame
from soxtrail.sources.vault_audit import ADAPTER
from tests.helpers import FIXTURES, corpus, parse_file, records_of

LOG = corpus("vault-audit/vault-guides/vault-audit.log")
RECORDS = records_of(ADAPTER, LOG)


def test_every_line_is_one_record() -> None:
    assert len(RECORDS) == 1397
    assert {r.kind for r in RECORDS} == {Kind.AUDIT_EVENT}
    assert {(r.source, r.facts.provider) for r in RECORDS} == {("vault-audit", "vault")}
    assert len({r.subject for r in RECORDS}) == 699  # request and response share a subject
    assert min(r.occurred_at for r in RECORDS) == datetime(
        2020, 4, 30, 14, 27, 10, 665648, tzinfo=UTC
    )
    assert max(r.occurred_at for r in RECORDS) == datetime(
        2020, 4, 30, 19, 35, 23, 289552, tzinfo=UTC
    )


def test_outcomes_by_entry_type() -> None:
    counts = Counter((r.facts.details["type"], r.facts.outcome) for r in RECORDS)
    assert counts == {
        ("request", "unknown"): 696,
        ("response", "success"): 694,
        ("response", "failure"): 5,
        ("request", "failure"): 2,
    }


def test_actors() -> None:
    counts = Counter(r.actor for r in RECORDS)
    assert counts["token"] == 453
    assert counts["token-lab-admins"] == 423
    assert counts[None] == 229
    assert counts["userpass-lab-user-7"] == 144
    assert counts["root"] == 21
    assert counts["approle"] == 8


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            1,
            (
                "vault:9714ba87-8309-dd3e-148a-a14c0ece37af",
                "root",
                "update",
                "sys/audit/file",
                "success",
                None,
                "10.10.42.222",
                "2020-04-30T14:27:10.665648",
            ),
            id="response-enabling-the-audit-device",
        ),
        pytest.param(
            2,
            (
                "vault:cbf2a496-a81d-e8fe-ab4e-2c83ec71d917",
                "root",
                "update",
                "sys/policies/acl/admins",
                "unknown",
                None,
                "10.10.42.222",
                "2020-04-30T14:27:10.741659",
            ),
            id="request-writing-a-policy",
        ),
        pytest.param(
            48,
            (
                "vault:1c35f75e-1741-b096-8f6e-892199fb633e",
                None,
                "update",
                "auth/userpass/login/lab-user-1",
                "unknown",
                None,
                "10.10.42.222",
                "2020-04-30T14:27:14.421413",
            ),
            id="login-request-has-no-actor",
        ),
        pytest.param(
            49,
            (
                "vault:1c35f75e-1741-b096-8f6e-892199fb633e",
                "userpass-lab-user-1",
                "update",
                "auth/userpass/login/lab-user-1",
                "success",
                None,
                "10.10.42.222",
                "2020-04-30T14:27:14.550206",
            ),
            id="login-response",
        ),
        pytest.param(
            1371,
            (
                "vault:aa3fb59c-1378-8ded-42ee-a79a0aabc944",
                None,
                "read",
                "sys/internal/ui/mounts/kv-v2/lab",
                "failure",
                "permission denied",
                "10.10.42.210",
                "2020-04-30T15:12:20.828531",
            ),
            id="permission-denied",
        ),
        pytest.param(
            1373,
            (
                "vault:dca97571-56f7-8e93-4dde-10cd99b58699",
                None,
                "read",
                "sys/internal/ui/mounts/kv-v2",
                "failure",
                "missing client token",
                "10.10.42.222",
                "2020-04-30T15:13:58.617689",
            ),
            id="missing-client-token",
        ),
        pytest.param(
            1390,
            (
                "vault:0b7cee96-5ac0-29bd-5397-0e715f2347a3",
                None,
                "read",
                "sys/mounts",
                "failure",
                "permission denied",
                "10.10.42.222",
                "2020-04-30T19:12:55.837220",
            ),
            id="request-with-error",
        ),
        pytest.param(
            1391,
            (
                "vault:0b7cee96-5ac0-29bd-5397-0e715f2347a3",
                None,
                "read",
                "sys/mounts",
                "failure",
                "1 error occurred:\n\t* permission denied\n\n",
                "10.10.42.222",
                "2020-04-30T19:12:55.840009",
            ),
            id="multi-line-error",
        ),
    ],
)
def test_lines(line: int, expected: tuple[Any, ...]) -> None:
    record = RECORDS[line - 1]
    f = record.facts
    assert (
        record.subject,
        record.actor,
        f.action,
        f.resource,
        f.outcome,
        f.reason,
        f.source_ip,
        record.occurred_at,
    ) == (*expected[:-1], datetime.fromisoformat(expected[-1]).replace(tzinfo=UTC))
    assert record.locator == ""
    assert f.provider == "vault"


def test_login_response_details_and_links() -> None:
    record = RECORDS[48]
    assert record.facts.details == {
        "type": "response",
        "request_id": "1c35f75e-1741-b096-8f6e-892199fb633e",
        "namespace": "root",
        "policies": ["default", "lab-user"],
        "token_type": "service",
        "entity_id": "ace0daa6-a8e2-42a3-265e-6e796335b7d9",
        "metadata": {"username": "lab-user-1"},
    }
    assert record.links == (
        ("actor", "userpass-lab-user-1"),
        ("actor", "lab-user-1"),
        ("actor", "ace0daa6-a8e2-42a3-265e-6e796335b7d9"),
        ("resource", "auth/userpass/login/lab-user-1"),
    )


def test_newer_vault_pair() -> None:
    request, response = records_of(ADAPTER, FIXTURES / "vault-audit/kv_read_with_mount_type.ndjson")
    assert request.actor == "oidc-alice@acme.example"
    assert ("actor", "alice@acme.example") in request.links
    assert request.facts.resource == "secret/data/billing/prod/db"
    assert request.facts.resource_type == "kv"
    assert request.occurred_at == datetime(2024, 7, 2, 8, 0, 0, 123456, tzinfo=UTC)
    assert (request.facts.outcome, response.facts.outcome) == ("unknown", "success")
    assert response.facts.resource_type == "kv"
    assert request.subject == response.subject == "vault:5e8a0c7b-1111-4111-8111-000000000001"


# --- malformed ---------------------------------------------------------------------------


def _lines(count: int) -> list[dict[str, Any]]:
    with LOG.open(encoding="utf-8") as stream:
        return [json.loads(next(stream)) for _ in range(count)]


def _write(tmp_path: Path, entries: list[Any]) -> Path:
    path = tmp_path / "audit.log"
    path.write_text("\n".join(e if isinstance(e, str) else json.dumps(e) for e in entries) + "\n")
    return path


@pytest.mark.parametrize(
    ("mutate", "position", "problem"),
    [
        pytest.param(
            lambda e: e.__setitem__("type", "event"),
            "line 2, /type",
            "expected request or response, got 'event'",
            id="unknown-type",
        ),
        pytest.param(
            lambda e: e["request"].pop("id"),
            "line 2, /request/id",
            "missing required key",
            id="no-request-id",
        ),
        pytest.param(
            lambda e: e.__setitem__("time", 1588256830),
            "line 2, /time",
            None,
            id="epoch-time-is-accepted",
        ),
        pytest.param(
            lambda e: e["auth"].__setitem__("policies", "root"),
            "line 2, /auth/policies",
            'expected an array, got string "root"',
            id="policies-not-array",
        ),
        pytest.param(
            lambda e: e.__setitem__("request", None),
            "line 2, /request",
            "required value is null",
            id="null-request",
        ),
    ],
)
def test_malformed_line(tmp_path: Path, mutate: Any, position: str, problem: str | None) -> None:
    entries = _lines(3)
    mutate(entries[1])
    path = _write(tmp_path, entries)
    if problem is None:
        assert len(records_of(ADAPTER, path)) == 3
        return
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_truncated_line(tmp_path: Path) -> None:
    first, second, third = LOG.read_text(encoding="utf-8").splitlines()[:3]
    path = _write(tmp_path, [first, second[:120], third])
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert caught.value.file == str(path)
    assert caught.value.position.startswith("line 2, column ")
    assert caught.value.problem.startswith("not valid JSON")


# --- detect ------------------------------------------------------------------------------


def _first(path: Path) -> tuple[Document, Any]:
    framed = next(iter(frame(InputSource(str(path)), "json")))
    return framed.doc, framed.data


def test_detect_accepts() -> None:
    assert ADAPTER.detect(*_first(LOG))
    assert ADAPTER.detect(*_first(FIXTURES / "vault-audit/kv_read_with_mount_type.ndjson"))


@pytest.mark.parametrize(
    "relative",
    [
        pytest.param("okta-system-log/streamalert/okta_new_login.json", id="okta"),
        pytest.param("aws-cloudtrail/stratus-red-team/cloudtrail-stop.json", id="cloudtrail"),
        pytest.param("k8s-audit/falco-trace-files/create_secret.v1.json", id="k8s"),
        pytest.param(
            "github-audit-log/streamalert/protected_branch.destroy.json", id="github-audit"
        ),
    ],
)
def test_detect_rejects(relative: str) -> None:
    assert not ADAPTER.detect(*_first(corpus(relative)))
