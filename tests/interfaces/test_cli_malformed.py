"""Malformed input, end to end: `soxtrail ingest SOURCE FILE...` with one broken document.

Each case breaks a real payload (a corpus file, or a BUILT fixture where the corpus has none:
ServiceNow, a bare in-toto Statement, an Argo CD notification) in one way: cut in half,
a value of the wrong type, a required key removed. The command must exit 2, and its error
must name the file, the position (line and column, a JSON pointer, or an XML path) and the
problem; and nothing may be stored: not the broken file, and not a valid file given before
it in the same command (one transaction per command).
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import FIXTURES, corpus
from tests.interfaces.test_cli_contract import soxtrail

Mutation = Callable[[str], str]


def cut(text: str) -> str:
    """The first half of the file, as an interrupted download leaves it."""
    return text[: len(text) // 2]


def json_set(pointer: tuple[str | int, ...], value: Any) -> Mutation:
    def mutate(text: str) -> str:
        document = json.loads(text)
        node = document
        for key in pointer[:-1]:
            node = node[key]
        node[pointer[-1]] = value
        return json.dumps(document, indent=2)

    return mutate


def json_delete(pointer: tuple[str | int, ...]) -> Mutation:
    def mutate(text: str) -> str:
        document = json.loads(text)
        node = document
        for key in pointer[:-1]:
            node = node[key]
        del node[pointer[-1]]
        return json.dumps(document, indent=2)

    return mutate


def replace(old: str, new: str) -> Mutation:
    def mutate(text: str) -> str:
        assert old in text
        return text.replace(old, new, 1)

    return mutate


GITLAB = corpus("gitlab-webhooks/pipeline/success.go-gitlab.json")
JIRA = corpus("jira-webhooks/server/issue_updated.closed.json")
SERVICENOW = FIXTURES / "servicenow" / "change_request.normal_closed.json"
JUNIT = corpus("junit/test-reporter-fixtures/pytest.junit.xml")
SARIF = corpus("sarif/codeql-action/valid-sarif.sarif")
PLAN = corpus("terraform-plan-json/checkov-fixtures/updates.tf1.4.6.plan.json")
CYCLONEDX = corpus("sbom/cyclonedx/vex-cisa-affected.cdx.json")
INTOTO = FIXTURES / "intoto" / "statement_v1_bare_two_subjects.intoto.json"
PROVENANCE = corpus("attestations/slsa-verifier/gcb-container-provenance-v0.3.json")
ARGOCD = FIXTURES / "argocd" / "notification_webhook.sync_failed.json"

TRUNCATED = r"line \d+, column \d+: not valid JSON"

#: (source, valid payload, how it is broken, where and what the error says: a regex).
CASES = [
    pytest.param("gitlab", GITLAB, cut, TRUNCATED, id="gitlab-truncated"),
    pytest.param(
        "gitlab",
        GITLAB,
        json_set(("object_attributes", "id"), [1]),
        "/object_attributes/id: expected an id \\(string or integer\\), got array",
        id="gitlab-wrong-type",
    ),
    pytest.param(
        "gitlab",
        GITLAB,
        json_delete(("object_attributes", "sha")),
        "/object_attributes/sha: missing required key",
        id="gitlab-missing-key",
    ),
    pytest.param("jira", JIRA, cut, TRUNCATED, id="jira-truncated"),
    pytest.param(
        "jira",
        JIRA,
        json_set(("issue", "key"), 7),
        "/issue/key: expected a string, got integer 7",
        id="jira-wrong-type",
    ),
    pytest.param(
        "jira",
        JIRA,
        json_delete(("issue", "key")),
        "/issue/key: missing required key",
        id="jira-missing-key",
    ),
    pytest.param("servicenow", SERVICENOW, cut, TRUNCATED, id="servicenow-truncated"),
    pytest.param(
        "servicenow",
        SERVICENOW,
        json_set(("result",), "x"),
        '/result: expected a record object, got string "x"',
        id="servicenow-wrong-type",
    ),
    pytest.param(
        "servicenow",
        SERVICENOW,
        json_delete(("result", "number")),
        "/result/number: missing required key",
        id="servicenow-missing-key",
    ),
    pytest.param(
        "junit",
        JUNIT,
        cut,
        r"line \d+, column \d+: not well-formed XML",
        id="junit-truncated",
    ),
    pytest.param(
        "junit",
        JUNIT,
        replace('tests="15"', 'tests="fifteen"'),
        "/testsuites/testsuite\\[1\\]/@tests: expected a count, got 'fifteen'",
        id="junit-wrong-type",
    ),
    pytest.param(
        "junit",
        JUNIT,
        replace(' name="test_always_pass"', ""),
        "/testsuites/testsuite\\[1\\]/testcase\\[1\\]: a testcase needs a name attribute",
        id="junit-missing-key",
    ),
    pytest.param("sarif", SARIF, cut, TRUNCATED, id="sarif-truncated"),
    pytest.param(
        "sarif",
        SARIF,
        json_set(("runs",), "x"),
        '/runs: expected an array, got string "x"',
        id="sarif-wrong-type",
    ),
    pytest.param(
        "sarif", SARIF, json_delete(("runs",)), "/runs: missing required key", id="sarif-missing"
    ),
    pytest.param("terraform-plan", PLAN, cut, TRUNCATED, id="terraform-plan-truncated"),
    pytest.param(
        "terraform-plan",
        PLAN,
        json_set(("resource_changes",), {"a": 1}),
        "/resource_changes: expected an array, got object",
        id="terraform-plan-wrong-type",
    ),
    pytest.param(
        "terraform-plan",
        PLAN,
        json_delete(("resource_changes", 0, "change")),
        "/resource_changes/0/change: missing required key",
        id="terraform-plan-missing-key",
    ),
    pytest.param("cyclonedx", CYCLONEDX, cut, TRUNCATED, id="cyclonedx-truncated"),
    pytest.param(
        "cyclonedx",
        CYCLONEDX,
        json_set(("specVersion",), 1.4),
        "/specVersion: expected a string, got number 1.4",
        id="cyclonedx-wrong-type",
    ),
    pytest.param(
        "cyclonedx",
        CYCLONEDX,
        json_delete(("bomFormat",)),
        "/bomFormat: missing required key",
        id="cyclonedx-missing-key",
    ),
    pytest.param("intoto", PROVENANCE, cut, TRUNCATED, id="intoto-truncated"),
    pytest.param(
        "intoto",
        INTOTO,
        json_set(("subject",), "x"),
        '/subject: expected an array, got string "x"',
        id="intoto-wrong-type",
    ),
    pytest.param(
        "intoto",
        INTOTO,
        json_delete(("subject",)),
        "/subject: missing required key",
        id="intoto-missing-key",
    ),
    pytest.param("argocd", ARGOCD, cut, TRUNCATED, id="argocd-truncated"),
    pytest.param(
        "argocd",
        ARGOCD,
        json_set(("app",), 3),
        "/app: expected an object, got integer 3",
        id="argocd-wrong-type",
    ),
    pytest.param(
        "argocd",
        ARGOCD,
        json_delete(("app", "metadata", "name")),
        "/app/metadata/name: missing required key",
        id="argocd-missing-key",
    ),
]


def stored(root: Path) -> tuple[int, int, int]:
    """(ledger size, raw documents, evidence records) of the workspace."""
    status = soxtrail("ledger", "status", "-f", "json", cwd=root)
    assert status.returncode == 0, status.stderr
    with sqlite3.connect(root / ".soxtrail" / "soxtrail.db") as db:
        (documents,) = db.execute("SELECT count(*) FROM raw_documents").fetchone()
        (records,) = db.execute("SELECT count(*) FROM evidence").fetchone()
    return json.loads(status.stdout)["size"], documents, records


@pytest.mark.parametrize(("source", "base", "mutate", "message"), CASES)
def test_malformed_file_exits_2_naming_file_position_problem_and_stores_nothing(
    tmp_path: Path,
    populated_workspace: Path,
    source: str,
    base: Path,
    mutate: Mutation,
    message: str,
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(populated_workspace, root)
    before = stored(root)
    assert before[2] >= 1

    text = base.read_text(encoding="utf-8-sig")
    good = tmp_path / f"good-{base.name}"
    good.write_text(text)
    bad = tmp_path / f"bad-{base.name}"
    broken = mutate(text)
    assert broken != text
    bad.write_text(broken)

    pattern = re.compile(f"{re.escape(str(bad))}: {message}")
    alone = soxtrail("ingest", source, str(bad), cwd=root)
    assert alone.returncode == 2, alone.stderr
    assert pattern.search(alone.stderr), alone.stderr
    assert stored(root) == before

    # A valid file before the broken one in the same command is not stored either.
    after_good = soxtrail("ingest", source, str(good), str(bad), cwd=root)
    assert after_good.returncode == 2, after_good.stderr
    assert pattern.search(after_good.stderr), after_good.stderr
    assert str(good) not in after_good.stderr
    assert stored(root) == before

    # The valid file on its own is ingested: the refusal was the broken file's.
    alone_good = soxtrail("ingest", source, str(good), "-f", "json", cwd=root)
    assert alone_good.returncode == 0, alone_good.stderr
    assert json.loads(alone_good.stdout)["documents"]["new"] >= 1
    assert stored(root)[0] > before[0]


def test_truncated_json_names_the_line_of_the_cut(tmp_path: Path) -> None:
    """The position of a truncated document is where the text stops, not line 1."""
    root = tmp_path / "ws"
    assert soxtrail("init", str(root), cwd=tmp_path).returncode == 0
    text = cut(PLAN.read_text(encoding="utf-8-sig"))
    bad = tmp_path / "cut.plan.json"
    bad.write_text(text)
    result = soxtrail("ingest", "terraform-plan", str(bad), cwd=root)
    assert result.returncode == 2
    found = re.search(rf"{re.escape(str(bad))}: line (\d+), column (\d+):", result.stderr)
    assert found, result.stderr
    lines = text.count("\n") + 1
    assert lines - 2 <= int(found.group(1)) <= lines, (found.group(0), lines)
