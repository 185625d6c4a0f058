"""Secrets-manager metadata: AWS Secrets Manager listings and Vault KV v2 metadata.

Fixtures are BUILT from the AWS Secrets Manager API reference and Vault's KV v2 API
documentation (`tests/fixtures/secrets/README.md`); the corpus has neither format.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.kinds import Kind
from soxtrail.sources import aws_secrets, vault_kv
from tests.helpers import FIXTURES, records_of

LISTING = FIXTURES / "secrets" / "list_secrets.json"
VAULT = FIXTURES / "secrets" / "vault_kv_metadata.json"


def test_a_listing_gives_one_record_per_secret() -> None:
    rotated, static = records_of(aws_secrets.ADAPTER, LISTING, {"as_of": "2026-07-15T00:00:00Z"})
    assert {rotated.kind, static.kind} == {Kind.SECRET_METADATA}
    assert rotated.subject == (
        "aws-secrets-manager:arn:aws:secretsmanager:eu-west-1:111122223333:secret:"
        "billing/production/db-AbCdEf"
    )
    facts = rotated.facts
    assert (facts.name, facts.manager, facts.system, facts.environment) == (
        "billing/production/db",
        "aws-secrets-manager",
        "billing",
        "production",
    )
    assert facts.rotation_enabled is True and facts.rotation_interval_days == 30
    assert facts.last_rotated_at == datetime(2026, 7, 1, 2, 0, 11, 512000, tzinfo=UTC)
    assert rotated.occurred_at == datetime(2026, 7, 15, tzinfo=UTC)  # the as_of hint
    assert rotated.environment == "production"


def test_epoch_dates_and_a_secret_never_rotated() -> None:
    _, static = records_of(aws_secrets.ADAPTER, LISTING)
    facts = static.facts
    assert facts.rotation_enabled is False and facts.last_rotated_at is None
    assert facts.created_at == datetime(2025, 3, 13, 10, 0, 0, 250000, tzinfo=UTC)
    assert facts.environment is None  # no tag, no hint: the control says it is not scoped


def test_the_environment_hint_fills_in_for_missing_tags() -> None:
    _, static = records_of(aws_secrets.ADAPTER, LISTING, {"environment": "staging"})
    assert static.facts.environment == "staging"


def test_vault_metadata_with_the_path_hint() -> None:
    (record,) = records_of(vault_kv.ADAPTER, VAULT, {"path": "secret/billing/production/db"})
    facts = record.facts
    assert record.subject == "vault:secret/billing/production/db"
    assert (facts.manager, facts.system, facts.environment) == ("vault", "billing", "production")
    assert facts.last_rotated_at == datetime(2026, 6, 20, 8, 0, 41, 775119, tzinfo=UTC)
    assert facts.created_at == datetime(2025, 11, 3, 9, 14, 2, 512367, tzinfo=UTC)
    assert facts.tags["owner"] == "payments-team"
    assert facts.deleted_at is None


def test_vault_metadata_without_a_path_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        records_of(vault_kv.ADAPTER, VAULT)
    assert "path" in str(caught.value) and str(VAULT) in str(caught.value)


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        pytest.param({"RotationEnabled": "yes"}, "/SecretList/0/RotationEnabled", id="bool"),
        pytest.param({"Tags": [{"Value": "x"}]}, "/SecretList/0/Tags/0/Key", id="tag"),
        pytest.param({"LastRotatedDate": "last week"}, "/SecretList/0/LastRotatedDate", id="date"),
    ],
)
def test_malformed_entries_name_the_field(
    tmp_path: Path, change: dict[str, object], pointer: str
) -> None:
    data = json.loads(LISTING.read_text())
    data["SecretList"][0].update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as caught:
        records_of(aws_secrets.ADAPTER, path)
    assert str(path) in str(caught.value) and pointer in str(caught.value)
