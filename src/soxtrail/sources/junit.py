"""JUnit XML test reports: one `test_report` record per document.

JUnit XML has no single specification; this reads the dialects in use, as their docs and
real reports show them: the Ant/Surefire/Failsafe schema (`<testsuite>` root, `<testcase>`
with `<failure>`, `<error>`, `<skipped>`; `surefire-test-report-3.0.xsd`), pytest
(`<testsuites name="pytest tests"><testsuite>`), jest-junit, Gradle, TestNG's
JUnitReportReporter, unittest-xml-reporting, Swift, Trivy and gitleaks, with `<testsuites>`
holding one or several (even nested) `<testsuite>` elements.

Counts come from the test cases, not from the attributes: a case with an `<error>` is an
error, else with a `<failure>` a failure, else with a `<skipped>` skipped (pytest's xfail is
written as skipped), else it passed. What the suites' attributes declare is kept beside the
counts (`declared`), so a report whose attributes claim more failures than it shows is visible.

Positions: a parse error names `line N, column M`; a structural problem names the element as
an XPath with 1-based indexes, e.g. `/testsuites/testsuite[2]/testcase[3]/@time`.

XML safety: parsed with defusedxml, which refuses entity declarations (billion laughs,
external entities); nothing is ever fetched.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from soxtrail.domain.errors import InputError
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import TestCaseFailure, TestReportFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.ci_context import (
    Context,
    clip,
    context_of,
    document_sha256,
    occurred_at,
    run_links,
    subject_of,
)
from soxtrail.sources.timestamps import parse_timestamp

#: At most this many failed or errored cases are listed; the counts stay exact.
FAILED_CASES_LIMIT = 200

_ROOT = re.compile(
    r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<testsuites?\b", re.S
)
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DECLARED = ("tests", "failures", "errors", "skipped")


def _local(tag: object) -> str:
    """An element's name without its namespace (`{ns}testcase` -> `testcase`)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text_of(data: Any, doc: Document) -> str:
    if isinstance(data, str):
        return data
    try:
        return doc.content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise doc.error("", "not valid UTF-8 text") from exc


def _line_column(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def parse_xml(doc: Document, data: Any) -> Element:
    """Parse a document as XML safely (no entities, no external references).

    Raises:
        InputError: not well-formed XML (with line and column), or it declares entities.
    """
    text = _text_of(data, doc)
    try:
        root: Element = SafeET.fromstring(text)
    except ParseError as exc:
        line, column = exc.position
        problem = str(exc).split(":", 1)[0]
        raise InputError(
            doc.origin, f"line {line}, column {column + 1}", f"not well-formed XML: {problem}"
        ) from exc
    except DefusedXmlException as exc:
        found = re.search(r"<!ENTITY|<!DOCTYPE", text)
        where = _line_column(text, found.start()) if found else ""
        raise InputError(
            doc.origin,
            where,
            f"XML entity declarations and external references are not accepted ({exc})",
        ) from exc
    return root


@dataclass
class _Tally:
    """What the walk over the test cases found."""

    suites: int = 0
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    case_seconds: float | None = None
    suite_seconds: float | None = None
    declared: dict[str, int] = field(default_factory=dict)
    failed: list[TestCaseFailure] = field(default_factory=list)
    timestamps: list[datetime] = field(default_factory=list)


class _Reader:
    """Reads attributes of one document's elements with XPath positions for errors."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def error(self, path: str, problem: str) -> InputError:
        return InputError(self.doc.origin, path, problem)

    def number(self, element: Element, name: str, path: str) -> float | None:
        raw = (element.get(name) or "").strip()
        if not raw:
            return None
        if _THOUSANDS.match(raw):
            raw = raw.replace(",", "")  # Surefire wrote locale-grouped times ("1,234.5")
        try:
            value = float(raw)
        except ValueError as exc:
            raise self.error(f"{path}/@{name}", f"expected a number, got {raw!r}") from exc
        if not math.isfinite(value):
            raise self.error(f"{path}/@{name}", f"expected a number, got {raw!r}")
        return value

    def count(self, element: Element, name: str, path: str) -> int | None:
        raw = (element.get(name) or "").strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise self.error(f"{path}/@{name}", f"expected a count, got {raw!r}")
        return int(raw)

    def instant(self, element: Element, name: str, path: str) -> datetime | None:
        raw = (element.get(name) or "").strip()
        if not raw:
            return None
        try:
            return parse_timestamp(raw)
        except ValueError as exc:
            raise self.error(f"{path}/@{name}", str(exc)) from exc


def _children(element: Element, path: str) -> Iterator[tuple[Element, str, str]]:
    """Child elements with their local name and XPath (`path/name[k]`)."""
    seen: dict[str, int] = {}
    for child in element:
        name = _local(child.tag)
        if not name:
            continue  # comments and processing instructions
        seen[name] = seen.get(name, 0) + 1
        yield child, name, f"{path}/{name}[{seen[name]}]"


def _add(total: float | None, value: float | None) -> float | None:
    if value is None:
        return total
    return value if total is None else total + value


def _case(reader: _Reader, case: Element, path: str, suite: str | None, tally: _Tally) -> None:
    name = case.get("name")
    if name is None:
        raise reader.error(path, "a testcase needs a name attribute")
    tally.tests += 1
    tally.case_seconds = _add(tally.case_seconds, reader.number(case, "time", path))
    outcomes: dict[str, Element] = {}
    for child, child_name, _ in _children(case, path):
        outcomes.setdefault(child_name, child)  # the first <failure> of several speaks
    outcome: str | None = None
    if "error" in outcomes:
        outcome = "error"
        tally.errors += 1
    elif "failure" in outcomes:
        outcome = "failure"
        tally.failures += 1
    elif "skipped" in outcomes:
        tally.skipped += 1
    if outcome is None or len(tally.failed) >= FAILED_CASES_LIMIT:
        return
    detail = outcomes[outcome]
    message = clip(detail.get("message"))
    if message is None:
        body = (detail.text or "").strip()
        message = clip(body.splitlines()[0]) if body else None
    tally.failed.append(
        TestCaseFailure(
            suite=suite,
            classname=case.get("classname") or None,
            name=name,
            outcome="error" if outcome == "error" else "failure",
            message=message,
        )
    )


def _suite(reader: _Reader, suite: Element, path: str, tally: _Tally) -> None:
    tally.suites += 1
    suite_name = suite.get("name") or None
    stamp = reader.instant(suite, "timestamp", path)
    if stamp is not None:
        tally.timestamps.append(stamp)
    nested = False
    for child, name, child_path in _children(suite, path):
        if name == "testsuite":
            nested = True
            _suite(reader, child, child_path, tally)
        elif name == "testcase":
            _case(reader, child, child_path, suite_name, tally)
    if nested:
        return  # declared totals and time of an enclosing suite repeat its children's
    tally.suite_seconds = _add(tally.suite_seconds, reader.number(suite, "time", path))
    for key in _DECLARED:
        value = reader.count(suite, key, path)
        if value is not None:
            tally.declared[key] = tally.declared.get(key, 0) + value


def _guess_tool(root: Element, text: str) -> str:
    """The tool that wrote the report, from the marks each leaves (best effort)."""
    names = [(root.get("name") or "").lower()]
    names += [(s.get("name") or "").lower() for s in root if _local(s.tag) == "testsuite"]
    schema = " ".join(v for k, v in root.attrib.items() if k.endswith("noNamespaceSchemaLocation"))
    if "failsafe" in schema:
        return "failsafe"
    if "surefire" in schema:
        return "surefire"
    if "org.testng" in text[:2000]:
        return "testng"
    for name, tool in (
        ("jest tests", "jest"),
        ("pytest tests", "pytest"),
        ("pytest", "pytest"),
        ("trivy", "trivy"),
        ("gitleaks", "gitleaks"),
    ):
        if name in names:
            return tool
    return "junit"


class JUnitAdapter:
    """`ingest junit` / `attest junit`: JUnit XML test reports."""

    name = "junit"
    framing: Framing = "xml"
    media_type = "application/xml"
    suffixes: tuple[str, ...] = (".xml",)

    def detect(self, doc: Document, data: Any) -> bool:
        return isinstance(data, str) and _ROOT.match(data[:4096]) is not None

    def parse(self, doc: Document, data: Any) -> Parsed:
        context = context_of(doc)
        root = parse_xml(doc, data)
        root_name = _local(root.tag)
        if root_name not in ("testsuites", "testsuite"):
            raise doc.error(
                f"/{root_name}",
                f"not a JUnit XML report: the root element is <{root_name}>, "
                "expected <testsuites> or <testsuite>",
            )
        reader = _Reader(doc)
        tally = _Tally()
        root_path = f"/{root_name}"
        if root_name == "testsuite":
            _suite(reader, root, root_path, tally)
        else:
            for child, name, path in _children(root, root_path):
                if name == "testsuite":
                    _suite(reader, child, path, tally)
                elif name == "testcase":
                    _case(reader, child, path, root.get("name") or None, tally)
        seconds = reader.number(root, "time", root_path) if root_name == "testsuites" else None
        if seconds is None:
            seconds = tally.suite_seconds if tally.suite_seconds is not None else tally.case_seconds
        tool = context.tool or _guess_tool(root, _text_of(data, doc))
        return Parsed(records=(self._record(doc, context, tool, tally, seconds),))

    def _record(
        self, doc: Document, context: Context, tool: str, tally: _Tally, seconds: float | None
    ) -> Evidence:
        facts = TestReportFacts(
            tool=tool,
            suites=tally.suites,
            tests=tally.tests,
            failures=tally.failures,
            errors=tally.errors,
            skipped=tally.skipped,
            duration_ms=None if seconds is None else round(seconds * 1000),
            failed_cases=tuple(tally.failed),
            declared=tally.declared,
        )
        fallback = f"{tool}@sha256:{document_sha256(doc)}"
        return Evidence(
            kind=Kind.TEST_REPORT,
            source=self.name,
            occurred_at=occurred_at(min(tally.timestamps, default=None), context),
            subject=subject_of(context.repo, context.commit, fallback),
            facts=facts,
            repo=context.repo,
            commit=context.commit,
            links=run_links(context),
        )


ADAPTER = JUnitAdapter()
