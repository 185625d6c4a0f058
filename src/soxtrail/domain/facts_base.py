"""The base of every facts model and the UTC instant type they share.

Kept apart from `facts` so that the per-domain facts modules (`access_facts`) can build on it
while `facts` imports them for `FACTS_BY_KIND`, without an import cycle.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from functools import cache
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, WrapSerializer

from soxtrail.domain.instants import format_instant, utc

#: A UTC instant, serialised in one spelling so that records hash the same everywhere.
Instant = Annotated[datetime, AfterValidator(utc), PlainSerializer(format_instant, return_type=str)]


class Facts(BaseModel):
    """Base of every facts model: immutable, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


def may_hold_floats(model: type[BaseModel]) -> bool:
    """Whether a validated `model`'s JSON dump can contain a float, judged from its types.

    False only when every field is built from `str`, `int`, `bool`, None, string or integer
    `Literal`s and enums, `Instant` (serialised as text), tuples, lists and `dict`s of those
    and nested models of the same kind; anything else (`float`, `Any`, a custom serializer) is
    taken to allow floats. Validation makes the promise hold: lax mode turns `1.0` given for an
    `int` into `1` and refuses a float for a `str`, and facts are never built unvalidated.
    The record encoder uses it to skip looking for floats in the JSON of such facts.
    """
    return _may_hold_floats(model, frozenset())


@cache
def _may_hold_floats(model: type[BaseModel], seen: frozenset[type[BaseModel]]) -> bool:
    if model in seen:
        return False  # a recursive model: its other fields decide
    decorators = model.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers or decorators.computed_fields:
        return True
    inner = seen | {model}
    for info in model.model_fields.values():
        for meta in info.metadata:
            if isinstance(meta, PlainSerializer | WrapSerializer) and meta.return_type is not str:
                return True
        if _type_may_hold_floats(info.annotation, inner):
            return True
    return False


def _type_may_hold_floats(annotation: Any, seen: frozenset[type[BaseModel]]) -> bool:
    if annotation is Instant:
        return False
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return any(
            isinstance(meta, PlainSerializer | WrapSerializer) and meta.return_type is not str
            for meta in annotation.__metadata__
        ) or _type_may_hold_floats(args[0], seen)
    if origin is Literal:
        return any(type(value) not in (str, int, bool, type(None)) for value in args)
    if origin in (Union, UnionType, tuple, list, dict):
        return any(arg is not Ellipsis and _type_may_hold_floats(arg, seen) for arg in args)
    if origin is not None or not isinstance(annotation, type):
        return True  # another generic (Sequence, Mapping, ...) or an unresolved name
    if issubclass(annotation, BaseModel):
        return _may_hold_floats(annotation, seen)
    if issubclass(annotation, Enum):
        return any(type(member.value) not in (str, int, bool) for member in annotation)
    return annotation not in (str, int, bool, type(None), datetime)
