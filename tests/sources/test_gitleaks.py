"""Gitleaks JSON reports: findings like the SARIF source's, the secret never kept.

`report.json` is BUILT in the shape of gitleaks' JSON report (`tests/fixtures/gitleaks/`);
the corpus has gitleaks' SARIF and JUnit output only, whose SARIF is read here too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.kinds import Kind
from soxtrail.sources import sarif
from soxtrail.sources.framing import InputSource, frame
from soxtrail.sources.gitleaks import ADAPTER
from tests.helpers import FIXTURES, corpus, records_of

REPORT = FIXTURES / "gitleaks" / "report.json"
HINTS = {"repo": "acme/billing", "observed_at": "2026-07-10T12:00:00Z"}
SECRETS = ("AKIAZQ3DRSTUVWXYZ123", "8f14e45fceea167a5a36dedd4bea2543f2c1", "EXPORT_API_KEY")


def test_one_scan_report_with_every_finding() -> None:
    (record,) = records_of(ADAPTER, REPORT, HINTS)
    assert record.kind is Kind.SCAN_REPORT and record.repo == "acme/billing"
    facts = record.facts
    assert facts.tool == "gitleaks" and facts.analysis_complete is True
    assert [(f.rule_id, f.severity, f.location) for f in facts.findings] == [
        ("aws-access-token", "high", "deploy/settings.py:12"),
        ("generic-api-key", "high", "config/.env.example:3"),
    ]
    assert facts.by_severity["high"] == 2
    assert facts.findings[0].fingerprint == (
        "4f1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5:deploy/settings.py:aws-access-token:12"
    )
    assert facts.findings[1].fingerprint == "config/.env.example:generic-api-key:3"
    assert "at commit 4f1d2c3b4a59" in (facts.findings[0].message or "")


def test_the_secret_and_the_matched_text_are_redacted_before_parsing() -> None:
    (framed,) = frame(InputSource(str(REPORT), HINTS), "json")
    stored = framed.doc.content.decode()
    assert not any(s in stored for s in SECRETS)
    assert {r.rule for r in framed.redactions} == {"json-secret-key", "gitleaks-match"}
    assert len(framed.redactions) == 5  # 2 Secret, 2 Match, 1 Line
    (record,) = records_of(ADAPTER, REPORT, HINTS)
    assert not any(s in str(record.to_json()) for s in SECRETS)


def test_an_empty_report_is_a_clean_scan(tmp_path: Path) -> None:
    path = tmp_path / "clean.json"
    path.write_text("[]\n")
    (record,) = records_of(ADAPTER, path, HINTS)
    assert record.facts.findings == () and record.facts.analysis_complete is True


def test_gitleaks_sarif_from_the_corpus_is_read_with_its_snippet_redacted() -> None:
    path = corpus("sarif/gitleaks/sarif_simple.sarif")
    (framed,) = frame(InputSource(str(path)), "json")
    assert b'"snippet": {\n          "text": "[REDACTED]"' in framed.doc.content
    assert b"a secret" not in framed.doc.content
    (record,) = records_of(sarif.ADAPTER, path)
    assert record.facts.tool == "gitleaks"
    assert [f.rule_id for f in record.facts.findings] == ["test-rule"]


@pytest.mark.parametrize(
    ("content", "position"),
    [
        pytest.param('{"RuleID": "x"}', "", id="not-an-array"),
        pytest.param('[{"RuleID": "x", "StartLine": 1}]', "/0/File", id="no-file"),
        pytest.param('[{"RuleID": 7, "File": "a", "StartLine": 1}]', "/0/RuleID", id="rule"),
    ],
)
def test_malformed_reports(tmp_path: Path, content: str, position: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert str(path) in str(caught.value) and position in str(caught.value)
