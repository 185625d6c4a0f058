"""in-toto attestations (usually SLSA provenance): one `provenance` record per statement.

Reads in-toto Statements v0.1 and v1 (`_type`, `subject[]`, `predicateType`, `predicate`;
in-toto attestation framework), bare or wrapped:

- in a DSSE envelope (`payloadType`, base64 `payload`, `signatures[]`; secure-systems-lab
  DSSE v1.0), one per line in `.intoto.jsonl` files;
- in a Sigstore bundle (`mediaType: application/vnd.dev.sigstore.bundle...+json`,
  `verificationMaterial`, `dsseEnvelope`), v0.1 to v0.3;
- in `gcloud artifacts docker images describe --show-provenance` output
  (`provenance_summary.provenance[].envelope`, else `.build.intotoStatement`).

The predicate is read by `soxtrail.sources.slsa` (SLSA provenance v0.1, v0.2, v1); other
predicate types give a record with the statement's type and subjects only.

`signed` says that the envelope carries a signature. Nothing is verified: no signature,
certificate chain, transparency-log inclusion or builder identity is checked (future work),
so `signed` must not be read as "authentic".

Record: subject `sha256:<hex>` of the first subject with a SHA-256 digest (else the first
subject's first digest as `alg:value`); links `("artifact", "sha256:<hex>")` for every
subject, `("commit", sha)` for the source commit, `("run", "github:<id>")` for a GitHub
Actions invocation; `repo` and `commit` from the hints, else from the source. `occurred_at`:
the build's finish (or start) time, else the bundle's first transparency-log
`integratedTime` (as the bundle states it, unverified), else the `observed_at` hint, else
1970-01-01T00:00:00Z. Positions inside a base64 payload are written as the envelope's
pointer followed by the pointer inside the decoded statement: `/dsseEnvelope/payload/subject`.

Strict about structure (InputError naming the pointer): a statement's `_type` is exactly
Statement v0.1 or v1, `subject` a non-empty array of objects with a non-empty `digest` of
strings (`sha256` 64 hex digits), `predicateType` a non-empty string, `predicate` an object
when present; a DSSE envelope (whatever its payload type) has string `payloadType` and
`payload` and a `signatures` array of objects, each with a string `sig` (`keyid` a string when
present). Optional and absent: a subject's `name`, `predicate`, `keyid`; `signatures: []` and
`sig: ""` are an unsigned envelope.

Ignored (stored, reported, no record): in-toto v0.9 link metadata and layouts (`signed._type`
`link` or `layout`), Sigstore bundles of a plain message signature, DSSE envelopes of another
payload type.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import ProvenanceFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.ci_context import Context, context_of, occurred_at, repo_from_uri
from soxtrail.sources.reader import Node, describe
from soxtrail.sources.slsa import build_info

IN_TOTO_PAYLOAD = "application/vnd.in-toto+json"
STATEMENT_PREFIX = "https://in-toto.io/Statement/"
#: The Statement `_type`s read: the TypeURI carries the major version only (v0.1 and v1).
STATEMENT_TYPES = (f"{STATEMENT_PREFIX}v0.1", f"{STATEMENT_PREFIX}v1")
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
_BUNDLE_PREFIX = "application/vnd.dev.sigstore.bundle"


def _b64decode(node: Node) -> bytes:
    """A base64 string (standard or URL-safe alphabet, padding optional)."""
    text = node.as_str().strip()
    padded = text + "=" * (-len(text) % 4)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise node.error(f"not valid base64: {exc}") from exc


def _payload_statement(envelope: Node) -> Node:
    """The statement a DSSE envelope's payload holds, as a Node under `<envelope>/payload`."""
    payload = envelope.child("payload")
    raw = _b64decode(payload)
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise payload.error(f"the decoded payload is not valid JSON: {exc}") from exc
    return Node(value, envelope.doc, payload.pointer)


def _signed(envelope: Node) -> bool:
    """Whether the envelope has a non-empty signature; `signatures` (DSSE: required, each
    with a required `sig`, `keyid` optional) is checked, the signatures are not verified.

    Raises:
        InputError: `signatures` is missing or not an array, a signature is not an object, or
            its `sig` is missing or not a string, or its `keyid` not a string.
    """
    signed = False
    for signature in envelope.items("signatures", required=True):
        if not isinstance(signature.value, dict):
            raise signature.error(f"expected a signature object, got {describe(signature.value)}")
        signed = bool(signature.req_str("sig")) or signed
        signature.opt_str("keyid")
    return signed


@dataclass(frozen=True, slots=True, kw_only=True)
class _Statement:
    """A statement to record, with how it was wrapped."""

    node: Node
    envelope: str | None
    signed: bool
    logged_at: datetime | None


def _subjects(statement: Node) -> tuple[list[dict[str, Any]], list[str]]:
    """Each subject as {name, sha256}, and every subject digest as `alg:value`."""
    subjects: list[dict[str, Any]] = []
    digests: list[str] = []
    for subject in statement.items("subject", required=True):
        if not isinstance(subject.value, dict):
            raise subject.error(f"expected a subject object, got {describe(subject.value)}")
        digest = subject.obj("digest")
        if not digest.value:
            raise digest.error("a subject needs at least one digest")
        digests.extend(f"{alg}:{digest.req_str(alg).lower()}" for alg in digest.value)
        sha256 = digest.opt_str("sha256")
        if sha256 is not None and _SHA256_HEX.fullmatch(sha256) is None:
            raise digest.error(f"not a SHA-256 digest (64 hex digits): {sha256!r}", "sha256")
        subjects.append({"name": subject.opt_str("name"), "sha256": sha256 and sha256.lower()})
    if not subjects:
        raise statement.error("a statement needs at least one subject", "subject")
    return subjects, digests


class InTotoAdapter:
    """`ingest intoto` / `attest provenance`: in-toto statements and SLSA provenance."""

    name = "intoto"
    framing: Framing = "json"
    media_type = "application/json"
    suffixes: tuple[str, ...] = (
        ".intoto.jsonl",
        ".sigstore.json",
        ".sigstore",
        ".intoto",
        ".slsa",
        ".link",
        ".jsonl",
        ".json",
    )

    def detect(self, doc: Document, data: Any) -> bool:
        if not isinstance(data, dict):
            return False
        signed = data.get("signed")
        return (
            str(data.get("mediaType", "")).startswith(_BUNDLE_PREFIX)
            or ("payloadType" in data and "payload" in data)
            or str(data.get("_type", "")).startswith(STATEMENT_PREFIX)
            or (isinstance(signed, dict) and signed.get("_type") in ("link", "layout"))
            or isinstance(data.get("provenance_summary"), dict)
        )

    def parse(self, doc: Document, data: Any) -> Parsed:
        context = context_of(doc)
        root = Node(data, doc)
        if not isinstance(data, dict):
            raise root.error(f"expected an object, got {describe(data)}")
        statements: list[_Statement] = []
        if str(data.get("mediaType", "")).startswith(_BUNDLE_PREFIX):
            bundle = self._bundle(root)
            if isinstance(bundle, str):
                return Parsed(ignored=bundle)
            statements.append(bundle)
        elif "payloadType" in data:
            envelope = self._envelope(root, "dsse", None)
            if isinstance(envelope, str):
                return Parsed(ignored=envelope)
            statements.append(envelope)
        elif isinstance(data.get("_type"), str):
            statements.append(_Statement(node=root, envelope=None, signed=False, logged_at=None))
        elif isinstance(data.get("signed"), dict) and "_type" in data["signed"]:
            return Parsed(ignored=self._legacy(root.obj("signed")))
        elif "provenance_summary" in data:
            for item in root.obj("provenance_summary").items("provenance"):
                found = self._gcloud(item)
                if isinstance(found, _Statement):
                    statements.append(found)
            if not statements:
                return Parsed(ignored="gcloud provenance output without any in-toto statement")
        else:
            raise root.error(
                "not an in-toto statement, DSSE envelope, Sigstore bundle or in-toto link"
            )
        return Parsed(records=tuple(self._record(s, context) for s in statements))

    # --- wrappers -----------------------------------------------------------------------

    def _envelope(self, envelope: Node, kind: str, logged_at: datetime | None) -> _Statement | str:
        payload_type = envelope.req_str("payloadType")
        envelope.req_str("payload")
        signed = _signed(envelope)
        if payload_type != IN_TOTO_PAYLOAD:
            return f"a DSSE envelope of {payload_type!r}, not an in-toto statement"
        return _Statement(
            node=_payload_statement(envelope),
            envelope=kind,
            signed=signed,
            logged_at=logged_at,
        )

    def _bundle(self, bundle: Node) -> _Statement | str:
        logged_at = None
        material = bundle.opt_obj("verificationMaterial")
        for entry in material.items("tlogEntries") if material is not None else ():
            logged_at = entry.opt_instant("integratedTime")
            break
        if bundle.has("dsseEnvelope"):
            return self._envelope(bundle.obj("dsseEnvelope"), "sigstore-bundle", logged_at)
        if bundle.has("messageSignature"):
            return "a Sigstore bundle of a message signature carries no in-toto statement"
        raise bundle.error("a Sigstore bundle needs a dsseEnvelope", "dsseEnvelope")

    def _gcloud(self, item: Node) -> _Statement | str:
        if item.has("envelope"):
            return self._envelope(item.obj("envelope"), "dsse", None)
        build = item.opt_obj("build")
        statement = build.opt_obj("intotoStatement") if build is not None else None
        if statement is None:
            return "no statement"
        return _Statement(node=statement, envelope=None, signed=False, logged_at=None)

    @staticmethod
    def _legacy(signed: Node) -> str:
        kind = signed.req_str("_type")
        if kind == "link":
            step = signed.opt_str("name")
            return (
                f"in-toto link metadata of step {step!r}: a v0.9 link, not a statement "
                "about built artifacts; not used by any control"
            )
        if kind == "layout":
            return "an in-toto layout: a supply-chain policy, not evidence of a build"
        raise signed.error(f"unknown in-toto metadata type {kind!r}", "_type")

    # --- the record -----------------------------------------------------------------------

    def _record(self, found: _Statement, context: Context) -> Evidence:
        statement = found.node
        if not isinstance(statement.value, dict):
            raise statement.error(f"expected a statement object, got {describe(statement.value)}")
        statement_type = statement.req_str("_type")
        if statement_type not in STATEMENT_TYPES:
            raise statement.error(
                f"expected an in-toto Statement _type ({' or '.join(STATEMENT_TYPES)}), "
                f"got {statement_type!r}",
                "_type",
            )
        subjects, digests = _subjects(statement)
        predicate_type = statement.req_str("predicateType")
        if not predicate_type:
            raise statement.error("a statement needs a predicateType URI", "predicateType")
        predicate = statement.opt_obj("predicate") or statement.opt_obj("slsaProvenance")
        info = build_info(predicate)
        facts = ProvenanceFacts(
            statement_type=statement_type,
            predicate_type=predicate_type,
            subjects=tuple(subjects),
            builder_id=info.builder_id,
            build_type=info.build_type,
            source_uri=info.source_uri,
            source_commit=info.source_commit,
            signed=found.signed,
            envelope=found.envelope,
            source_ref=info.source_ref,
            invocation_id=info.invocation_id,
        )
        sha256s = [f"sha256:{s['sha256']}" for s in subjects if s["sha256"]]
        links: list[tuple[str, str]] = [("artifact", d) for d in dict.fromkeys(sha256s)]
        if info.source_commit:
            links.append(("commit", info.source_commit))
        links.extend(("run", run) for run in dict.fromkeys(r for r in (context.run, info.run) if r))
        repo = context.repo or (repo_from_uri(info.source_uri) if info.source_uri else None)
        stated = info.finished_at or found.logged_at
        return Evidence(
            kind=Kind.PROVENANCE,
            source=self.name,
            occurred_at=occurred_at(stated, context),
            subject=sha256s[0] if sha256s else digests[0],
            facts=facts,
            repo=repo,
            commit=context.commit or info.source_commit,
            links=tuple(links),
            locator=statement.pointer,
        )


ADAPTER = InTotoAdapter()
