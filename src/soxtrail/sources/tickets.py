"""Candidate ticket keys in free text (PR titles and bodies, branch names, commit messages).

Adapters extract candidates with the default patterns of `[tickets] patterns` (DESIGN §6):
Jira-style keys (`PROJ-7`) and ServiceNow change requests (`CHG0030001`). The pattern is
deliberately wide (`UTF-8` and `SHA-256` match it too): the services layer filters the
candidates again with the patterns the configuration names.
"""

from __future__ import annotations

import re

#: The defaults of `[tickets] patterns`, compiled into one expression. A key is not part of a
#: longer word on its left (`abcPROJ-1` is not `PROJ-1`) but may sit between underscores, as in
#: branch names (`feature_PROJ-12_fix`); `CHG` takes exactly seven digits.
_DEFAULT = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z][A-Z0-9]+-[0-9]+|CHG[0-9]{7})(?![0-9])")


def find_ticket_keys(*texts: str | None) -> tuple[str, ...]:
    """Every candidate ticket key in the texts, sorted and without duplicates.

    Args:
        texts: free texts; None and empty texts are skipped.

    Returns:
        The keys, e.g. `("CHG0030001", "PROJ-7")`.
    """
    found: set[str] = set()
    for text in texts:
        if text:
            found.update(_DEFAULT.findall(text))
    return tuple(sorted(found))
