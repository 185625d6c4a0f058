"""The auditor's evidence pack: populations, reproducible samples, exceptions, traces, and a
bundle verifiable offline (docs/evidence-pack.md).

Modules: `build` (the document model from a stored run), `sampling` (pure), `inputs`
(re-performance of sampled results), `traces`, `completeness`, the renderers `jsonout`,
`html`, `pdf`, `xlsx`, the `bundle` writer and its offline `verify`; `pack` ties them.
Nothing is imported here eagerly: the offline verifier imports `sampling` and `verify`
without the store.
"""

from __future__ import annotations

from typing import Any

#: The pack's formats, in the order they are written (here, so that the CLI names them
#: without importing the store).
FORMATS = ("html", "pdf", "xlsx", "json")

__all__ = ["FORMATS", "PackSummary", "parse_formats", "write_pack"]


def __getattr__(name: str) -> Any:
    if name in ("PackSummary", "parse_formats", "write_pack"):
        from soxtrail.services.report import pack

        return getattr(pack, name)
    raise AttributeError(name)
