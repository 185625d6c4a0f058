"""The JSON format: `report.json` (schema 1, docs/evidence-pack.md) and one
`results-<system>.ndjson` per system, both written as streams (the results files by the
model's pass over the results, `build.py` step 2: they are not read twice).

`results-<system>.ndjson` holds every stored result of the system's run, one canonical line
each, exactly as the run's `results_sha256` hashes them: the SHA-256 of the file *is* that
digest, so anyone can tie the whole population to the ledgered run header.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from soxtrail.services.report.model import Report, result_json


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _write_exceptions(report: Report, out: IO[str], section: Any) -> None:
    out.write("[")
    first = True
    for stored in report.exceptions(section):
        item = {**result_json(stored), "waiver_details": report.waiver_json(stored.waiver)}
        out.write(("" if first else ",") + "\n" + _dump(item))
        first = False
    out.write("]")


def write_json(report: Report, path: Path) -> Path:
    """report.json, streamed: exceptions are written as they are read."""
    with path.open("w", encoding="utf-8") as out:
        header = report.header_json()
        out.write(_dump(header)[:-1])
        out.write(',"systems":[')
        for s_index, system in enumerate(report.systems):
            head = {
                "name": system.name,
                "run": system.run,
                "results_file": system.results_file,
                "completeness": system.completeness.to_json(),
            }
            out.write(("," if s_index else "") + "\n" + _dump(head)[:-1] + ',"controls":[')
            for c_index, section in enumerate(system.controls):
                out.write(("," if c_index else "") + "\n" + _dump(section.to_json())[:-1])
                out.write(',"exception_items":')
                _write_exceptions(report, out, section)
                out.write("}")
            out.write("]}")
        out.write("],\n")
        waivers = [w.to_json(report.generated_at) for w in report.waivers.values()]
        out.write('"waivers":' + _dump(waivers) + ",\n")
        out.write('"access_reviews":' + _dump(report.access_reviews) + ",\n")
        discrepancies = [
            {
                "system": c.system,
                "control": c.meta.id,
                "subject": s.stored.subject,
                "problem": s.reevaluation.problem if s.reevaluation else None,
            }
            for c, s in report.discrepancies
        ]
        out.write('"discrepancies":' + _dump(discrepancies) + ",\n")
        out.write('"traces":' + _dump(report.traces) + "}\n")
    return path
