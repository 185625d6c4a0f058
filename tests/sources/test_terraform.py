"""The Terraform plan adapter on every corpus plan, a built fixture and broken variants."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.facts import IacPlanFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.framing import InputSource, frame
from soxtrail.sources.terraform import ADAPTER, action_of
from tests.helpers import CORPUS, FIXTURES, corpus, records_of

EPOCH = "1970-01-01T00:00:00.000000Z"
SHA = "0123456789abcdef0123456789abcdef01234567"


def _changes(**counts: int) -> dict[str, int]:
    base = {"create": 0, "update": 0, "delete": 0, "replace": 0, "read": 0, "no-op": 0}
    return {**base, **{k.replace("_", "-"): v for k, v in counts.items()}}


CHECKOV = "terraform-plan-json/checkov-fixtures/"
TESTDATA = "terraform-plan-json/terraform-testdata/"

# (file, format_version, terraform_version, changes, [(address, actions, reason)], drifted)
PLANS = [
    pytest.param(
        CHECKOV + "aws-iam-policies.tf1.1.5.plan.json",
        "1.0",
        "1.1.5",
        _changes(create=7),
        [
            ("aws_iam_group.fail_2", ("create",), None),
            ("aws_iam_group_policy.fail_2", ("create",), None),
            ("aws_iam_policy.policy_pass", ("create",), None),
            ("aws_iam_role.example", ("create",), None),
            ("aws_iam_role_policy.fail_1", ("create",), None),
            ("aws_iam_user.fail_3", ("create",), None),
            ("aws_iam_user_policy.fail_3", ("create",), None),
        ],
        (),
        id="checkov-iam-7-creates",
    ),
    pytest.param(
        CHECKOV + "child-modules.tf0.12.28.plan.json",
        "0.1",
        "0.12.28",
        _changes(create=1),
        [("module.iam_groups.aws_iam_account_password_policy.main", ("create",), None)],
        (),
        id="checkov-format-0.1-child-module",
    ),
    pytest.param(
        CHECKOV + "create-before-destroy.tf1.2.4.plan.json",
        "1.1",
        "1.2.4",
        _changes(replace=1),
        [("aws_secretsmanager_secret.default", ("create", "delete"), None)],
        (),
        id="checkov-create-before-destroy",
    ),
    pytest.param(
        CHECKOV + "updates.tf1.4.6.plan.json",
        "1.1",
        "1.4.6",
        _changes(update=2),
        [
            ("aws_security_group_rule.foo", ("update",), None),
            ("aws_security_group_rule.bar", ("update",), None),
        ],
        (),
        id="checkov-two-updates",
    ),
    pytest.param(
        CHECKOV + "utf16-bom.tf1.0.5.plan.json",
        "0.2",
        "1.0.5",
        _changes(create=3),
        [
            ("aws_iam_role_policy.fail_1", ("create",), None),
            ("aws_s3_bucket.s3-bucket", ("create",), None),
            ("null_resource.name", ("create",), None),
        ],
        (),
        id="checkov-utf16-bom",
    ),
    pytest.param(
        TESTDATA + "basic-create.plan.json",
        "1.0",
        None,
        _changes(create=3),
        [
            ("test_instance.test[0]", ("create",), None),
            ("test_instance.test[1]", ("create",), None),
            ("test_instance.test[2]", ("create",), None),
        ],
        (),
        id="terraform-basic-create",
    ),
    pytest.param(
        TESTDATA + "basic-delete.plan.json",
        "1.0",
        None,
        _changes(update=1, delete=1),
        [
            ("test_instance.test", ("update",), None),
            ("test_instance.test-delete", ("delete",), "delete_because_no_resource_config"),
        ],
        (),
        id="terraform-basic-delete",
    ),
    pytest.param(
        TESTDATA + "drift.plan.json",
        "1.0",
        None,
        _changes(update=2),
        [
            ("test_instance.no_refresh", ("update",), None),
            ("test_instance.should_refresh", ("update",), None),
        ],
        ("test_instance.should_refresh",),
        id="terraform-drift",
    ),
    pytest.param(
        TESTDATA + "no-op.plan.json",
        "1.0",
        None,
        _changes(no_op=1),
        [],
        (),
        id="terraform-no-op",
    ),
    pytest.param(
        TESTDATA + "requires-replace.plan.json",
        "1.0",
        None,
        _changes(replace=1),
        [("test_instance.test", ("delete", "create"), "replace_because_cannot_update")],
        (),
        id="terraform-requires-replace",
    ),
    pytest.param(
        TESTDATA + "sensitive-values.plan.json",
        "1.0",
        None,
        _changes(create=1),
        [("test_instance.test", ("create",), None)],
        (),
        id="terraform-sensitive-values",
    ),
    pytest.param(
        TESTDATA + "unknown-output.plan.json",
        "1.1",
        "1.3.0-dev",
        _changes(),
        [],
        (),
        id="terraform-outputs-only",
    ),
]


@pytest.mark.parametrize(
    ("relative", "format_version", "tool_version", "changes", "resources", "drifted"), PLANS
)
def test_plan(
    relative: str,
    format_version: str,
    tool_version: str | None,
    changes: dict[str, int],
    resources: list[tuple[str, tuple[str, ...], str | None]],
    drifted: tuple[str, ...],
) -> None:
    path = corpus(relative)
    (record,) = records_of(ADAPTER, path)
    facts = record.facts
    assert isinstance(facts, IacPlanFacts)
    assert record.kind is Kind.IAC_PLAN
    assert (facts.tool, facts.format_version, facts.tool_version) == (
        "terraform",
        format_version,
        tool_version,
    )
    assert facts.changes == changes
    assert [(r.address, r.actions, r.action_reason) for r in facts.resources] == resources
    assert facts.drifted == drifted
    assert (facts.applied, facts.applyable, facts.errored) == (False, None, None)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert facts.plan_sha256 == digest
    assert record.subject == f"terraform@sha256:{digest}"
    assert record.links == (("artifact", f"sha256:{digest}"),)
    assert record.to_json()["occurred_at"] == EPOCH


def test_utf16_plan_digest_is_of_the_utf16_bytes() -> None:
    path = corpus(CHECKOV + "utf16-bom.tf1.0.5.plan.json")
    raw = path.read_bytes()
    assert raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    (record,) = records_of(ADAPTER, path)
    assert record.facts.plan_sha256 == hashlib.sha256(raw).hexdigest()
    assert record.facts.plan_sha256 == (
        "33c36e13fb17968810f81adab923dc56a1ab2b74f1d40c998ef6de4b7dbffde5"
    )


def test_built_recent_plan() -> None:
    path = FIXTURES / "terraform" / "plan_tf1.9_timestamp_forget_read.json"
    (record,) = records_of(ADAPTER, path)
    facts = record.facts
    assert record.to_json()["occurred_at"] == "2026-07-14T10:00:00.000000Z"
    assert (facts.format_version, facts.tool_version, facts.applyable, facts.errored) == (
        "1.2",
        "1.9.0",
        True,
        False,
    )
    assert facts.changes == {
        **_changes(create=1, read=1, delete=1, replace=1, no_op=1),
        "forget": 1,
    }
    assert [(r.address, r.actions) for r in facts.resources] == [
        ("aws_iam_role.ledger_writer", ("create",)),
        ("aws_s3_bucket.legacy_reports", ("forget",)),
        ("data.aws_caller_identity.current", ("read",)),
        ("aws_kms_key.ledger", ("delete",)),
        ("aws_db_instance.ledger", ("create", "delete")),
    ]
    assert facts.drifted == ("aws_s3_bucket.ledger_exports",)


def test_hints() -> None:
    path = corpus(TESTDATA + "basic-create.plan.json")
    hints = {"repo": "acme/infra", "commit": SHA, "run": "github:9", "tool": "opentofu"}
    (record,) = records_of(ADAPTER, path, hints)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (record.subject, record.repo, record.commit) == (f"acme/infra@{SHA}", "acme/infra", SHA)
    assert record.facts.tool == "opentofu"
    assert record.links == (("artifact", f"sha256:{digest}"), ("run", "github:9"))


@pytest.mark.parametrize(
    ("actions", "action"),
    [
        (("create",), "create"),
        (("delete", "create"), "replace"),
        (("create", "delete"), "replace"),
        (("no-op",), "no-op"),
        (("create", "forget"), "create+forget"),
    ],
)
def test_action_of(actions: tuple[str, ...], action: str) -> None:
    assert action_of(actions) == action


def test_state_is_not_a_plan() -> None:
    path = corpus(CHECKOV + "corrupted.plan.json")
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        "/values",
        "this is a Terraform state, not a plan: run terraform show -json PLANFILE",
    )


def _variant(tmp_path: Path, relative: str, change: Any) -> Path:
    data = json.loads(corpus(relative).read_text())
    change(data)
    path = tmp_path / Path(relative).name
    path.write_text(json.dumps(data, indent=2))
    return path


BROKEN = [
    pytest.param(
        lambda d: d.update(format_version="2.0"),
        "/format_version",
        "plan format_version '2.0' is not supported (0.x and 1.x)",
        id="format-version-2",
    ),
    pytest.param(
        lambda d: d.pop("format_version"),
        "/format_version",
        "missing required key",
        id="no-format-version",
    ),
    pytest.param(
        lambda d: d["resource_changes"][1]["change"].pop("actions"),
        "/resource_changes/1/change/actions",
        "missing required key",
        id="no-actions",
    ),
    pytest.param(
        lambda d: d["resource_changes"][0]["change"].update(actions=[]),
        "/resource_changes/0/change/actions",
        "a change needs at least one action",
        id="empty-actions",
    ),
    pytest.param(
        lambda d: d["resource_changes"][0]["change"].update(actions="create"),
        "/resource_changes/0/change/actions",
        'expected an array, got string "create"',
        id="actions-string",
    ),
    pytest.param(
        lambda d: d["resource_changes"][2].update(address=3),
        "/resource_changes/2/address",
        "expected a string, got integer 3",
        id="address-number",
    ),
    pytest.param(
        lambda d: [d.pop(k) for k in ("planned_values", "resource_changes", "output_changes")],
        "/resource_changes",
        "not a Terraform plan: no resource_changes or planned_values",
        id="neither-plan-nor-state",
    ),
]


@pytest.mark.parametrize(("change", "position", "problem"), BROKEN)
def test_broken_plans(tmp_path: Path, change: Any, position: str, problem: str) -> None:
    path = _variant(tmp_path, TESTDATA + "basic-create.plan.json", change)
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_truncated_plan(tmp_path: Path) -> None:
    path = tmp_path / "cut.plan.json"
    path.write_bytes(corpus(TESTDATA + "requires-replace.plan.json").read_bytes()[:200])
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert caught.value.position.startswith("line ")
    assert caught.value.problem.startswith("not valid JSON: ")


def _first_document(path: Path) -> tuple[Any, Any]:
    framed = next(iter(frame(InputSource(str(path)), ADAPTER.framing)))
    return framed.doc, framed.data


@pytest.mark.parametrize(
    "path",
    sorted((CORPUS / "terraform-plan-json").rglob("*.json")),
    ids=lambda p: p.name,
)
def test_detect_recognises_every_corpus_plan_and_the_state(path: Path) -> None:
    assert ADAPTER.detect(*_first_document(path))


@pytest.mark.parametrize(
    "relative",
    [
        "sarif/trivy/alpine-310.vuln.sarif",
        "trivy-json/terraform-misconfig.trivy.json",
        "sbom/cyclonedx/trivy-npm.cdx.json",
        "attestations/in-toto-links/demo.layout.template.json",
    ],
)
def test_detect_rejects_other_sources(relative: str) -> None:
    assert not ADAPTER.detect(*_first_document(corpus(relative)))
