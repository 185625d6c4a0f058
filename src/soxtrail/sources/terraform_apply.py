"""`terraform-apply`: the plan that was applied, read with the plan adapter and marked applied.

CM-11 compares the digest of the plan that was reviewed (attested as `terraform-plan` for the
change's commit) with the digest of the plan that was applied (attested as `terraform-apply`
by the pipeline that ran `terraform apply PLANFILE`): the same plan file gives the same digest.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import IacPlanFacts
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.terraform import ADAPTER as PLAN


def _applied(record: Evidence) -> Evidence:
    facts = record.facts
    if not isinstance(facts, IacPlanFacts):
        return record
    return replace(
        record,
        facts=facts.model_copy(update={"applied": True}),
        subject=f"apply:{facts.plan_sha256}",
    )


class AppliedPlanAdapter:
    name = "terraform-apply"
    framing = PLAN.framing
    media_type = PLAN.media_type
    suffixes = PLAN.suffixes

    def detect(self, doc: Document, data: Any) -> bool:
        return False  # the same document as a plan: only chosen by name, never by shape

    def parse(self, doc: Document, data: Any) -> Parsed:
        parsed = PLAN.parse(doc, data)
        return Parsed(records=[_applied(r) for r in parsed.records], ignored=parsed.ignored)


ADAPTER = AppliedPlanAdapter()
