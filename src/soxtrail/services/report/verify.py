"""`soxtrail bundle verify`: check an evidence pack with no database and no network.

Only the bundled files, the pure ledger package (`soxtrail.ledger`: standard library and
`cryptography`), the pure sampler and, to re-evaluate, the policy engine are used.
`verify_bundle` follows these steps and collects every failure (it does not stop at the
first):

1. Files: the archive's members are exactly the manifest's, each with its SHA-256 and size.
2. Keys and signatures: the checkpoint and the manifest's signature verify with the trusted
   keys (`--key`, else the bundled `ledger/verifier.key`).
3. Ledger: every proof's entry hashes to its leaf and the proof leads to the checkpoint's root.
4. Records, documents, runs: each hashes to its name and its entry is included; a record's
   raw document is bundled and included.
5. Populations: the SHA-256 of each results file is its run's results digest; the report's
   counts, samples and exceptions are those of the results; each sample is recomputed from
   the seed and the method.
6. Evidence: every id a sampled result, an input, a trace, a finding or a waiver cites is a
   bundled, included record; ledger indexes in traces are the proven ones.
7. Policy: the bundled modules' digest is the runs'; each sampled input, evaluated with them,
   gives the stored result (a waived one: a failure under approved, unexpired waivers, each
   of those it names, and those the control names when it names any).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from soxtrail.ledger.canonical import canonical_json
from soxtrail.ledger.checkpoint import Checkpoint, open_checkpoint
from soxtrail.ledger.errors import LedgerError
from soxtrail.ledger.hashing import entry_leaf_hash
from soxtrail.ledger.note import NoteVerifier, open_note
from soxtrail.ledger.proofs import InclusionProof
from soxtrail.services.report.sampling import Selector, in_population, sample_size

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MAX_MEMBER = 1 << 31
EXCEPTIONS = ("error", "fail", "waived")


@dataclass
class BundleVerification:
    """What was checked, and every failure found."""

    checks: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, message: str) -> None:
        if message not in self.failures:
            self.failures.append(message)

    def count(self, name: str, n: int = 1) -> None:
        self.checks[name] = self.checks.get(name, 0) + n

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "ok": self.ok,
            "checks": self.checks,
            "failures": self.failures,
            "notes": self.notes,
        }


class _Source:
    """The bundle's files, from the archive or from a directory it was unpacked into."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.archive: zipfile.ZipFile | None = None
        if path.is_dir():
            self.names = sorted(
                p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()
            )
            self.duplicates: list[str] = []
        else:
            self.archive = zipfile.ZipFile(path)
            listed = [i.filename for i in self.archive.infolist() if not i.is_dir()]
            self.names = sorted(set(listed))
            self.duplicates = sorted({n for n in listed if listed.count(n) > 1})

    def read(self, name: str) -> bytes:
        if self.archive is not None:
            return self.archive.read(name)
        return (self.path / PurePosixPath(name)).read_bytes()

    def chunks(self, name: str) -> Iterator[bytes]:
        stream = self.archive.open(name) if self.archive else (self.path / name).open("rb")
        with stream:
            while chunk := stream.read(1 << 20):
                yield chunk

    def lines(self, name: str) -> Iterator[bytes]:
        rest = b""
        for chunk in self.chunks(name):
            rest += chunk
            *complete, rest = rest.split(b"\n")
            yield from complete
        if rest:
            yield rest

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()


def _json(source: _Source, name: str, out: BundleVerification) -> Any:
    try:
        return json.loads(source.read(name))
    except (KeyError, OSError, ValueError) as exc:
        out.fail(f"{name}: missing or not JSON ({exc})")
        return None


class _Verifier:
    def __init__(self, source: _Source, keys: Sequence[str], out: BundleVerification) -> None:
        self.source = source
        self.keys = keys
        self.out = out
        self.names = set(source.names)
        self.checkpoint: Checkpoint | None = None
        self.entries: dict[int, dict[str, Any]] = {}
        self.included: dict[tuple[str, str], int] = {}
        self.records: dict[str, dict[str, Any]] = {}

    # 1. files ---------------------------------------------------------------------------

    def files(self) -> dict[str, Any] | None:
        out = self.out
        for name in self.source.duplicates:
            out.fail(f"{name}: more than one member with this name")
        manifest = _json(self.source, MANIFEST, out)
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            out.fail(f"{MANIFEST}: not a manifest")
            return None
        listed = set(manifest["files"])
        for name in sorted(self.names - listed - {MANIFEST, SIGNATURE}):
            out.fail(f"{name}: in the bundle but not in the manifest")
        for name, expected in sorted(manifest["files"].items()):
            if name not in self.names:
                out.fail(f"{name}: listed in the manifest but missing")
                continue
            digest, size = hashlib.sha256(), 0
            for chunk in self.source.chunks(name):
                digest.update(chunk)
                size += len(chunk)
            if digest.hexdigest() != expected.get("sha256") or size != expected.get("size"):
                out.fail(f"{name}: its SHA-256 or size differs from the manifest")
            out.count("files")
        return manifest

    # 2. keys and signatures ---------------------------------------------------------------

    def signatures(self, manifest: dict[str, Any]) -> None:
        out = self.out
        try:
            bundled = self.source.read("ledger/verifier.key").decode().strip()
        except (KeyError, OSError, UnicodeDecodeError):
            bundled = ""
        if self.keys:
            texts = list(self.keys)
            if bundled and bundled not in texts:
                out.notes.append("the bundled verifier key is not one of the keys given")
        else:
            texts = [bundled] if bundled else []
            out.notes.append(
                "verified with the key inside the bundle; pass --key with the ledger key you "
                "received out of band to know who signed it"
            )
        verifiers = []
        for text in texts:
            try:
                verifiers.append(NoteVerifier.from_key(text))
            except LedgerError as exc:
                out.fail(f"verifier key {text[:40]!r}: {exc}")
        if not verifiers:
            out.fail("no verifier key: give --key or keep ledger/verifier.key")
            return
        try:
            note = self.source.read("ledger/checkpoint")
            self.checkpoint = open_checkpoint(note, verifiers, manifest.get("origin"))
            out.count("checkpoint signature")
        except (KeyError, LedgerError) as exc:
            out.fail(f"ledger/checkpoint: {exc}")
        try:
            opened = open_note(self.source.read(SIGNATURE), verifiers)
            digest = hashlib.sha256(self.source.read(MANIFEST)).hexdigest()
            if f"manifest sha256:{digest}\n" not in opened.text:
                out.fail(f"{SIGNATURE}: it signs another manifest")
            else:
                out.count("manifest signature")
        except (KeyError, LedgerError) as exc:
            out.fail(f"{SIGNATURE}: {exc}")

    # 3. ledger proofs ---------------------------------------------------------------------

    def proofs(self) -> None:
        out = self.out
        for name in sorted(n for n in self.names if n.startswith("ledger/proofs/")):
            document = _json(self.source, name, out)
            if not isinstance(document, dict):
                continue
            try:
                entry = document["entry"]
                proof = InclusionProof.from_dict(document["proof"])
                problem = self._proof_problem(entry, proof)
            except (KeyError, TypeError, LedgerError) as exc:
                problem = str(exc)
            if problem:
                out.fail(f"{name}: {problem}")
                continue
            if name != f"ledger/proofs/{proof.index}.json":
                out.fail(f"{name}: holds the proof of entry {proof.index}")
                continue
            self.entries[proof.index] = entry
            key = entry.get("sha256") if entry.get("type") == "raw_document" else entry.get("id")
            self.included[(str(entry.get("type")), str(key))] = proof.index
            out.count("inclusion proofs")

    def _proof_problem(self, entry: Any, proof: InclusionProof) -> str | None:
        if entry_leaf_hash(entry) != proof.leaf_hash:
            return "the entry does not hash to the proof's leaf"
        if self.checkpoint is None:
            return "no trusted checkpoint to check it against"
        try:
            proof.verify_against(self.checkpoint)
        except LedgerError as exc:
            return str(exc)
        return None

    # 4. records, documents, runs ----------------------------------------------------------

    def contents(self) -> None:
        out = self.out
        for name in sorted(self.names):
            path = PurePosixPath(name)
            if name.startswith("records/") and name.endswith(".json"):
                self._record(name, path.stem)
            elif name.startswith("documents/") and not name.endswith(".json"):
                data = self.source.read(name)
                if hashlib.sha256(data).hexdigest() != path.name:
                    out.fail(f"{name}: does not hash to its name")
                index = self.included.get(("raw_document", path.name))
                if index is None:
                    out.fail(f"{name}: no inclusion proof of its ledger entry")
                elif self.entries[index].get("size") != len(data):
                    out.fail(f"{name}: its size is not the ledgered size")
                out.count("documents")
            elif name.startswith("runs/"):
                data = self.source.read(name)
                if hashlib.sha256(data).hexdigest() != path.stem:
                    out.fail(f"{name}: does not hash to its run id")
                if ("control_run", path.stem) not in self.included:
                    out.fail(f"{name}: no inclusion proof of its ledger entry")
                out.count("runs")

    def _record(self, name: str, record_id: str) -> None:
        out = self.out
        data = self.source.read(name)
        if hashlib.sha256(data).hexdigest() != record_id:
            out.fail(f"{name}: does not hash to its id")
            return
        record = json.loads(data)
        if canonical_json(record) != data:
            out.fail(f"{name}: not in canonical form")
        index = self.included.get(("evidence", record_id))
        if index is None:
            out.fail(f"{name}: no inclusion proof of its ledger entry")
            return
        if self.entries[index].get("kind") != record.get("kind"):
            out.fail(f"{name}: its kind is not the ledgered kind")
        raw = record.get("raw_sha256", "")
        if f"documents/{raw}" not in self.names:
            out.fail(f"{name}: its raw document {raw} is not bundled")
        self.records[record_id] = {**record, "_index": index}
        out.count("records")

    def cited(self, ids: Any, where: str) -> None:
        for record_id in ids:
            if record_id not in self.records:
                self.out.fail(f"{where}: cites evidence {record_id} that is not bundled and proven")
            self.out.count("citations")


def _evidence_ids(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("evidence", "approval_evidence"):
                for cited in item if isinstance(item, list) else [item]:
                    if isinstance(cited, str) and len(cited) == 64:
                        yield cited
            elif key != "ledger_indexes":
                yield from _evidence_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from _evidence_ids(item)


def _stored(item: dict[str, Any]) -> tuple[Any, ...]:
    return (
        item.get("control"),
        item.get("subject"),
        item.get("result"),
        item.get("occurred_at"),
        tuple(item.get("reasons") or ()),
        tuple(item.get("evidence") or ()),
        item.get("waiver"),
        _waivers(item),
    )


def _waivers(item: dict[str, Any]) -> tuple[str, ...]:
    """A result's waivers: `waivers`, or for a result stored before there was such a field,
    its one `waiver` (`soxtrail.store.control_runs.body_waivers`, without the store)."""
    waivers = item.get("waivers")
    if isinstance(waivers, list):
        return tuple(str(w) for w in waivers)
    waiver = item.get("waiver")
    return (waiver,) if isinstance(waiver, str) else ()


def _line_key(line: dict[str, Any]) -> tuple[Any, ...]:
    body = json.loads(line["body"])
    return _stored({**line, **body})


class _Populations:
    """Step 5: the results files against the runs and the report."""

    def __init__(self, verifier: _Verifier, report: dict[str, Any]) -> None:
        self.v = verifier
        self.report = report

    def check(self) -> None:
        out = self.v.out
        sampling = self.report.get("sampling") or {}
        seed = str(sampling.get("seed", ""))
        override = sampling.get("size_override")
        for system in self.report.get("systems", []):
            run = system.get("run") or {}
            run_name = f"runs/{run.get('id')}.json"
            if run_name not in self.v.names:
                out.fail(f"report.json: system {system.get('name')}: its run is not bundled")
                continue
            header = json.loads(self.v.source.read(run_name))
            claimed = {k: v for k, v in run.items() if k not in ("id", "ledger_index")}
            if claimed != header:
                out.fail(f"report.json: the run of {system.get('name')} is not the bundled run")
            results = f"report/{system.get('results_file')}"
            if results not in self.v.names:
                out.fail(f"{results}: missing")
                continue
            self._system(system, header, results, seed, override)

    def _system(
        self, system: dict[str, Any], header: dict[str, Any], results: str, seed: str, override: Any
    ) -> None:
        out = self.v.out
        controls = {c["id"]: c for c in system.get("controls", [])}
        digest = hashlib.sha256()
        count = 0
        counts: dict[str, dict[str, int]] = {}
        selectors: dict[str, Selector] = {}
        sampled = {
            (c["id"], s["subject"]): _stored(s)
            for c in controls.values()
            for s in c["sample"]["items"]
        }
        exceptions: dict[str, set[tuple[Any, ...]]] = {}
        per_control: dict[str, Any] = {}
        for line in self.v.source.lines(results):
            digest.update(line + b"\n")
            count += 1
            item = json.loads(line)
            control, subject, result = item["control"], item["subject"], item["result"]
            per_control.setdefault(control, hashlib.sha256()).update(line + b"\n")
            counts.setdefault(control, {})
            counts[control][result] = counts[control].get(result, 0) + 1
            meta = controls.get(control)
            if meta is None:
                continue
            if control not in selectors:
                planned = sample_size(meta["frequency"], meta["risk"], override)
                selectors[control] = Selector(seed, control, planned)
            if in_population(subject, result):
                selectors[control].offer(subject)
            key = _line_key(item)
            if (control, subject) in sampled and sampled[(control, subject)] != key:
                out.fail(f"report.json: {control} sample {subject} differs from the stored result")
            if result in EXCEPTIONS:
                exceptions.setdefault(control, set()).add(key)
        if digest.hexdigest() != header.get("results_sha256") or count != header.get("results"):
            out.fail(
                f"{results}: is not the population the ledgered run {system['run']['id']} digests"
            )
        else:
            out.count("populations")
        for control, meta in controls.items():
            mine = counts.get(control, {})
            if any(
                meta["counts"].get(r, 0) != mine.get(r, 0) for r in set(meta["counts"]) | set(mine)
            ):
                out.fail(f"report.json: {control} counts differ from the results")
            lines = per_control.get(control) or hashlib.sha256()
            if "results_sha256" in meta and meta["results_sha256"] != lines.hexdigest():
                out.fail(f"report.json: the {control} results digest is not its results' lines")
            selector = selectors.get(control) or Selector(seed, control, 0)
            expected = [r.subject for r in selector.selected()]
            got = [s["subject"] for s in meta["sample"]["items"]]
            if expected != got or meta["population"] != selector.population:
                out.fail(
                    f"report.json: the {control} sample does not follow from the seed and method"
                )
            else:
                out.count("samples recomputed")
            listed = {_stored(e) for e in meta.get("exception_items", [])}
            if listed != exceptions.get(control, set()):
                out.fail(f"report.json: the {control} exceptions are not the failing results")


class _Policy:
    """Step 7: re-evaluate the sampled inputs with the bundled policy."""

    def __init__(self, verifier: _Verifier, report: dict[str, Any]) -> None:
        self.v = verifier
        self.report = report

    def library(self) -> Any:
        from soxtrail.policy.library import CONTROL_PREFIX, Library, Module, policy_digest
        from soxtrail.policy.metadata import package_of, parse_control

        modules = []
        for name in sorted(
            n for n in self.v.names if n.startswith("policy/") and n.endswith(".rego")
        ):
            text = self.v.source.read(name).decode("utf-8")
            module_name = name.removeprefix("policy/")
            modules.append(Module(module_name, text, package_of(text) or "", False))
        controls = tuple(
            sorted(
                (
                    parse_control(Path(m.name), m.text, builtin=m.name.startswith("builtin/"))
                    for m in modules
                    if m.package.startswith(CONTROL_PREFIX)
                ),
                key=lambda meta: meta.id,
            )
        )
        settings = json.loads(self.v.source.read("policy/settings.json"))
        return Library(tuple(modules), controls, policy_digest(modules), settings)

    def check(self, runs: list[dict[str, Any]]) -> None:
        out = self.v.out
        from soxtrail.policy.engine import OpaEngine
        from soxtrail.policy.evaluate import evaluate_controls

        try:
            library = self.library()
        except Exception as exc:
            out.fail(f"policy/: the bundled policy cannot be loaded: {exc}")
            return
        for run in runs:
            if run.get("policy_digest") != library.digest:
                out.fail(f"policy/: its digest is not run {run.get('id')}'s policy digest")
        engine = OpaEngine(library)
        metas = {m.id: m for m in library.controls}
        waivers = {w["id"]: w for w in self.report.get("waivers", [])}
        for system in self.report.get("systems", []):
            evaluated = system["run"].get("evaluated_at")
            for control in system.get("controls", []):
                meta = metas.get(control["id"])
                for item in control["sample"]["items"]:
                    where = f"{control['id']} {item['subject']}"
                    check = item.get("reevaluation") or {}
                    name = f"inputs/{check.get('input')}.json"
                    if meta is None or name not in self.v.names:
                        out.fail(f"{where}: no bundled input to re-evaluate")
                        continue
                    data = self.v.source.read(name)
                    if hashlib.sha256(data).hexdigest() != check.get("input"):
                        out.fail(f"{name}: does not hash to its name")
                    document = json.loads(data)
                    self.v.cited(sorted(set(_evidence_ids(document))), name)
                    answers = evaluate_controls(engine, library, document, [meta])
                    mine = next((a for a in answers if a.subject == item["subject"]), None)
                    self._compare(where, item, mine, waivers, evaluated)
                    out.count("re-evaluations")

    def _compare(
        self,
        where: str,
        item: dict[str, Any],
        mine: Any,
        waivers: dict[str, Any],
        evaluated: str | None,
    ) -> None:
        out = self.v.out
        result = mine.result.value if mine else None
        reasons = list(mine.reasons) if mine else []
        expected, expected_reasons = item["result"], list(item["reasons"])
        if expected == "waived":
            expected, expected_reasons = "fail", expected_reasons[:-1]
            named = _waivers(item)
            for waiver_id in named or ("",):
                if not _waiver_active(waivers.get(waiver_id), evaluated, self.v.records):
                    out.fail(
                        f"{where}: waived, but no approved waiver in force is proven"
                        + (f" ({waiver_id})" if waiver_id else "")
                    )
            if mine and mine.waived_by and set(mine.waived_by) != set(named):
                out.fail(
                    f"{where}: stored as waived by {', '.join(named) or 'no waiver'}, but the "
                    f"control names {', '.join(mine.waived_by)}"
                )
        if result != expected or reasons != expected_reasons:
            out.fail(
                f"{where}: the result does not follow from the bundled input: reported "
                f"{item['result']}, the bundled policy gives {result}"
            )


def _waiver_active(
    waiver: dict[str, Any] | None, evaluated: str | None, records: dict[str, dict[str, Any]]
) -> bool:
    """An approve event by someone else than the requester, before the run, not expired."""
    if waiver is None or evaluated is None:
        return False
    events = [records[e] for e in waiver.get("evidence", []) if e in records]
    approved = False
    for event in sorted(events, key=lambda r: r["occurred_at"]):
        facts = event.get("facts") or {}
        if event["occurred_at"] > evaluated or facts.get("waiver_id") != waiver["id"]:
            continue
        if facts.get("action") == "approve" and facts.get("approver") != facts.get("requested_by"):
            approved = True
        if facts.get("action") in ("revoke", "reject"):
            approved = False
    expires = waiver.get("expires_at")
    return approved and (expires is None or expires > evaluated)


def _report_citations(v: _Verifier, report: dict[str, Any]) -> None:
    """Step 6: every citation of the report is a bundled, proven record."""
    for system in report.get("systems", []):
        for control in system.get("controls", []):
            for item in control["sample"]["items"]:
                v.cited(item.get("evidence", []), f"{control['id']} sample {item['subject']}")
        for finding in system.get("completeness", {}).get("findings", []):
            v.cited(finding.get("evidence", []), f"completeness finding {finding['subject']}")
    for waiver in report.get("waivers", []):
        v.cited(waiver.get("evidence", []), f"waiver {waiver['id']}")
    for key, trace in (report.get("traces") or {}).items():
        v.cited(sorted(set(_evidence_ids(trace))), f"trace {key}")
        for record_id, index in (trace.get("ledger_indexes") or {}).items():
            record = v.records.get(record_id)
            if record is not None and record["_index"] != index:
                v.out.fail(f"trace {key}: names ledger index {index} for {record_id}")


def verify_bundle(
    path: Path, keys: Sequence[str] = (), *, reevaluate: bool = True
) -> BundleVerification:
    """Verify an evidence pack (steps in the module docstring); never raises on bad content."""
    out = BundleVerification()
    try:
        source = _Source(path)
    except (OSError, zipfile.BadZipFile) as exc:
        out.fail(f"{path}: not a readable bundle ({exc})")
        return out
    try:
        v = _Verifier(source, keys, out)
        manifest = v.files()
        if manifest is None:
            return out
        v.signatures(manifest)
        v.proofs()
        v.contents()
        report = _json(source, "report/report.json", out)
        if not isinstance(report, dict):
            return out
        if report.get("ledger", {}).get("note") != source.read("ledger/checkpoint").decode():
            out.fail("report.json: names another checkpoint than ledger/checkpoint")
        _Populations(v, report).check()
        _report_citations(v, report)
        if reevaluate:
            runs = [
                json.loads(source.read(n)) | {"id": PurePosixPath(n).stem}
                for n in sorted(v.names)
                if n.startswith("runs/")
            ]
            _Policy(v, report).check(runs)
        else:
            out.notes.append("UNSAFE: sampled results were not re-evaluated (--skip-reevaluation)")
    except (KeyError, ValueError, TypeError) as exc:
        out.fail(f"the bundle is malformed: {type(exc).__name__}: {exc}")
    finally:
        source.close()
    return out
