"""The SARIF adapter on every corpus log, on built fixtures, and on broken variants."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.facts import ScanReportFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.framing import InputSource, frame
from soxtrail.sources.redaction import redact
from soxtrail.sources.sarif import ADAPTER, severity_of
from tests.helpers import CORPUS, FIXTURES, corpus, parse_file, records_of

EPOCH = "1970-01-01T00:00:00.000000Z"
SHA = "0123456789abcdef0123456789abcdef01234567"
NONE_OPEN = {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0}


def _open(**counts: int) -> dict[str, int]:
    return {**NONE_OPEN, **counts}


def _digest(path: Path) -> str:
    """SHA-256 of the document as stored: after redaction (gitleaks snippets are secrets)."""
    raw = path.read_bytes()
    redacted, found = redact(raw.decode("utf-8"))
    return hashlib.sha256(redacted.encode("utf-8") if found else raw).hexdigest()


# (file, per run: (tool, version, complete, by_severity, [(rule, level, severity, location)]))
LOGS = [
    pytest.param(
        "sarif/checkov/openapi-results.sarif",
        [
            (
                "unknown",
                None,
                True,
                _open(high=12),
                [
                    ("CKV_OPENAPI_4", "error", "high", "v2/swagger_empty_paths.yaml:2"),
                    ("CKV_OPENAPI_1", "error", "high", "v2/swagger_empty_paths.yaml:2"),
                    ("CKV_OPENAPI_4", "error", "high", "v2/example.yml:1"),
                    ("CKV_OPENAPI_1", "error", "high", "v2/example.yml:1"),
                    ("CKV_OPENAPI_4", "error", "high", "v2/example1.json:1"),
                    ("CKV_OPENAPI_4", "error", "high", "v2/example.json:1"),
                    ("CKV_OPENAPI_1", "error", "high", "v2/example.json:1"),
                    ("CKV_OPENAPI_4", "error", "high", "v3/example.yaml:1"),
                    ("CKV_OPENAPI_3", "error", "high", "v3/example.yaml:8"),
                    ("CKV_OPENAPI_4", "error", "high", "v3/example1.json:1"),
                    ("CKV_OPENAPI_4", "error", "high", "v3/example.json:1"),
                    ("CKV_OPENAPI_3", "error", "high", "v3/example1.yaml:10"),
                ],
            )
        ],
        id="checkov-no-driver",
    ),
    pytest.param(
        "sarif/codeql-action/empty-sarif.sarif",
        [("LGTM.com", "1.24.0-SNAPSHOT", True, _open(), [])],
        id="codeql-empty-results",
    ),
    pytest.param(
        "sarif/codeql-action/fingerprinting.expected.sarif",
        [
            (
                "CodeQL command-line toolchain",
                "2.0.0",
                True,
                _open(medium=2),
                [
                    ("js/unused-local-variable", "warning", "medium", "testFile1.js:1"),
                    ("js/unused-local-variable", "warning", "medium", "testFile2.js:2"),
                ],
            )
        ],
        id="codeql-fingerprints-artifact-index",
    ),
    pytest.param(
        "sarif/codeql-action/tool-names.sarif",
        [
            ("CodeQL command-line toolchain", None, False, _open(), []),
            ("CodeQL command-line toolchain", None, False, _open(), []),
            ("ESLint", None, False, _open(), []),
            ("unknown", None, False, _open(), []),
            ("unknown", None, False, _open(), []),
        ],
        id="codeql-tool-names-empty-and-null",
    ),
    pytest.param(
        "sarif/codeql-action/valid-sarif.sarif",
        [
            (
                "LGTM.com",
                "1.24.0-SNAPSHOT",
                True,
                _open(low=1),
                [("js/unused-local-variable", "note", "low", "main.js:2")],
            ),
            (
                "CodeQL command-line toolchain",
                "2.0.0",
                True,
                _open(low=2),
                [
                    ("js/unused-local-variable", "note", "low", "main.js:2"),
                    ("js/inconsistent-use-of-new", "note", "low", "src/promiseUtils.js:2"),
                ],
            ),
        ],
        id="codeql-two-runs-rule-default-level",
    ),
    pytest.param(
        "sarif/codeql-action/with-invalid-uri.sarif",
        [
            (
                "LGTM.com",
                "1.24.0-SNAPSHOT",
                True,
                _open(medium=1),
                [("js/unused-local-variable", "warning", "medium", "not a valid URI:2")],
            )
        ],
        id="codeql-invalid-uri",
    ),
    pytest.param(
        "sarif/gitleaks/sarif_simple.sarif",
        [
            (
                "gitleaks",
                "v8.0.0",
                True,
                _open(medium=1),
                [("test-rule", "warning", "medium", "auth.py:1")],
            )
        ],
        id="gitleaks",
    ),
    pytest.param(
        "sarif/sarif-tutorials/Baseline.sarif",
        [
            (
                "SarifSamples",
                "1.0",
                True,
                _open(medium=3),
                [("TUT1001", "warning", "medium", None)] * 4,
            )
        ],
        id="tutorial-baseline-absent-not-counted",
    ),
    pytest.param(
        "sarif/sarif-tutorials/Suppressions.sarif",
        [
            (
                "SarifSamples",
                "1.0",
                True,
                _open(medium=6),
                [("TUT1001", "warning", "medium", None)] * 9,
            )
        ],
        id="tutorial-suppressions",
    ),
    pytest.param(
        "sarif/sarif-tutorials/bad-eval-with-code-flow.sarif",
        [
            (
                "PythonScanner",
                None,
                True,
                _open(medium=1),
                [("PY2335", "warning", "medium", "3-Beyond-basics/bad-eval-with-code-flow.py:8")],
            )
        ],
        id="tutorial-code-flow",
    ),
    pytest.param(
        "sarif/sarif-tutorials/empty-log.sarif.json",
        [("CodeScanner", None, True, _open(), [])],
        id="tutorial-empty-log",
    ),
    pytest.param(
        "sarif/sarif-tutorials/message-with-arguments.sarif",
        [("CodeScanner", None, True, _open(medium=1), [("CS0001", "warning", "medium", None)])],
        id="tutorial-message-arguments",
    ),
    pytest.param(
        "sarif/trivy/alpine-310.vuln.sarif",
        [
            (
                "Trivy",
                "dev",
                True,
                _open(medium=4),
                [
                    (
                        "CVE-2019-1549",
                        "warning",
                        "medium",
                        "testdata/fixtures/images/alpine-310.tar.gz:1",
                    ),
                    (
                        "CVE-2019-1551",
                        "warning",
                        "medium",
                        "testdata/fixtures/images/alpine-310.tar.gz:1",
                    ),
                    (
                        "CVE-2019-1549",
                        "warning",
                        "medium",
                        "testdata/fixtures/images/alpine-310.tar.gz:1",
                    ),
                    (
                        "CVE-2019-1551",
                        "warning",
                        "medium",
                        "testdata/fixtures/images/alpine-310.tar.gz:1",
                    ),
                ],
            )
        ],
        id="trivy-security-severity",
    ),
]


@pytest.mark.parametrize(("relative", "runs"), LOGS)
def test_log(relative: str, runs: list[tuple[Any, ...]]) -> None:
    path = corpus(relative)
    records = records_of(ADAPTER, path)
    assert len(records) == len(runs)
    for index, (record, expected) in enumerate(zip(records, runs, strict=True)):
        tool, version, complete, by_severity, findings = expected
        facts = record.facts
        assert isinstance(facts, ScanReportFacts)
        assert record.kind is Kind.SCAN_REPORT
        assert (facts.tool, facts.tool_version, facts.category) == (tool, version, None)
        assert facts.analysis_complete is complete
        assert facts.by_severity == by_severity
        assert [(f.rule_id, f.level, f.severity, f.location) for f in facts.findings] == findings
        assert record.locator == f"/runs/{index}"
        assert record.subject == f"{tool}@sha256:{_digest(path)}"
        assert record.to_json()["occurred_at"] == EPOCH
        assert (record.repo, record.commit) == (None, None)


def test_suppressions_follow_status() -> None:
    record = records_of(ADAPTER, corpus("sarif/sarif-tutorials/Suppressions.sarif"))[0]
    assert [f.suppressed for f in record.facts.findings] == [
        False,  # no suppressions
        True,  # inSource, no status
        True,  # external, no status
        False,  # rejected
        True,  # accepted
        False,  # underReview
        False,  # accepted + rejected: a rejection leaves it open
        False,  # no status + rejected
        False,  # underReview + rejected
    ]


def test_baseline_state_and_messages() -> None:
    findings = records_of(ADAPTER, corpus("sarif/sarif-tutorials/Baseline.sarif"))[0].facts.findings
    assert [(f.baseline_state, f.message) for f in findings] == [
        ("absent", "Absent result."),
        ("unchanged", "Unchanged result."),
        ("updated", "Updated result."),
        ("new", "New result."),
    ]


@pytest.mark.parametrize(
    ("relative", "index", "message", "fingerprint", "score"),
    [
        (
            "sarif/sarif-tutorials/message-with-arguments.sarif",
            0,
            "Variable 'x' was used without being initialized.",
            None,
            None,
        ),
        ("sarif/gitleaks/sarif_simple.sarif", 0, None, "0000000000000000", None),
        (
            "sarif/codeql-action/valid-sarif.sarif",
            0,
            "Unused variable foo.",
            "39fa2ee980eb94b0:1",
            None,
        ),
        (
            "sarif/trivy/alpine-310.vuln.sarif",
            2,
            "Package: libssl1.1\nInstalled Version: 1.1.1c-r0\nVulnerability CVE-2019-1549",
            None,
            5.3,
        ),
    ],
    ids=[
        "message-id-arguments",
        "gitleaks-partial-fingerprint",
        "codeql-fingerprint",
        "trivy-score",
    ],
)
def test_finding_details(
    relative: str, index: int, message: str | None, fingerprint: str | None, score: float | None
) -> None:
    finding = records_of(ADAPTER, corpus(relative))[0].facts.findings[index]
    if message is not None:
        assert finding.message is not None
        assert finding.message.startswith(message)
    assert finding.fingerprint == fingerprint
    assert finding.security_severity == score


def test_built_codeql_log_with_extensions_and_provenance() -> None:
    path = FIXTURES / "sarif" / "codeql_extensions_security_severity.sarif"
    (record,) = records_of(ADAPTER, path)
    facts = record.facts
    commit = "1a2b3c4d5e6f708192a3b4c5d6e7f80912a3b4c5"
    assert (record.repo, record.commit, record.subject) == (
        "acme/billing",
        commit,
        f"acme/billing@{commit}",
    )
    assert record.to_json()["occurred_at"] == "2026-07-14T10:02:30.500000Z"
    assert (facts.tool, facts.tool_version, facts.category) == (
        "CodeQL",
        "2.16.1",
        "/language:python/",
    )
    assert facts.analysis_complete is True
    assert [
        (f.rule_id, f.level, f.security_severity, f.severity, f.suppressed) for f in facts.findings
    ] == [
        ("py/sql-injection", "error", 9.8, "critical", False),
        ("py/clear-text-logging-sensitive-data", "error", 7.5, "high", True),
        ("py/weak-crypto-key", "warning", 4.3, "medium", False),
        ("py/unused-import", "note", None, "low", False),
        ("py/stack-trace-exposure", "warning", 0.0, "info", False),
        ("py/sql-injection", "none", 9.8, "critical", False),
    ]
    first = facts.findings[0]
    assert (first.location, first.fingerprint) == ("src/ledger/post.py:42", "f00d")
    assert facts.by_severity == _open(critical=2, medium=1, low=1, info=1)


def test_failed_invocation_is_not_a_complete_analysis() -> None:
    (record,) = records_of(ADAPTER, FIXTURES / "sarif" / "failed_invocation.sarif")
    assert record.facts.analysis_complete is False
    assert record.facts.tool == "Semgrep OSS"
    assert record.to_json()["occurred_at"] == "2026-07-14T10:05:00.000000Z"


def test_hints_override_the_log() -> None:
    path = FIXTURES / "sarif" / "codeql_extensions_security_severity.sarif"
    hints = {"repo": "https://github.com/acme/payments.git", "commit": SHA, "run": "github:7"}
    (record,) = records_of(ADAPTER, path, hints)
    assert (record.repo, record.commit, record.subject) == (
        "acme/payments",
        SHA,
        f"acme/payments@{SHA}",
    )
    assert record.links == (("run", "github:7"),)


def test_tool_hint_names_a_driverless_run() -> None:
    (record,) = records_of(
        ADAPTER, corpus("sarif/checkov/openapi-results.sarif"), {"tool": "checkov"}
    )
    assert record.facts.tool == "checkov"


@pytest.mark.parametrize(
    ("score", "level", "severity"),
    [
        (9.0, "note", "critical"),
        (8.9, "note", "high"),
        (7.0, "none", "high"),
        (6.9, "error", "medium"),
        (4.0, "error", "medium"),
        (3.9, "error", "low"),
        (0.1, "error", "low"),
        (0.0, "error", "info"),
        (None, "error", "high"),
        (None, "warning", "medium"),
        (None, "note", "low"),
        (None, "none", "info"),
    ],
)
def test_severity_mapping(score: float | None, level: str, severity: str) -> None:
    assert severity_of(score, level) == severity


def _variant(tmp_path: Path, relative: str, change: Any) -> Path:
    data = json.loads(corpus(relative).read_text())
    change(data)
    path = tmp_path / Path(relative).name
    path.write_text(json.dumps(data, indent=1))
    return path


BROKEN = [
    pytest.param(
        "sarif/gitleaks/sarif_simple.sarif",
        lambda d: d.update(version="2.0.0"),
        "/version",
        "SARIF version '2.0.0' is not supported (2.1.0 only)",
        id="old-version",
    ),
    pytest.param(
        "sarif/gitleaks/sarif_simple.sarif",
        lambda d: d.pop("version"),
        "/version",
        "missing required key",
        id="no-version",
    ),
    pytest.param(
        "sarif/gitleaks/sarif_simple.sarif",
        lambda d: d.update(runs={"0": {}}),
        "/runs",
        "expected an array, got object",
        id="runs-not-array",
    ),
    pytest.param(
        "sarif/gitleaks/sarif_simple.sarif",
        lambda d: d["runs"].append("second"),
        "/runs/1",
        'expected an object, got string "second"',
        id="run-not-object",
    ),
    pytest.param(
        "sarif/gitleaks/sarif_simple.sarif",
        lambda d: d["runs"][0]["results"][0]["message"].update(text=5),
        "/runs/0/results/0/message/text",
        "expected a string, got integer 5",
        id="message-text-number",
    ),
    pytest.param(
        "sarif/codeql-action/valid-sarif.sarif",
        lambda d: d["runs"][1]["results"][1]["partialFingerprints"].update(
            primaryLocationLineHash=7
        ),
        "/runs/1/results/1/partialFingerprints/primaryLocationLineHash",
        "expected a string, got integer 7",
        id="fingerprint-number",
    ),
    pytest.param(
        "sarif/codeql-action/valid-sarif.sarif",
        lambda d: d["runs"][0]["results"][0].update(ruleIndex="0"),
        "/runs/0/results/0/ruleIndex",
        'expected an integer, got string "0"',
        id="rule-index-string",
    ),
]


@pytest.mark.parametrize(("relative", "change", "position", "problem"), BROKEN)
def test_broken_logs(
    tmp_path: Path, relative: str, change: Any, position: str, problem: str
) -> None:
    path = _variant(tmp_path, relative, change)
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_truncated_log(tmp_path: Path) -> None:
    path = tmp_path / "cut.sarif"
    path.write_bytes(corpus("sarif/gitleaks/sarif_simple.sarif").read_bytes()[:300])
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert caught.value.position == "line 13, column 14"
    assert caught.value.problem.startswith("not valid JSON: ")


def test_junit_given_as_sarif_says_it_is_xml() -> None:
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, corpus("junit/trivy/alpine-310.junit.xml"))
    assert caught.value.position == "line 1, column 1"
    assert caught.value.problem == (
        "not valid JSON: Expecting value (the document is XML; this source reads JSON only)"
    )


def test_log_without_runs_is_ignored(tmp_path: Path) -> None:
    path = _variant(tmp_path, "sarif/gitleaks/sarif_simple.sarif", lambda d: d.update(runs=[]))
    (parsed,) = parse_file(ADAPTER, path)
    assert parsed.records == ()
    assert parsed.ignored == "a SARIF log with no runs (no analysis was performed)"


def _first_document(path: Path) -> tuple[Any, Any]:
    framed = next(iter(frame(InputSource(str(path)), ADAPTER.framing)))
    return framed.doc, framed.data


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (CORPUS / "sarif").rglob("*") if p.is_file()),
    ids=lambda p: p.name,
)
def test_detect_recognises_every_corpus_log(path: Path) -> None:
    assert ADAPTER.detect(*_first_document(path))


@pytest.mark.parametrize(
    "relative",
    [
        "trivy-json/secrets.trivy.json",
        "sbom/cyclonedx/trivy-npm.cdx.json",
        "terraform-plan-json/terraform-testdata/basic-create.plan.json",
        "attestations/github-artifact-attestation/reusable-workflow.sigstore.json",
        "github-webhooks/push/push-to-master.payload.json",
    ],
)
def test_detect_rejects_other_sources(relative: str) -> None:
    assert not ADAPTER.detect(*_first_document(corpus(relative)))
