"""Strict about structure, lenient about absent optional fields (issue 4), for three adapters
whose specifications say exactly what a document must hold:

- ServiceNow Table API: every field is a string, or an object whose `value` is a string
  (`display_value`, `link` strings too); a number, boolean or array is malformed.
- in-toto Statement v0.1/v1 (in-toto attestation spec): `_type` one of the two Statement
  TypeURIs, `subject` a non-empty array of `{name?, digest: {alg: hex}}`, `predicateType` a
  required non-empty string, `predicate` an object when present; DSSE envelope v1.0:
  `payloadType`, `payload` and `signatures` required, each signature an object with a `sig`
  string (`keyid` optional).
- SARIF 2.1.0: a run's `tool` (when present) has a `driver` object (§3.18.2), and every tool
  component's rule descriptor is an object with an `id` (§3.49.3).

Every malformed variant starts from a real payload (a corpus file, or the BUILT ServiceNow and
bare-statement fixtures where the corpus has none) changed in one place; the error must name
the file, the JSON pointer and the problem. The CLI cases check that nothing is stored.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.facts import ProvenanceFacts, TicketFacts
from soxtrail.sources.intoto import ADAPTER as INTOTO
from soxtrail.sources.sarif import ADAPTER as SARIF
from soxtrail.sources.servicenow import ADAPTER as SERVICENOW
from tests.helpers import FIXTURES, corpus, records_of
from tests.interfaces.test_cli_contract import soxtrail
from tests.interfaces.test_cli_malformed import stored

Change = Callable[[Any], Any]

CHANGE = FIXTURES / "servicenow" / "change_request.normal_closed.json"
CHANGES_ALL = FIXTURES / "servicenow" / "change_request.list_display_all.json"
APPROVALS_ALL = FIXTURES / "servicenow" / "sysapproval_approver.list_display_all.json"
BARE = FIXTURES / "intoto" / "statement_v1_bare_two_subjects.intoto.json"
BUNDLE = corpus("attestations/github-artifact-attestation/reusable-workflow.sigstore.json")
DSSE = corpus("attestations/slsa-verifier/bare-dsse-envelope.slsa-v0.2.intoto.jsonl")
GITLEAKS = corpus("sarif/gitleaks/sarif_simple.sarif")
VALID_SARIF = corpus("sarif/codeql-action/valid-sarif.sarif")


def put(*path: str | int, value: Any) -> Change:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return change


def drop(*path: str | int) -> Change:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]

    return change


def in_payload(envelope: str, change: Change) -> Change:
    """A change to the statement inside the base64 payload of the envelope at `envelope`."""

    def apply(data: Any) -> None:
        holder = data[envelope] if envelope else data
        statement = json.loads(base64.b64decode(holder["payload"]))
        change(statement)
        holder["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()

    return apply


def variant(tmp_path: Path, base: Path, change: Change, name: str | None = None) -> Path:
    """`base` changed in one place, written as one JSON line (one document, also as NDJSON)."""
    data = json.loads(base.read_text(encoding="utf-8-sig"))
    change(data)
    path = tmp_path / (name or base.name)
    path.write_text(json.dumps(data) + "\n")
    return path


# --- malformed variants, at the adapter -----------------------------------------------------

#: (adapter, valid payload, how it is broken, JSON pointer, problem)
MALFORMED = [
    # ServiceNow: the Table API sends strings (or {display_value, value, link} objects).
    pytest.param(
        SERVICENOW, CHANGE, put("result", "number", value=30001), "/result/number",
        "expected a string or a {display_value, value} object, got integer 30001",
        id="servicenow-number-integer",
    ),
    pytest.param(
        SERVICENOW, CHANGE, put("result", "state", value=3), "/result/state",
        "expected a string or a {display_value, value} object, got integer 3",
        id="servicenow-state-integer",
    ),
    pytest.param(
        SERVICENOW, CHANGE, put("result", "sys_updated_on", value=1705399960),
        "/result/sys_updated_on",
        "expected a string or a {display_value, value} object, got integer 1705399960",
        id="servicenow-date-epoch-number",
    ),
    pytest.param(
        SERVICENOW, CHANGE, put("result", "priority", value=3.0), "/result/priority",
        "expected a string or a {display_value, value} object, got number 3.0",
        id="servicenow-priority-float",
    ),
    pytest.param(
        SERVICENOW, CHANGE, put("result", "approval", value=True), "/result/approval",
        "expected a string or a {display_value, value} object, got boolean true",
        id="servicenow-approval-boolean",
    ),
    pytest.param(
        SERVICENOW, CHANGE, put("result", "active", value=False), "/result/active",
        "expected a string or a {display_value, value} object, got boolean false",
        id="servicenow-unread-field-boolean",
    ),
    pytest.param(
        SERVICENOW, CHANGE, put("result", "opened_by", "link", value=5),
        "/result/opened_by/link", "expected a string, got integer 5",
        id="servicenow-reference-link-integer",
    ),
    pytest.param(
        SERVICENOW, CHANGES_ALL, put("result", 0, "state", "value", value=-1),
        "/result/0/state/value", "expected a string, got integer -1",
        id="servicenow-display-all-value-integer",
    ),
    pytest.param(
        SERVICENOW, CHANGES_ALL, drop("result", 1, "state", "value"),
        "/result/1/state/value", "missing required key",
        id="servicenow-display-all-object-without-value",
    ),
    pytest.param(
        SERVICENOW, APPROVALS_ALL, put("result", 2, "state", value=["requested"]),
        "/result/2/state", "expected a string or a {display_value, value} object, got array",
        id="servicenow-approval-state-array",
    ),
    # in-toto Statement (inside a Sigstore bundle's DSSE payload, and bare).
    pytest.param(
        INTOTO, BUNDLE, in_payload("dsseEnvelope", drop("predicateType")),
        "/dsseEnvelope/payload/predicateType", "missing required key",
        id="intoto-no-predicate-type",
    ),
    pytest.param(
        INTOTO, BARE, put("predicateType", value=None), "/predicateType", "required value is null",
        id="intoto-predicate-type-null",
    ),
    pytest.param(
        INTOTO, BARE, put("predicateType", value=""), "/predicateType",
        "a statement needs a predicateType URI", id="intoto-predicate-type-empty",
    ),
    pytest.param(
        INTOTO, BARE, put("_type", value="https://in-toto.io/Statement/v2"), "/_type",
        "expected an in-toto Statement _type (https://in-toto.io/Statement/v0.1 or "
        "https://in-toto.io/Statement/v1), got 'https://in-toto.io/Statement/v2'",
        id="intoto-unknown-statement-version",
    ),
    pytest.param(
        INTOTO, BARE, put("subject", 1, value="billing-api.sbom.json"), "/subject/1",
        'expected a subject object, got string "billing-api.sbom.json"',
        id="intoto-subject-string",
    ),
    pytest.param(
        INTOTO, BUNDLE, in_payload("dsseEnvelope", put("subject", 0, "digest", "sha256", value="ab12")),
        "/dsseEnvelope/payload/subject/0/digest/sha256",
        "not a SHA-256 digest (64 hex digits): 'ab12'", id="intoto-sha256-not-hex",
    ),
    pytest.param(
        INTOTO, BARE, put("predicate", value="provenance"), "/predicate",
        'expected an object, got string "provenance"', id="intoto-predicate-string",
    ),
    # DSSE envelope v1.0: payload, payloadType, signatures and signature.sig are required.
    pytest.param(
        INTOTO, DSSE, drop("signatures"), "line 1, /signatures", "missing required key",
        id="dsse-no-signatures",
    ),
    pytest.param(
        INTOTO, DSSE, put("signatures", 0, "sig", value=5), "line 1, /signatures/0/sig",
        "expected a string, got integer 5", id="dsse-sig-integer",
    ),
    pytest.param(
        INTOTO, DSSE, drop("signatures", 0, "sig"), "line 1, /signatures/0/sig",
        "missing required key", id="dsse-signature-without-sig",
    ),
    pytest.param(
        INTOTO, DSSE, put("signatures", 0, value="MEUCIQ"), "line 1, /signatures/0",
        'expected a signature object, got string "MEUCIQ"', id="dsse-signature-string",
    ),
    pytest.param(
        INTOTO, DSSE, put("signatures", 0, "keyid", value=7), "line 1, /signatures/0/keyid",
        "expected a string, got integer 7", id="dsse-keyid-integer",
    ),
    pytest.param(
        INTOTO, BUNDLE, put("dsseEnvelope", "signatures", value={"sig": "MEUCIQ"}),
        "/dsseEnvelope/signatures", "expected an array, got object",
        id="bundle-signatures-object",
    ),
    pytest.param(
        INTOTO, DSSE,
        lambda e: e.update(payloadType="application/vnd.cyclonedx+json", signatures=None),
        "line 1, /signatures", "required value is null",
        id="dsse-other-payload-type-still-an-envelope",
    ),
    # SARIF 2.1.0.
    pytest.param(
        SARIF, GITLEAKS, put("runs", 0, "tool", value={}), "/runs/0/tool/driver",
        "missing required key", id="sarif-tool-without-driver",
    ),
    pytest.param(
        SARIF, GITLEAKS, put("runs", 0, "tool", "driver", value=None), "/runs/0/tool/driver",
        "required value is null", id="sarif-driver-null",
    ),
    pytest.param(
        SARIF, GITLEAKS, drop("runs", 0, "tool", "driver", "rules", 1, "id"),
        "/runs/0/tool/driver/rules/1/id", "missing required key", id="sarif-rule-without-id",
    ),
    pytest.param(
        SARIF, GITLEAKS, put("runs", 0, "tool", "driver", "rules", 0, value="aws-access-key"),
        "/runs/0/tool/driver/rules/0", 'expected an object, got string "aws-access-key"',
        id="sarif-rule-string",
    ),
    pytest.param(
        SARIF, GITLEAKS, put("runs", 0, "tool", "extensions", value=["codeql/python-queries"]),
        "/runs/0/tool/extensions/0", 'expected an object, got string "codeql/python-queries"',
        id="sarif-extension-string",
    ),
    pytest.param(
        SARIF, VALID_SARIF, put("runs", 1, "tool", "driver", "name", value=["CodeQL"]),
        "/runs/1/tool/driver/name", "expected a string, got array",
        id="sarif-driver-name-array",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("adapter", "base", "change", "position", "problem"), MALFORMED)
def test_malformed_variant_names_file_pointer_and_problem(
    tmp_path: Path, adapter: Any, base: Path, change: Change, position: str, problem: str
) -> None:
    path = variant(tmp_path, base, change)
    with pytest.raises(InputError) as caught:
        records_of(adapter, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


# --- lenient about what is absent or empty ---------------------------------------------------


def test_servicenow_empty_and_absent_optional_fields_are_empty(tmp_path: Path) -> None:
    """`""`, null and absence are all "empty": only the required fields must hold a value."""
    required = {"number", "sys_updated_on"}

    def change(data: Any) -> None:
        record = data["result"]
        for key in list(record):
            if key not in required:
                record[key] = "" if len(key) % 2 else None
        del record["sys_created_on"]

    (record,) = records_of(SERVICENOW, variant(tmp_path, CHANGE, change))
    facts = record.facts
    assert isinstance(facts, TicketFacts)
    assert (facts.key, facts.status, facts.approval, facts.type, facts.summary) == (
        "CHG0030001",
        None,
        None,
        None,
        "",
    )
    assert (facts.reporter, facts.assignee, facts.created_at, record.actor) == (
        None,
        None,
        None,
        None,
    )


def test_servicenow_display_all_object_with_value_only_is_read(tmp_path: Path) -> None:
    """`display_value` and `link` are optional inside a field object; `value` is enough."""
    change = put("result", 0, "state", value={"value": "-1"})
    records = records_of(SERVICENOW, variant(tmp_path, CHANGES_ALL, change))
    facts = records[0].facts
    assert isinstance(facts, TicketFacts)
    assert facts.status == "Implement"


def test_intoto_statement_without_predicate_or_subject_names(tmp_path: Path) -> None:
    """`predicate` is optional (in-toto v1), and so is a subject's `name`."""

    def change(statement: Any) -> None:
        del statement["predicate"]
        for subject in statement["subject"]:
            del subject["name"]

    (record,) = records_of(INTOTO, variant(tmp_path, BARE, change))
    facts = record.facts
    assert isinstance(facts, ProvenanceFacts)
    assert facts.predicate_type == "https://slsa.dev/provenance/v1"
    assert facts.builder_id is None
    assert [s["name"] for s in facts.subjects] == [None, None, None]


def test_dsse_empty_signature_list_is_an_unsigned_envelope(tmp_path: Path) -> None:
    (record,) = records_of(INTOTO, variant(tmp_path, DSSE, put("signatures", value=[])))
    assert isinstance(record.facts, ProvenanceFacts)
    assert record.facts.signed is False


@pytest.mark.parametrize(
    ("change", "tool"),
    [
        pytest.param(drop("runs", 0, "tool"), "unknown", id="no-tool-at-all"),
        pytest.param(drop("runs", 0, "tool", "driver", "name"), "unknown", id="no-driver-name"),
        pytest.param(put("runs", 0, "tool", "driver", "name", value=""), "unknown", id="empty"),
    ],
)
def test_sarif_run_without_a_tool_name_is_read_as_unknown(
    tmp_path: Path, change: Change, tool: str
) -> None:
    """The corpus has runs without `tool` (checkov) and with an empty or null driver name
    (codeql-action's tool-names.sarif): they are read, the tool named by the hint or `unknown`."""
    (record,) = records_of(SARIF, variant(tmp_path, GITLEAKS, change))
    assert record.facts.tool == tool


# --- end to end: exit 2, and nothing stored ---------------------------------------------------

#: (source, valid payload, how it is broken, where and what the error says)
CLI_CASES = [
    pytest.param(
        "servicenow", CHANGE, put("result", "sys_updated_on", value=1705399960),
        "/result/sys_updated_on: expected a string or a {display_value, value} object, "
        "got integer 1705399960",
        id="servicenow-date-number",
    ),
    pytest.param(
        "intoto", BARE, drop("predicateType"), "/predicateType: missing required key",
        id="intoto-no-predicate-type",
    ),
    pytest.param(
        "intoto", DSSE, put("signatures", 0, "sig", value=1),
        "line 1, /signatures/0/sig: expected a string, got integer 1",
        id="dsse-sig-number",
    ),
    pytest.param(
        "sarif", VALID_SARIF, put("runs", 1, "tool", value={"name": "CodeQL"}),
        "/runs/1/tool/driver: missing required key",
        id="sarif-tool-without-driver",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("source", "base", "change", "message"), CLI_CASES)
def test_cli_refuses_the_malformed_file_and_stores_nothing(
    tmp_path: Path,
    populated_workspace: Path,
    source: str,
    base: Path,
    change: Change,
    message: str,
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(populated_workspace, root)
    before = stored(root)
    good = tmp_path / f"good-{base.name}"
    shutil.copyfile(base, good)
    bad = variant(tmp_path, base, change, f"bad-{base.name}")

    result = soxtrail("ingest", source, str(good), str(bad), cwd=root)

    assert result.returncode == 2, result.stderr
    assert re.search(f"{re.escape(str(bad))}: {re.escape(message)}", result.stderr), result.stderr
    assert stored(root) == before
    # The unbroken payload alone is ingested: the refusal was the broken file's.
    alone = soxtrail("ingest", source, str(good), cwd=root)
    assert alone.returncode == 0, alone.stderr
    assert stored(root)[2] > before[2]


@pytest.mark.parametrize("wrong", [0, False, [], {}], ids=["zero", "false", "array", "object"])
@pytest.mark.parametrize("inner", ["display_value", "link"])
def test_servicenow_unread_field_object_with_a_wrong_inner_type(
    tmp_path: Path, inner: str, wrong: Any
) -> None:
    """A field no record fact is made from is checked as strictly as one that is read."""
    change = put("result", "sys_domain", value={"value": "global", inner: wrong})
    path = variant(tmp_path, CHANGE, change)
    with pytest.raises(InputError) as caught:
        records_of(SERVICENOW, path)
    assert (caught.value.file, caught.value.position) == (str(path), f"/result/sys_domain/{inner}")
    assert caught.value.problem.startswith("expected a string, got ")
