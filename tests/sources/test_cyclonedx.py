"""The CycloneDX adapter on every corpus SBOM and VEX, a built fixture and broken variants."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.facts import SbomFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.cyclonedx import ADAPTER, COMPONENTS_LIMIT
from soxtrail.sources.framing import InputSource, frame
from tests.helpers import CORPUS, FIXTURES, corpus, records_of

EPOCH = "1970-01-01T00:00:00.000000Z"
SHA = "0123456789abcdef0123456789abcdef01234567"
CDX = "sbom/cyclonedx/"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# (file, spec, serial, subject or None for the digest fallback, occurred_at, repo,
#  described component, component count, first and last listed component, services,
#  vulnerability states)
SBOMS = [
    pytest.param(
        "cern-lhc-vdm-editor.cdx-1.2.json",
        "1.2",
        "urn:uuid:699b6458-60da-4f52-b1b3-34915dc01eb6",
        "urn:cdx:699b6458-60da-4f52-b1b3-34915dc01eb6/1",
        "2020-08-03T01:28:52.765000Z",
        "CERN/lhc-vdm-editor",
        "pkg:npm/lhc-vdm-editor@0.0.1",
        43,
        ("pkg:npm/puppeteer@1.19.0", "pkg:npm/async-limiter@1.0.1"),
        0,
        {},
        id="cdx-1.2-npm",
    ),
    pytest.param(
        "laravel-7.12.0.cdx-1.4.json",
        "1.4",
        None,
        None,
        EPOCH,
        None,
        "pkg:composer/cyclonedx/cyclonedx-php-composer-demo@dev-master",
        62,
        ("pkg:composer/asm89/stack-cors@1.3.0", "pkg:composer/voku/portable-ascii@1.6.1"),
        0,
        {},
        id="cdx-1.4-no-serial-no-timestamp",
    ),
    pytest.param(
        "proton-bridge-v1.8.0.cdx-1.2.json",
        "1.2",
        "urn:uuid:d7a0ac67-e0f8-4342-86c6-801a02437636",
        "urn:cdx:d7a0ac67-e0f8-4342-86c6-801a02437636/1",
        "2021-05-16T15:10:53.000000Z",
        "ProtonMail/proton-bridge",
        "pkg:golang/github.com/ProtonMail/proton-bridge@v1.8.0",
        201,
        (
            "pkg:golang/github.com/0xAX/notificator@v0.0.0-20191016112426-3962a5ea8da1",
            "pkg:golang/gopkg.in/yaml.v3@v3.0.0-20200313102051-9f266ea9e77c",
        ),
        0,
        {},
        id="cdx-1.2-go-offset-timestamp",
    ),
    pytest.param(
        "saasbom-services.cdx-1.4.json",
        "1.4",
        "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1",
        "2021-01-10T12:00:00.000000Z",
        None,
        "Acme Cloud Example@2022-1",
        0,
        None,
        6,
        {},
        id="saasbom-services-only",
    ),
    pytest.param(
        "trivy-npm.cdx.json",
        "1.7",
        "urn:uuid:3ff14136-e09f-4df9-80ea-000000000015",
        "urn:cdx:3ff14136-e09f-4df9-80ea-000000000015/1",
        "2021-08-25T12:20:30.000000Z",
        None,
        "testdata/fixtures/repo/npm",
        13,
        ("package-lock.json", "pkg:npm/symbol-observable@1.2.0"),
        0,
        {"none": 1},
        id="trivy-cdx-1.7-vulnerability",
    ),
    pytest.param(
        "vex-case-9.cdx.json",
        "1.4",
        None,
        None,
        EPOCH,
        None,
        None,
        0,
        None,
        0,
        {"not_affected": 19},
        id="vex-19-not-affected",
    ),
    pytest.param(
        "vex-cisa-affected.cdx.json",
        "1.4",
        None,
        None,
        "2022-03-03T00:00:00.000000Z",
        None,
        "DEF@1.0",
        0,
        None,
        0,
        {"exploitable": 1},
        id="vex-cisa-exploitable",
    ),
    pytest.param(
        "vex-cisa-not_affected.cdx.json",
        "1.4",
        None,
        None,
        "2022-03-03T00:00:00.000000Z",
        None,
        "ABC@4.2",
        0,
        None,
        0,
        {"not_affected": 1},
        id="vex-cisa-not-affected",
    ),
]


@pytest.mark.parametrize(
    (
        "name",
        "spec",
        "serial",
        "subject",
        "occurred_at",
        "repo",
        "described",
        "count",
        "ends",
        "services",
        "states",
    ),
    SBOMS,
)
def test_sbom(
    name: str,
    spec: str,
    serial: str | None,
    subject: str | None,
    occurred_at: str,
    repo: str | None,
    described: str | None,
    count: int,
    ends: tuple[str, str] | None,
    services: int,
    states: dict[str, int],
) -> None:
    path = corpus(CDX + name)
    (record,) = records_of(ADAPTER, path)
    facts = record.facts
    assert isinstance(facts, SbomFacts)
    assert record.kind is Kind.SBOM
    assert (facts.format, facts.spec_version, facts.serial_number) == ("CycloneDX", spec, serial)
    assert record.subject == (subject or f"cyclonedx@sha256:{_digest(path)}")
    assert record.to_json()["occurred_at"] == occurred_at
    assert (record.repo, record.commit, record.links) == (repo, None, ())
    assert facts.component == described
    assert facts.component_count == len(facts.components) == count
    if ends is not None:
        assert (facts.components[0], facts.components[-1]) == ends
    assert facts.service_count == services
    assert facts.vulnerability_states == states
    assert facts.vulnerability_count == sum(states.values()) == len(facts.vulnerabilities)


@pytest.mark.parametrize(
    ("name", "vulnerability", "state", "justification", "affects"),
    [
        ("trivy-npm.cdx.json", "CVE-2019-11358", None, None, ("pkg:npm/jquery@3.3.9",)),
        (
            "vex-case-9.cdx.json",
            "CVE-2020-11896",
            "not_affected",
            "code_not_reachable",
            (
                "urn:cdx:2c385cf7-e1ee-46e9-a51c-13de1ecb380a/1#acme-product-1",
                "urn:cdx:6ffac0b2-5246-4fb9-a6fe-7993041856a0/1#acme-product-2",
                "urn:cdx:240b5b0b-917d-4f48-816c-97e1944d8079/1#acme-product-3",
            ),
        ),
        ("vex-cisa-affected.cdx.json", "CVE-2021-44228", "exploitable", None, ("product-DEF",)),
        (
            "vex-cisa-not_affected.cdx.json",
            "CVE-2021-44228",
            "not_affected",
            "code_not_present",
            ("product-ABC",),
        ),
    ],
)
def test_first_vulnerability(
    name: str,
    vulnerability: str,
    state: str | None,
    justification: str | None,
    affects: tuple[str, ...],
) -> None:
    (record,) = records_of(ADAPTER, corpus(CDX + name))
    first = record.facts.vulnerabilities[0]
    assert (first.id, first.state, first.justification, first.affects) == (
        vulnerability,
        state,
        justification,
        affects,
    )


def test_built_sbom_with_nesting_hashes_and_vex() -> None:
    path = FIXTURES / "cyclonedx" / "sbom_1.6_nested_hashes_vex.cdx.json"
    (record,) = records_of(ADAPTER, path)
    facts = record.facts
    assert record.subject == "urn:cdx:4e5d8b1a-2f3c-4d6e-9a7b-1c2d3e4f5a6b/3"
    assert record.repo == "acme/billing"
    assert record.links == (
        ("artifact", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
    )
    assert record.to_json()["occurred_at"] == "2026-07-14T07:30:00.000000Z"
    assert facts.component == "billing-api@2026.7.1"
    assert facts.components == (
        "org.springframework/spring-core@6.1.4",
        "pkg:maven/org.springframework/spring-jcl@6.1.4",
        "libledger",
        "pkg:maven/acme/money@1.2.0",
    )
    assert (facts.component_count, facts.service_count) == (4, 2)
    assert facts.vulnerability_states == {"in_triage": 1, "resolved": 1, "none": 1}
    assert facts.vulnerabilities[2].affects == ("money", "libledger")


def test_hints_make_the_subject_repo_at_commit() -> None:
    path = FIXTURES / "cyclonedx" / "sbom_1.6_nested_hashes_vex.cdx.json"
    (record,) = records_of(ADAPTER, path, {"repo": "acme/billing-api", "commit": SHA})
    assert (record.subject, record.repo, record.commit) == (
        f"acme/billing-api@{SHA}",
        "acme/billing-api",
        SHA,
    )


def test_observed_at_hint_dates_a_bom_without_timestamp() -> None:
    (record,) = records_of(
        ADAPTER, corpus(CDX + "laravel-7.12.0.cdx-1.4.json"), {"observed_at": "2026-01-02"}
    )
    assert record.to_json()["occurred_at"] == "2026-01-02T00:00:00.000000Z"


def test_components_are_capped_but_counted(tmp_path: Path) -> None:
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": [{"type": "library", "name": f"lib{i}", "version": "1"} for i in range(600)],
    }
    path = tmp_path / "big.cdx.json"
    path.write_text(json.dumps(bom))
    (record,) = records_of(ADAPTER, path)
    assert record.facts.component_count == 600
    assert len(record.facts.components) == COMPONENTS_LIMIT == 500
    assert record.facts.components[-1] == "lib499@1"


@pytest.mark.parametrize(
    ("relative", "position", "problem"),
    [
        (
            "sbom/spdx/SPDXJSONExample-v2.3.spdx.json",
            "/spdxVersion",
            "this is an SPDX document (SPDX-2.3), not CycloneDX; SPDX is not supported",
        ),
        (
            "sbom/spdx/SPDXJSONExample-UTF-16.spdx.json",
            "/spdxVersion",
            "this is an SPDX document (SPDX-2.2), not CycloneDX; SPDX is not supported",
        ),
        (
            "sbom/spdx/trivy-conda.spdx.json",
            "/spdxVersion",
            "this is an SPDX document (SPDX-2.3), not CycloneDX; SPDX is not supported",
        ),
        (
            "sbom/spdx/SPDXTagExample-v2.3.spdx",
            "line 1, column 1",
            "not valid JSON: Expecting value",
        ),
        (
            "sbom/spdx/SPDXYAMLExample-v2.3.spdx.yaml",
            "line 1, column 1",
            "not valid JSON: Expecting value",
        ),
        (
            "sbom/cyclonedx/cern-lhc-vdm-editor.cdx-1.2.xml",
            "line 1, column 1",
            "not valid JSON: Expecting value (the document is XML; this source reads JSON only)",
        ),
    ],
    ids=["spdx-json", "spdx-utf16", "spdx-trivy", "spdx-tag-value", "spdx-yaml", "cyclonedx-xml"],
)
def test_refused_documents(relative: str, position: str, problem: str) -> None:
    path = corpus(relative)
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


BROKEN = [
    pytest.param(
        "vex-cisa-affected.cdx.json",
        lambda d: d.update(bomFormat="SPDX"),
        "/bomFormat",
        "expected bomFormat CycloneDX, got 'SPDX'",
        id="bom-format",
    ),
    pytest.param(
        "vex-cisa-affected.cdx.json",
        lambda d: d.pop("specVersion"),
        "/specVersion",
        "missing required key",
        id="no-spec-version",
    ),
    pytest.param(
        "vex-cisa-affected.cdx.json",
        lambda d: d.update(specVersion="2.0"),
        "/specVersion",
        "CycloneDX specVersion '2.0' is not supported (1.x)",
        id="spec-version-2",
    ),
    pytest.param(
        "cern-lhc-vdm-editor.cdx-1.2.json",
        lambda d: d["components"][3].pop("name"),
        "/components/3/name",
        "missing required key",
        id="component-without-name",
    ),
    pytest.param(
        "cern-lhc-vdm-editor.cdx-1.2.json",
        lambda d: d.update(components={"puppeteer": {}}),
        "/components",
        "expected an array, got object",
        id="components-not-array",
    ),
    pytest.param(
        "vex-cisa-affected.cdx.json",
        lambda d: d["vulnerabilities"][0]["affects"][0].pop("ref"),
        "/vulnerabilities/0/affects/0/ref",
        "missing required key",
        id="affects-without-ref",
    ),
    pytest.param(
        "vex-cisa-affected.cdx.json",
        lambda d: d["metadata"].update(timestamp="March 3rd"),
        "/metadata/timestamp",
        "not a timestamp: 'March 3rd'",
        id="bad-timestamp",
    ),
    pytest.param(
        "vex-cisa-affected.cdx.json",
        lambda d: d["metadata"].update(timestamp=10**20),
        "/metadata/timestamp",
        "epoch time out of range: 100000000000000000000",
        id="epoch-out-of-range",
    ),
]


@pytest.mark.parametrize(("name", "change", "position", "problem"), BROKEN)
def test_broken_boms(tmp_path: Path, name: str, change: Any, position: str, problem: str) -> None:
    data = json.loads(corpus(CDX + name).read_text())
    change(data)
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2))
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def _first_document(path: Path) -> tuple[Any, Any]:
    framed = next(iter(frame(InputSource(str(path)), ADAPTER.framing)))
    return framed.doc, framed.data


@pytest.mark.parametrize(
    "path",
    sorted((CORPUS / "sbom" / "cyclonedx").glob("*.json")),
    ids=lambda p: p.name,
)
def test_detect_recognises_every_corpus_bom(path: Path) -> None:
    assert ADAPTER.detect(*_first_document(path))


@pytest.mark.parametrize(
    "relative",
    [
        "sbom/spdx/SPDXJSONExample-v2.3.spdx.json",
        "sarif/trivy/alpine-310.vuln.sarif",
        "trivy-json/secrets.trivy.json",
        "terraform-plan-json/terraform-testdata/basic-create.plan.json",
        "attestations/slsa-verifier/gcb-container-provenance-v0.3.json",
    ],
)
def test_detect_rejects_other_sources(relative: str) -> None:
    assert not ADAPTER.detect(*_first_document(corpus(relative)))
