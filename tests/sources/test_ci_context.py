"""Hints, source URIs and the registration of the CI adapters (junit, sarif, terraform-plan,
cyclonedx, intoto), and that `ingest auto` would route each corpus file to exactly one."""

from __future__ import annotations

from pathlib import Path

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.sources.base import Document, Framing
from soxtrail.sources.ci_context import (
    UNKNOWN_TIME,
    clip,
    context_of,
    normalise_commit,
    occurred_at,
    split_source_uri,
    subject_of,
)
from soxtrail.sources.framing import InputSource, frame, prepare
from soxtrail.sources.registry import get_adapter
from tests.helpers import CORPUS

SHA = "0123456789abcdef0123456789abcdef01234567"
CI_SOURCES = ("junit", "sarif", "terraform-plan", "cyclonedx", "intoto")


@pytest.mark.parametrize(
    ("uri", "repo", "ref"),
    [
        ("git+https://github.com/acme/billing@refs/heads/main", "acme/billing", "refs/heads/main"),
        ("https://gitlab.com/group/sub/project.git", "group/sub/project", None),
        ("git@github.com:acme/billing.git", "acme/billing", None),
        ("ssh://git@github.com/acme/billing.git", "acme/billing", None),
        ("https://github.com/CERN/lhc-vdm-editor#readme", "CERN/lhc-vdm-editor", None),
        ("https://github.com/acme", None, None),
        ("not a valid URI", None, None),
        ("pkg:docker/golang@1.22", None, None),
    ],
)
def test_split_source_uri(uri: str, repo: str | None, ref: str | None) -> None:
    assert split_source_uri(uri) == (repo, ref)


@pytest.mark.parametrize(
    ("value", "commit"),
    [
        (SHA.upper(), SHA),
        (" " + SHA + "\n", SHA),
        ("a" * 64, "a" * 64),
        ("0000000000000000", None),
        ("g" * 40, None),
        (None, None),
        (40, None),
    ],
)
def test_normalise_commit(value: object, commit: str | None) -> None:
    assert normalise_commit(value) == commit


def _doc(**hints: str) -> Document:
    return Document(content=b"{}", origin="report.json", hints=hints)


def test_context_from_hints() -> None:
    context = context_of(
        _doc(
            repo="https://github.com/acme/billing.git",
            commit=SHA.upper(),
            run="github:5",
            tool="maven",
            observed_at="2026-07-01T10:00:00+02:00",
        )
    )
    assert (context.repo, context.commit, context.run, context.tool) == (
        "acme/billing",
        SHA,
        "github:5",
        "maven",
    )
    assert context.observed_at is not None
    assert context.observed_at.isoformat() == "2026-07-01T08:00:00+00:00"
    empty = context_of(_doc(repo="", commit=""))
    assert (empty.repo, empty.commit, empty.observed_at) == (None, None, None)


@pytest.mark.parametrize(
    ("hints", "problem"),
    [
        ({"repo": "billing"}, "the repo hint 'billing' is not owner/name or a repository URL"),
        (
            {"repo": "acme /billing"},
            "the repo hint 'acme /billing' is not owner/name or a repository URL",
        ),
        (
            {"commit": "HEAD"},
            "the commit hint 'HEAD' is not a full commit sha (40 or 64 hex digits)",
        ),
        (
            {"observed_at": "soon"},
            "the observed_at hint is not a timestamp: not a timestamp: 'soon'",
        ),
    ],
)
def test_bad_hints(hints: dict[str, str], problem: str) -> None:
    with pytest.raises(InputError) as caught:
        context_of(_doc(**hints))
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        "report.json",
        "",
        problem,
    )


def test_subject_time_and_clip() -> None:
    context = context_of(_doc())
    assert subject_of("acme/billing", SHA, "fallback") == f"acme/billing@{SHA}"
    assert subject_of("acme/billing", None, "fallback") == "fallback"
    assert occurred_at(None, context) == UNKNOWN_TIME
    assert UNKNOWN_TIME.isoformat() == "1970-01-01T00:00:00+00:00"
    assert clip("  ") is None
    assert clip("x" * 1200) == "x" * 997 + "..."


def test_json_framing_names_xml() -> None:
    with pytest.raises(InputError) as caught:
        prepare(b'<?xml version="1.0"?><bom/>', "bom.xml", "json")
    assert caught.value.problem == (
        "not valid JSON: Expecting value (the document is XML; this source reads JSON only)"
    )


@pytest.mark.parametrize("name", CI_SOURCES)
def test_registered(name: str) -> None:
    assert get_adapter(name).name == name


EXPECTED_SOURCE = {
    "junit": "junit",
    "sarif": "sarif",
    "terraform-plan-json": "terraform-plan",
    "sbom/cyclonedx": "cyclonedx",
    "attestations": "intoto",
}


def _corpus_files() -> list[tuple[Path, str | None]]:
    """Every corpus file of the CI formats with the source that must pick it (None: none)."""
    out: list[tuple[Path, str | None]] = []
    for folder, source in EXPECTED_SOURCE.items():
        for path in sorted(p for p in (CORPUS / folder).rglob("*") if p.is_file()):
            xml_bom = source == "cyclonedx" and path.suffix == ".xml"
            out.append((path, None if xml_bom else source))
    return out


@pytest.mark.parametrize(
    ("path", "source"), _corpus_files(), ids=lambda v: v.name if isinstance(v, Path) else str(v)
)
def test_auto_detection_picks_exactly_one_ci_adapter(path: Path, source: str | None) -> None:
    adapters = [get_adapter(name) for name in CI_SOURCES]
    framing: Framing = "xml" if path.suffix == ".xml" else "json"
    framed = next(iter(frame(InputSource(str(path)), framing)))
    chosen = [
        a.name for a in adapters if a.framing == framing and a.detect(framed.doc, framed.data)
    ]
    assert chosen == ([source] if source else [])
