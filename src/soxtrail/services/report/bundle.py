"""The evidence pack bundle: one ZIP archive an auditor verifies offline.

Layout (docs/evidence-pack.md):

```
manifest.json            SHA-256 and size of every other file (canonical JSON)
manifest.sig             a C2SP signed note over the manifest's SHA-256, by the ledger key
README.txt               what this is and how to verify it
report/                  report.json, results-<system>.ndjson, report.html/.pdf/.xlsx
ledger/checkpoint        the latest signed checkpoint (C2SP signed note)
ledger/verifier.key      the ledger's public key (`soxtrail ledger export-key` format)
ledger/proofs/<i>.json   the entry at ledger index i and its inclusion proof in the checkpoint
runs/<run id>.json       each run header (canonical JSON; its SHA-256 is the run id)
records/<id>.json        each evidence record (canonical JSON; its SHA-256 is its id)
documents/<sha256>       each raw document the records were read from, verbatim
documents/<sha256>.json  where the document came from (source, media type, origin)
inputs/<sha256>.json     the policy input of each sampled subject (canonical JSON)
policy/<module>          the policy modules in force (their digest is the runs')
policy/settings.json     the [controls.*] settings (enabled flags, parameters)
```

`write_bundle` (or `BundleWriter`, in two calls) follows these steps:

1. Collect the records the report cites, their raw documents and the run headers.
2. Prove each one's ledger entry against the latest checkpoint (which covers them all).
3. Write every file into the archive with fixed timestamps, hashing as it goes (the report's
   files in name order; the pack adds those written in other processes, the PDF and the
   workbook, last, once they are done); then the manifest and its signature.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from soxtrail.domain.errors import InternalError
from soxtrail.domain.instants import format_instant
from soxtrail.ledger.canonical import canonical_json
from soxtrail.ledger.merkle import inclusion_proof_keys, root_keys
from soxtrail.ledger.note import NoteSigner
from soxtrail.ledger.proofs import prove_inclusion
from soxtrail.policy.library import Library
from soxtrail.services.report.model import Report
from soxtrail.store.evidence import get_raw_document
from soxtrail.store.ledger import PrefetchedNodeReader
from soxtrail.store.queries import ledger_entries_at, record_rows

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
COMPRESSED = (".xlsx", ".pdf")
README = """soxtrail evidence pack
======================

Period {period}; systems {systems}; ledger {origin}.

Verify it offline, with the ledger key you received from the company out of band:

    soxtrail bundle verify {name} --key 'KEY'

This checks every file's SHA-256 against manifest.json and the manifest's signature; every
evidence record, raw document and run header against its ledger entry and that entry's
inclusion proof in the signed checkpoint; that the populations are the ledgered runs (the
SHA-256 of each results file is its run's results digest); that every sample follows from
the seed and the method; and re-evaluates each sampled subject's policy input with the
bundled policy. Without --key it trusts ledger/verifier.key, which is in this archive.

report/ holds the report (HTML, PDF, XLSX, JSON); see docs/evidence-pack.md of soxtrail.
"""


def manifest_statement(origin: str, digest: str) -> str:
    """The text the manifest signature signs (a C2SP note body)."""
    return f"soxtrail evidence pack\n{origin}\nmanifest sha256:{digest}\n"


class _Writer:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.files: dict[str, dict[str, Any]] = {}

    def info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, FIXED_TIME)
        # The workbook and the PDF are compressed already: deflating them again gains
        # nothing and costs a second of CPU at the end of the pack.
        info.compress_type = (
            zipfile.ZIP_STORED
            if name.startswith("report/") and name.endswith(COMPRESSED)
            else zipfile.ZIP_DEFLATED
        )
        info.external_attr = 0o644 << 16
        return info

    def data(self, name: str, data: bytes) -> None:
        if name in self.files:
            raise InternalError(f"bundle member {name} written twice")
        self.archive.writestr(self.info(name), data)
        self.files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

    def file(self, name: str, path: Path) -> None:
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as source, self.archive.open(self.info(name), "w") as target:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
        self.files[name] = {"sha256": digest.hexdigest(), "size": size}


#: Entries proved per batch: their nodes are read together (bounded memory).
PROOF_BATCH = 2000


def _proofs(
    conn: Connection, indexes: list[int], size: int, root: bytes
) -> Iterator[tuple[int, bytes]]:
    """The inclusion proof of each entry, in batches that read their nodes and entries in a
    few set-based queries (the proofs share most of their nodes)."""
    for start in range(0, len(indexes), PROOF_BATCH):
        batch = indexes[start : start + PROOF_BATCH]
        keys = {*root_keys(size)}
        for index in batch:
            keys.add((0, index))
            keys.update(inclusion_proof_keys(index, size))
        reader = PrefetchedNodeReader(conn, keys)
        entries = ledger_entries_at(conn, batch)
        for index in batch:
            proof = prove_inclusion(index, size, reader)
            if proof.root != root:
                raise InternalError(
                    f"the proof of entry {index} does not lead to the checkpoint's root"
                )
            entry = json.loads(entries[index])
            yield index, canonical_json({"entry": entry, "proof": proof.to_dict()})


class BundleWriter:
    """Writes the bundle in two calls (steps in the module docstring): `add` the report's
    files written so far with everything else but the manifest, then `finish` with the
    files written meanwhile in other processes, the manifest and its signature."""

    def __init__(self, report: Report, library: Library, path: Path, *, signer: NoteSigner) -> None:
        self.report = report
        self.library = library
        self.path = path
        self.signer = signer
        self.archive = zipfile.ZipFile(path, "w", allowZip64=True)
        self.out = _Writer(self.archive)

    def add(self, files: list[Path]) -> None:
        report, out = self.report, self.out
        conn = report.conn
        size = int(report.checkpoint["size"])
        root = bytes.fromhex(report.checkpoint["root"])
        indexes: set[int] = set()
        out.data(
            "README.txt",
            README.format(
                period=report.period.label,
                systems=", ".join(s.name for s in report.systems),
                origin=report.origin,
                name=self.path.name,
            ).encode(),
        )
        self._files(files)
        out.data("ledger/checkpoint", report.checkpoint["note"].encode())
        out.data("ledger/verifier.key", (self.signer.verifier_key() + "\n").encode())
        for system in report.systems:
            header = {k: v for k, v in system.run.items() if k not in ("id", "ledger_index")}
            text = canonical_json(header)
            if hashlib.sha256(text).hexdigest() != system.run_id:
                raise InternalError(f"run {system.run_id} does not hash to its id")
            out.data(f"runs/{system.run_id}.json", text)
            indexes.add(int(system.run["ledger_index"]))
        documents: set[str] = set()
        for record_id, index, body, raw in record_rows(conn, report.evidence):
            out.data(f"records/{record_id}.json", body.encode())
            indexes.add(index)
            documents.add(raw)
        for sha in sorted(documents):
            content, meta = get_raw_document(conn, sha)
            out.data(f"documents/{sha}", content)
            out.data(f"documents/{sha}.json", canonical_json(meta))
            indexes.add(int(meta["ledger_index"]))
        for digest, data in sorted(report.inputs.items()):
            out.data(f"inputs/{digest}.json", data)
        for module in sorted(self.library.policy_modules, key=lambda m: m.name):
            out.data(f"policy/{module.name}", module.text.encode())
        settings = {k: dict(v) for k, v in sorted(self.library.settings.items())}
        out.data("policy/settings.json", canonical_json(settings))
        newer = [index for index in indexes if index >= size]
        if newer:
            raise InternalError(f"ledger entry {min(newer)} is newer than the checkpoint")
        for index, proof in _proofs(conn, sorted(indexes), size, root):
            out.data(f"ledger/proofs/{index}.json", proof)

    def _files(self, files: list[Path]) -> None:
        for file in sorted(files, key=lambda p: p.name):
            self.out.file(f"report/{file.name}", file)

    def finish(self, files: list[Path]) -> Path:
        report = self.report
        self._files(files)
        manifest = canonical_json(
            {
                "schema": 1,
                "type": "soxtrail.evidence-pack.manifest",
                "origin": report.origin,
                "period": report.period.label,
                "created_at": format_instant(report.generated_at),
                "files": self.out.files,
            }
        )
        self.archive.writestr(self.out.info(MANIFEST), manifest)
        statement = manifest_statement(report.origin, hashlib.sha256(manifest).hexdigest())
        self.archive.writestr(self.out.info(SIGNATURE), self.signer.sign(statement).encode())
        self.archive.close()
        return self.path

    def close(self) -> None:
        """Close the archive (after `finish`, or unfinished when the pack failed)."""
        self.archive.close()


def write_bundle(
    report: Report,
    library: Library,
    files: list[Path],
    path: Path,
    *,
    signer: NoteSigner,
) -> Path:
    """Write the bundle (steps in the module docstring) in one go."""
    writer = BundleWriter(report, library, path, signer=signer)
    try:
        writer.add(files)
        return writer.finish([])
    finally:
        writer.close()
