"""The documented JSON schemas (docs/schemas/) as validators, for tests of any interface."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from tests.helpers import REPO_ROOT


def search_schema() -> Draft202012Validator:
    document = json.loads((REPO_ROOT / "docs/schemas/search.schema.json").read_text())
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)
