"""CI results for the demo: JUnit XML test reports and SARIF 2.1.0 scans."""

from __future__ import annotations

import json
from collections.abc import Sequence
from xml.sax.saxutils import escape


def junit(suite: str, passed: int, failures: Sequence[str] = (), errors: Sequence[str] = ()) -> str:
    """A pytest-style JUnit report with `passed` passing tests and the named failures."""
    cases = [
        f'    <testcase classname="{suite}" name="test_{i}" time="0.01"/>' for i in range(passed)
    ]
    cases += [
        f'    <testcase classname="{suite}" name="{escape(n)}" time="0.02">'
        f'<failure message="assert failed">AssertionError</failure></testcase>'
        for n in failures
    ]
    cases += [
        f'    <testcase classname="{suite}" name="{escape(n)}" time="0.02">'
        f'<error message="boom">RuntimeError</error></testcase>'
        for n in errors
    ]
    total = passed + len(failures) + len(errors)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n'
        f'  <testsuite name="{suite}" tests="{total}" failures="{len(failures)}" '
        f'errors="{len(errors)}" skipped="0" time="1.5">\n'
        + "\n".join(cases)
        + "\n  </testsuite>\n</testsuites>\n"
    )


def sarif(tool: str, findings: Sequence[tuple[str, str, float | None, str]] = ()) -> str:
    """A SARIF log; findings are (rule id, level, security severity, file path)."""
    rules = []
    results = []
    for rule_id, level, severity, path in findings:
        rule: dict[str, object] = {"id": rule_id, "defaultConfiguration": {"level": level}}
        if severity is not None:
            rule["properties"] = {"security-severity": f"{severity:.1f}"}
        rules.append(rule)
        results.append(
            {
                "ruleId": rule_id,
                "level": level,
                "message": {"text": f"{rule_id} in {path}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": path},
                            "region": {"startLine": 12},
                        }
                    }
                ],
                "partialFingerprints": {"primaryLocationLineHash": f"{rule_id}:{path}"},
            }
        )
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": tool, "version": "2.20.0", "rules": rules}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2)
