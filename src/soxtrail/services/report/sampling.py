"""Reproducible samples: the size by control frequency and risk, the selection by hash rank.

The method, as the report states it (anyone can recompute it with a few lines of code):

1. The population of a control is every subject of the period's stored run with a result
   other than `not_applicable` (an n/a subject is not an occurrence of the control).
2. Each subject gets the rank `SHA-256(seed + "\\n" + control id + "\\n" + subject)` (UTF-8,
   lowercase hex).
3. The sample is the N subjects with the smallest ranks, in rank order.

The size N follows the control's frequency (annual 1, quarterly 2, monthly 3, weekly 5,
daily 25; per change 25, 30 or 40 for a low, medium or high risk control), unless given; the
whole population when it is smaller. This module is pure (hashlib and heapq): the bundle
verifier recomputes samples with it.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SIZE_BY_FREQUENCY = {"annual": 1, "quarterly": 2, "monthly": 3, "weekly": 5, "daily": 25}
SIZE_BY_RISK = {"low": 25, "medium": 30, "high": 40}
EXCLUDED_RESULTS = frozenset({"not_applicable"})
NO_SUBJECT = "*"

METHOD = (
    "Population: every subject of the stored run with a result other than not_applicable. "
    "Rank of a subject: SHA-256 of the UTF-8 text seed + LF + control id + LF + subject, in "
    "lowercase hex. Sample: the N subjects with the smallest ranks, in rank order; N by the "
    "control's frequency (annual 1, quarterly 2, monthly 3, weekly 5, daily 25; per change "
    "25/30/40 for low/medium/high risk) unless given, the whole population when smaller."
)


def sample_size(frequency: str, risk: str, override: int | None = None) -> int:
    """The planned sample size of a control (before capping at the population size)."""
    if override is not None:
        return override
    if frequency in SIZE_BY_FREQUENCY:
        return SIZE_BY_FREQUENCY[frequency]
    return SIZE_BY_RISK.get(risk, SIZE_BY_RISK["high"])


def rank(seed: str, control_id: str, subject: str) -> str:
    """The rank of one subject: lowercase hex SHA-256 of `seed LF control LF subject`."""
    return hashlib.sha256(f"{seed}\n{control_id}\n{subject}".encode()).hexdigest()


def in_population(subject: str, result: str) -> bool:
    """Whether a stored result is an occurrence that can be sampled."""
    return subject != NO_SUBJECT and result not in EXCLUDED_RESULTS


@dataclass(frozen=True)
class Ranked:
    rank: str
    subject: str
    payload: Any = None


class Selector:
    """Keeps the N smallest ranks of a stream of subjects in O(N) memory."""

    def __init__(self, seed: str, control_id: str, size: int) -> None:
        self.seed = seed
        self.control_id = control_id
        self.size = size
        self.population = 0
        self._heap: list[tuple[str, str, Any]] = []

    def offer(self, subject: str, payload: Any = None) -> None:
        self.population += 1
        if self.size <= 0:
            return
        key = rank(self.seed, self.control_id, subject)
        # A max-heap on rank through the bytewise complement of the hex digits.
        inverted = key.translate(_INVERT)
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, (inverted, subject, payload))
        elif inverted > self._heap[0][0]:
            heapq.heapreplace(self._heap, (inverted, subject, payload))

    def selected(self) -> list[Ranked]:
        """The sample, smallest rank first."""
        ordered = sorted(self._heap, key=lambda entry: entry[0], reverse=True)
        return [
            Ranked(inv.translate(_INVERT), subject, payload) for inv, subject, payload in ordered
        ]


_INVERT = str.maketrans("0123456789abcdef", "fedcba9876543210")


def select(seed: str, control_id: str, subjects: Iterable[str], size: int) -> list[Ranked]:
    """The sample of `size` subjects (already filtered to the population), smallest rank first."""
    selector = Selector(seed, control_id, size)
    for subject in subjects:
        selector.offer(subject)
    return selector.selected()
