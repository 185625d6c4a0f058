"""Candidate ticket keys in free text (PR titles and bodies, branch names, commit messages).

Adapters extract candidates with the default patterns of the configuration (`[tickets]
patterns`): Jira-style keys (`PROJ-7`) and ServiceNow change numbers (`CHG0030001`). The
services layer filters them again with the patterns configured, so a candidate here is only a
lookup key, never a claim that the ticket exists.
"""

from __future__ import annotations

import re

#: The default `[tickets] patterns`, as one expression. A key must not continue a longer word
#: or number on the left or a number on the right; `_` and `/` delimit it (`feat/PROJ-7_fix`).
_TICKET = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z][A-Z0-9]+-[0-9]+|CHG[0-9]{7})(?![0-9])")


def find_ticket_keys(*texts: str | None) -> tuple[str, ...]:
    """Every candidate ticket key in `texts`, sorted and without duplicates.

    `None` and empty texts are skipped, so optional fields can be passed as they are.
    """
    found: set[str] = set()
    for text in texts:
        if text:
            found.update(_TICKET.findall(text))
    return tuple(sorted(found))
