"""CycloneDX JSON SBOMs and VEX documents: one `sbom` record per document.

Follows the CycloneDX JSON schemas, specVersion 1.2 to 1.7 (`bomFormat: "CycloneDX"`).
Read: `serialNumber`, `version`, `metadata.timestamp`, `metadata.component` (what the BOM
describes: its purl or name@version, its SHA-256 hashes and its `vcs` reference),
`components[]` (nested ones too: counted, and listed up to 500 as purl, else
`group/name@version`), `services[]` (counted, nested too) and `vulnerabilities[]` (VEX: id,
`analysis.state`, `analysis.justification`, `affects[].ref`; counted per state, listed up to
500). Dependencies, licenses, hashes of components, compositions, formulation and
annotations are not read.

Identity: the subject is `<repo>@<commit>` when both are known (hints; the repository may
also come from the described component's `vcs` external reference), else the BOM's BOM-Link
`urn:cdx:<serial>/<version>` (from `serialNumber` `urn:uuid:...`), else
`cyclonedx@sha256:<digest of the document>`. `occurred_at` is `metadata.timestamp`, else the
`observed_at` hint, else 1970-01-01T00:00:00Z (the document does not say when).

Refused with an InputError: an SPDX document (SPDX is not supported) and anything whose
`bomFormat` is not `CycloneDX`. CycloneDX XML is not supported: it fails at framing as "not
valid JSON" with a note that the document is XML; convert it with
`cyclonedx convert --output-format json`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import SbomFacts, SbomVulnerability
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.ci_context import (
    context_of,
    document_sha256,
    occurred_at,
    repo_from_uri,
    run_links,
    subject_of,
)
from soxtrail.sources.reader import Node

#: At most this many components and vulnerabilities are listed; the counts stay exact.
COMPONENTS_LIMIT = 500
VULNERABILITIES_LIMIT = 500


def component_id(node: Node) -> str:
    """A component as its purl, else `group/name@version` (group and version if given)."""
    name = node.req_str("name")
    purl = node.opt_str("purl")
    if purl:
        return purl
    group = node.opt_str("group")
    version = node.opt_str("version")
    qualified = f"{group}/{name}" if group else name
    return f"{qualified}@{version}" if version else qualified


def _walk(node: Node, key: str) -> Iterator[Node]:
    """Every element of the array `key`, depth first, nested ones (same key) included."""
    for child in node.items(key):
        yield child
        if isinstance(child.value, dict):
            yield from _walk(child, key)


def _vulnerability(node: Node) -> SbomVulnerability:
    analysis = node.opt_obj("analysis")
    affects = tuple(target.req_str("ref") for target in node.items("affects"))
    return SbomVulnerability(
        id=node.opt_str("id"),
        state=analysis.opt_str("state") if analysis is not None else None,
        justification=analysis.opt_str("justification") if analysis is not None else None,
        affects=affects,
    )


def _described(metadata: Node | None) -> tuple[str | None, tuple[str, ...], str | None]:
    """The described component: its id, its SHA-256 digests, its repository."""
    component = metadata.opt_obj("component") if metadata is not None else None
    if component is None:
        return None, (), None
    digests = tuple(
        f"sha256:{h.req_str('content').lower()}"
        for h in component.items("hashes")
        if h.opt_str("alg") == "SHA-256"
    )
    repo = None
    for reference in component.items("externalReferences"):
        if reference.opt_str("type") == "vcs" and reference.opt_str("url"):
            repo = repo_from_uri(reference.req_str("url"))
            if repo:
                break
    return component_id(component), digests, repo


def _bom_link(serial: str | None, version: int | None) -> str | None:
    """The BOM-Link of a BOM (`urn:cdx:<uuid>/<version>`), when its serial is a urn:uuid."""
    if serial is None or not serial.lower().startswith("urn:uuid:"):
        return serial
    return f"urn:cdx:{serial[len('urn:uuid:') :]}/{version or 1}"


class CycloneDxAdapter:
    """`ingest cyclonedx` / `attest cyclonedx`: CycloneDX JSON SBOMs and VEX."""

    name = "cyclonedx"
    framing: Framing = "json"
    media_type = "application/vnd.cyclonedx+json"
    suffixes: tuple[str, ...] = (".cdx.json", ".bom.json", ".json")

    def detect(self, doc: Document, data: Any) -> bool:
        return isinstance(data, dict) and data.get("bomFormat") == "CycloneDX"

    def parse(self, doc: Document, data: Any) -> Parsed:
        context = context_of(doc)
        root = Node(data, doc)
        if isinstance(data, dict) and "spdxVersion" in data:
            raise root.error(
                f"this is an SPDX document ({data['spdxVersion']}), not CycloneDX; "
                "SPDX is not supported",
                "spdxVersion",
            )
        bom_format = root.req_str("bomFormat")
        if bom_format != "CycloneDX":
            raise root.error(f"expected bomFormat CycloneDX, got {bom_format!r}", "bomFormat")
        spec_version = root.req_str("specVersion")
        if not spec_version.startswith("1."):
            raise root.error(
                f"CycloneDX specVersion {spec_version!r} is not supported (1.x)", "specVersion"
            )
        metadata = root.opt_obj("metadata")
        described, digests, vcs_repo = _described(metadata)
        components = [component_id(c) for c in _walk(root, "components")]
        services = [service.req_str("name") for service in _walk(root, "services")]
        vulnerabilities = [_vulnerability(v) for v in root.items("vulnerabilities")]
        states: dict[str, int] = {}
        for vulnerability in vulnerabilities:
            state = vulnerability.state or "none"
            states[state] = states.get(state, 0) + 1
        serial = root.opt_str("serialNumber")
        facts = SbomFacts(
            format="CycloneDX",
            spec_version=spec_version,
            serial_number=serial,
            component_count=len(components),
            components=tuple(components[:COMPONENTS_LIMIT]),
            component=described,
            service_count=len(services),
            vulnerability_count=len(vulnerabilities),
            vulnerability_states=states,
            vulnerabilities=tuple(vulnerabilities[:VULNERABILITIES_LIMIT]),
        )
        repo = context.repo or vcs_repo
        identity = _bom_link(serial, root.opt_int("version"))
        fallback = identity or f"cyclonedx@sha256:{document_sha256(doc)}"
        stated = metadata.opt_instant("timestamp") if metadata is not None else None
        record = Evidence(
            kind=Kind.SBOM,
            source=self.name,
            occurred_at=occurred_at(stated, context),
            subject=subject_of(repo, context.commit, fallback),
            facts=facts,
            repo=repo,
            commit=context.commit,
            links=(*(("artifact", d) for d in digests), *run_links(context)),
        )
        return Parsed(records=(record,))


ADAPTER = CycloneDxAdapter()
