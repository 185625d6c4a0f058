"""The base of every facts model and the UTC instant type they share.

Kept apart from `facts` so that the per-domain facts modules (`access_facts`) can build on it
while `facts` imports them for `FACTS_BY_KIND`, without an import cycle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer

from soxtrail.domain.instants import format_instant, utc

#: A UTC instant, serialised in one spelling so that records hash the same everywhere.
Instant = Annotated[datetime, AfterValidator(utc), PlainSerializer(format_instant, return_type=str)]


class Facts(BaseModel):
    """Base of every facts model: immutable, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
