"""The ledger entries soxtrail appends, one per stored fact, and how each binds its data.

Every entry is a small JSON object; its leaf hash is SHA-256(0x00 || RFC 8785 JSON). An entry
binds the row it covers by that row's content hash, so a changed byte in the row no longer
matches its entry, and the entry's place in the tree is fixed by the signed checkpoints.

| type           | binds                                              |
|----------------|----------------------------------------------------|
| raw_document   | sha256 of the stored bytes (and of the original)   |
| evidence       | id = sha256 of the record's canonical JSON         |
| decision       | id = sha256 of the decision's canonical JSON       |
| admin          | the action itself (who, what, when) in the entry   |

Only the standard library is used: auditors run this from the evidence pack.
"""

from __future__ import annotations

import hashlib
import re
from json.encoder import encode_basestring
from typing import Any

from soxtrail.ledger.canonical import canonical_json

ENTRY_VERSION = 1


def raw_document_entry(
    sha256: str, original_sha256: str, size: int, source: str, origin: str
) -> dict[str, Any]:
    return {
        "v": ENTRY_VERSION,
        "type": "raw_document",
        "sha256": sha256,
        "original_sha256": original_sha256,
        "size": size,
        "source": source,
        "origin": origin,
    }


def record_entry(entry_type: str, record_id: str, kind: str) -> dict[str, Any]:
    """Entry of a content-addressed record (evidence, decision, waiver, control run)."""
    return {"v": ENTRY_VERSION, "type": entry_type, "id": record_id, "kind": kind}


#: Characters that canonical JSON writes as they are, in any order of keys (ASCII, no quote,
#: backslash or control character).
_VERBATIM = re.compile(r"[A-Za-z0-9_.:-]*")


def record_entry_json(entry_type: str, record_id: str, kind: str) -> bytes:
    """`canonical_json(record_entry(entry_type, record_id, kind))`, built directly.

    Ingest appends one such entry per record; with a hex id and a kind name, the canonical
    form is a fixed template (members sorted: id, kind, type, v). Anything else goes
    through the canonical encoder, so the bytes are the same either way.
    """
    if (
        _VERBATIM.fullmatch(record_id) is not None
        and _VERBATIM.fullmatch(kind) is not None
        and _VERBATIM.fullmatch(entry_type) is not None
    ):
        return (
            f'{{"id":"{record_id}","kind":"{kind}","type":"{entry_type}","v":{ENTRY_VERSION}}}'
        ).encode("ascii")
    return canonical_json(record_entry(entry_type, record_id, kind))


def raw_document_entry_json(
    sha256: str, original_sha256: str, size: int, source: str, origin: str
) -> bytes:
    """`canonical_json(raw_document_entry(...))`, built directly (one per stored document).

    The members in canonical order are fixed; the origin (a path) is escaped by the JSON
    string encoder canonical JSON uses. Anything unusual goes through the canonical encoder.
    """
    if (
        type(size) is int
        and _VERBATIM.fullmatch(sha256) is not None
        and _VERBATIM.fullmatch(original_sha256) is not None
        and _VERBATIM.fullmatch(source) is not None
        and type(origin) is str
    ):
        text = (
            f'{{"origin":{encode_basestring(origin)},"original_sha256":"{original_sha256}",'
            f'"sha256":"{sha256}","size":{size},"source":"{source}","type":"raw_document",'
            f'"v":{ENTRY_VERSION}}}'
        )
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: the canonical encoder raises the precise error
    return canonical_json(raw_document_entry(sha256, original_sha256, size, source, origin))


def admin_entry(action: str, actor: str, at: str, details: dict[str, Any]) -> dict[str, Any]:
    """Entry of an administrative action: the action is wholly in the entry."""
    return {
        "v": ENTRY_VERSION,
        "type": "admin",
        "action": action,
        "actor": actor,
        "at": at,
        "details": details,
    }


def content_id(canonical: bytes) -> str:
    """The id of a content-addressed record: lowercase hex SHA-256 of its canonical JSON."""
    return hashlib.sha256(canonical).hexdigest()
