"""The JUnit XML adapter on every corpus report, on built fixtures, and on broken variants."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.facts import TestReportFacts as ReportFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.framing import InputSource, frame
from soxtrail.sources.junit import ADAPTER, FAILED_CASES_LIMIT
from tests.helpers import CORPUS, FIXTURES, corpus, records_of

EPOCH = "1970-01-01T00:00:00.000000Z"
SHA = "0123456789abcdef0123456789abcdef01234567"


@dataclass(frozen=True)
class Report:
    """What a report must yield: counts, time, and (name, outcome, message start) failures."""

    tool: str
    suites: int
    tests: int
    failures: int
    errors: int
    skipped: int
    duration_ms: int | None
    occurred_at: str
    declared: dict[str, int]
    failed: list[tuple[str, str, str]] = field(default_factory=list)


REPORTS = [
    pytest.param(
        corpus("junit/gitleaks/junit_empty.xml"),
        Report("gitleaks", 1, 0, 0, 0, 0, None, EPOCH, {"tests": 0, "failures": 0}),
        id="gitleaks-empty",
    ),
    pytest.param(
        corpus("junit/gitleaks/junit_simple.xml"),
        Report(
            "gitleaks",
            1,
            2,
            2,
            0,
            0,
            None,
            EPOCH,
            {"tests": 2, "failures": 2},
            [
                (
                    (
                        "test-rule has detected a secret in file auth.py, line 1, at commit "
                        "0000000000000000."
                    ),
                    "failure",
                    "test-rule has detected a secret in file auth.py, line 1",
                ),
                (
                    "test-rule has detected a secret in file auth.py, line 2.",
                    "failure",
                    "test-rule has detected a secret in file auth.py, line 2.",
                ),
            ],
        ),
        id="gitleaks-time-empty-string",
    ),
    pytest.param(
        corpus("junit/test-reporter-fixtures/empty-failure-message.junit.xml"),
        Report(
            "junit",
            1,
            3,
            1,
            0,
            0,
            6790,
            EPOCH,
            {"tests": 3, "failures": 1, "errors": 0, "skipped": 0},
            [("test_other_case", "failure", "Traceback (most recent call last):")],
        ),
        id="self-closing-failure",
    ),
    pytest.param(
        corpus("junit/test-reporter-fixtures/empty-testsuite.jest.junit.xml"),
        Report(
            "jest",
            1,
            0,
            0,
            0,
            0,
            11299,
            "2020-10-27T21:39:41.000000Z",
            {"tests": 0, "failures": 0, "errors": 0, "skipped": 0},
        ),
        id="jest-empty-suite",
    ),
    pytest.param(
        corpus("junit/test-reporter-fixtures/jest-junit.xml"),
        Report(
            "jest",
            2,
            6,
            4,
            0,
            1,
            1360,
            "2020-10-27T21:39:41.000000Z",
            {"tests": 6, "failures": 4, "errors": 0, "skipped": 1},
            [
                ("Failing test", "failure", "Error: expect(received).toBeTruthy()"),
                ("Exception in target unit", "failure", "Error: Some error"),
                ("Exception in test", "failure", "Error: Some error"),
                ("Timeout test", "failure", ": Timeout - Async callback was not invoked"),
            ],
        ),
        id="jest-junit",
    ),
    pytest.param(
        corpus("junit/test-reporter-fixtures/pytest.junit.xml"),
        Report(
            "pytest",
            1,
            10,
            2,
            0,
            2,
            19,
            "2025-11-15T16:51:49.548396Z",
            {"tests": 15, "failures": 2, "errors": 0, "skipped": 2},
            [
                ("test_always_fail", "failure", "assert False"),
                ("test_error", "failure", "Exception: error"),
            ],
        ),
        id="pytest-declares-15-shows-10",
    ),
    pytest.param(
        corpus("junit/test-reporter-fixtures/python-unittest-xmlrunner.junit.xml"),
        Report(
            "junit",
            1,
            8,
            1,
            1,
            2,
            1,
            "2025-11-14T21:49:22.000000Z",
            {"tests": 8, "failures": 1, "errors": 1, "skipped": 2},
            [("test_always_fail", "failure", "failed"), ("test_error", "error", "error")],
        ),
        id="unittest-xmlrunner-error",
    ),
    pytest.param(
        corpus("junit/test-reporter-fixtures/swift-xunit.xml"),
        Report(
            "junit",
            1,
            3,
            1,
            0,
            0,
            220,
            EPOCH,
            {"tests": 3, "failures": 1, "errors": 0},
            [("test_always_fail", "failure", "failed")],
        ),
        id="swift",
    ),
    pytest.param(
        corpus("junit/test-reporter-fixtures/testng-junitreporter.TEST-pulsar.xml"),
        Report(
            "testng",
            1,
            2,
            1,
            0,
            1,
            116,
            "2021-03-07T10:36:56.000000Z",
            {"tests": 2, "failures": 1, "errors": 0, "skipped": 1},
            [("testVersionStrings", "failure", "expected [1.2.1] but found [1.2.0]")],
        ),
        id="testng-utc-suffix",
    ),
    pytest.param(
        corpus("junit/trivy/alpine-310.junit.xml"),
        Report(
            "trivy",
            2,
            4,
            4,
            0,
            0,
            None,
            EPOCH,
            {"tests": 4, "failures": 4, "errors": 0, "skipped": 0},
            [
                ("[MEDIUM] CVE-2019-1549", "failure", "openssl: information disclosure in fork()"),
                ("[MEDIUM] CVE-2019-1551", "failure", "openssl: Integer overflow in RSAZ"),
                ("[MEDIUM] CVE-2019-1549", "failure", "openssl: information disclosure in fork()"),
                ("[MEDIUM] CVE-2019-1551", "failure", "openssl: Integer overflow in RSAZ"),
            ],
        ),
        id="trivy-two-suites",
    ),
    pytest.param(
        FIXTURES / "junit" / "surefire_rerun_flaky.xml",
        Report(
            "surefire",
            1,
            5,
            1,
            1,
            1,
            1234500,
            EPOCH,
            {"tests": 5, "failures": 1, "errors": 1, "skipped": 1},
            [
                ("roundsHalfEven", "failure", "expected: <10.00> but was: <10.01>"),
                ("connectsToLedger", "error", "Connection refused"),
            ],
        ),
        id="built-surefire-rerun-flaky",
    ),
    pytest.param(
        FIXTURES / "junit" / "gradle_single_suite.xml",
        Report(
            "junit",
            1,
            3,
            0,
            0,
            1,
            42,
            "2024-01-15T10:00:00.000000Z",
            {"tests": 3, "skipped": 1, "failures": 0, "errors": 0},
        ),
        id="built-gradle",
    ),
    pytest.param(
        FIXTURES / "junit" / "nested_suites_declared_more.xml",
        Report(
            "junit",
            3,
            3,
            1,
            0,
            0,
            3500,
            "2024-03-01T11:00:02.000000Z",
            {"tests": 4, "failures": 3},
            [("cancels order", "failure", "409 Conflict")],
        ),
        id="built-nested-suites",
    ),
]


def _only(path: Path, hints: dict[str, str] | None = None) -> Any:
    records = records_of(ADAPTER, path, hints)
    assert len(records) == 1
    return records[0]


@pytest.mark.parametrize(("path", "expected"), REPORTS)
def test_report(path: Path, expected: Report) -> None:
    record = _only(path)
    facts = record.facts
    assert isinstance(facts, ReportFacts)
    assert record.kind is Kind.TEST_REPORT
    assert record.source == "junit"
    assert (
        facts.tool,
        facts.suites,
        facts.tests,
        facts.failures,
        facts.errors,
        facts.skipped,
        facts.duration_ms,
    ) == (
        expected.tool,
        expected.suites,
        expected.tests,
        expected.failures,
        expected.errors,
        expected.skipped,
        expected.duration_ms,
    )
    assert facts.declared == expected.declared
    assert record.to_json()["occurred_at"] == expected.occurred_at
    assert [(c.name, c.outcome) for c in facts.failed_cases] == [
        (name, outcome) for name, outcome, _ in expected.failed
    ]
    for case, (_, _, message) in zip(facts.failed_cases, expected.failed, strict=True):
        assert case.message is not None
        assert case.message.startswith(message)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert record.subject == f"{expected.tool}@sha256:{digest}"
    assert (record.repo, record.commit, record.links) == (None, None, ())


def test_failed_case_names_suite_and_class() -> None:
    facts = _only(corpus("junit/test-reporter-fixtures/jest-junit.xml")).facts
    first = facts.failed_cases[0]
    assert (first.suite, first.classname) == ("__tests__\\main.test.js", "Test 1 › Test 1.1")
    timeout = facts.failed_cases[3]
    assert (timeout.suite, timeout.classname) == ("__tests__\\second.test.js", None)


def test_hints_give_repo_commit_subject_tool_and_run() -> None:
    hints = {"repo": "acme/billing", "commit": SHA.upper(), "run": "github:42", "tool": "maven"}
    record = _only(
        corpus("junit/test-reporter-fixtures/testng-junitreporter.TEST-pulsar.xml"), hints
    )
    assert record.subject == f"acme/billing@{SHA}"
    assert (record.repo, record.commit) == ("acme/billing", SHA)
    assert record.facts.tool == "maven"
    assert record.links == (("run", "github:42"),)


def test_observed_at_hint_dates_a_report_without_timestamps() -> None:
    record = _only(
        corpus("junit/trivy/alpine-310.junit.xml"), {"observed_at": "2026-07-01T08:00:00+02:00"}
    )
    assert record.to_json()["occurred_at"] == "2026-07-01T06:00:00.000000Z"


def test_failed_cases_are_capped_but_counts_stay_exact(tmp_path: Path) -> None:
    cases = "".join(
        f'<testcase classname="c" name="t{i}"><failure message="m{i}"/></testcase>'
        for i in range(250)
    )
    path = tmp_path / "many.xml"
    path.write_text(f'<testsuite name="s" tests="250" failures="250">{cases}</testsuite>')
    facts = _only(path).facts
    assert (facts.tests, facts.failures) == (250, 250)
    assert len(facts.failed_cases) == FAILED_CASES_LIMIT == 200
    assert facts.failed_cases[-1].name == "t199"


def _variant(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


BROKEN = [
    pytest.param(
        "junit/test-reporter-fixtures/swift-xunit.xml",
        '<failure message="failed"></failure>',
        '<failure message="failed">',
        "line 10, column 3",
        "not well-formed XML: mismatched tag",
        id="truncated-element",
    ),
    pytest.param(
        "junit/test-reporter-fixtures/swift-xunit.xml",
        'name="test_always_fail" ',
        "",
        "/testsuites/testsuite[1]/testcase[3]",
        "a testcase needs a name attribute",
        id="testcase-without-name",
    ),
    pytest.param(
        "junit/test-reporter-fixtures/pytest.junit.xml",
        'time="0.019"',
        'time="fast"',
        "/testsuites/testsuite[1]/@time",
        "expected a number, got 'fast'",
        id="time-not-a-number",
    ),
    pytest.param(
        "junit/test-reporter-fixtures/jest-junit.xml",
        'tests="2"',
        'tests="two"',
        "/testsuites/testsuite[2]/@tests",
        "expected a count, got 'two'",
        id="count-not-a-number",
    ),
    pytest.param(
        "junit/test-reporter-fixtures/testng-junitreporter.TEST-pulsar.xml",
        'timestamp="2021-03-07T10:36:56 UTC"',
        'timestamp="last Sunday"',
        "/testsuite/@timestamp",
        "not a timestamp: 'last Sunday'",
        id="timestamp-not-a-time",
    ),
]


@pytest.mark.parametrize(("source", "old", "new", "position", "problem"), BROKEN)
def test_broken_reports(
    tmp_path: Path, source: str, old: str, new: str, position: str, problem: str
) -> None:
    path = _variant(tmp_path, corpus(source), old, new)
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.file, caught.value.position) == (str(path), position)
    assert caught.value.problem.startswith(problem)


def test_truncated_file_names_line_and_column(tmp_path: Path) -> None:
    text = corpus("junit/trivy/alpine-310.junit.xml").read_text()
    path = tmp_path / "truncated.xml"
    path.write_text(text[:1000])
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert caught.value.position == "line 8, column 620"
    assert caught.value.problem == "not well-formed XML: no element found"


def test_other_xml_is_not_a_junit_report() -> None:
    path = corpus("sbom/cyclonedx/cern-lhc-vdm-editor.cdx-1.2.xml")
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert caught.value.position == "/bom"
    assert caught.value.problem == (
        "not a JUnit XML report: the root element is <bom>, expected <testsuites> or <testsuite>"
    )


def test_entity_declarations_are_refused() -> None:
    path = FIXTURES / "junit" / "entity_expansion.xml"
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert caught.value.position == "line 2, column 1"
    assert caught.value.problem.startswith(
        "XML entity declarations and external references are not accepted"
    )


def test_bad_commit_hint_is_an_input_error() -> None:
    path = corpus("junit/gitleaks/junit_empty.xml")
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path, {"repo": "acme/billing", "commit": "abc123"})
    assert caught.value.problem == (
        "the commit hint 'abc123' is not a full commit sha (40 or 64 hex digits)"
    )


def _first_document(path: Path) -> tuple[Any, Any]:
    framed = next(iter(frame(InputSource(str(path)), ADAPTER.framing)))
    return framed.doc, framed.data


@pytest.mark.parametrize("path", sorted((CORPUS / "junit").rglob("*.xml")), ids=lambda p: p.name)
def test_detect_recognises_every_corpus_report(path: Path) -> None:
    assert ADAPTER.detect(*_first_document(path))


@pytest.mark.parametrize(
    "relative",
    [
        "sbom/cyclonedx/cern-lhc-vdm-editor.cdx-1.2.xml",
        "sarif/trivy/alpine-310.vuln.sarif",
        "terraform-plan-json/terraform-testdata/basic-create.plan.json",
        "attestations/in-toto-links/package.2f89b927.link",
    ],
)
def test_detect_rejects_other_sources(relative: str) -> None:
    assert not ADAPTER.detect(*_first_document(corpus(relative)))
