"""Which system and environment a secret belongs to, from its tags or the ingest hints.

Shared by the secrets-manager adapters (aws-secrets, vault-kv). Tags (AWS) or custom metadata
(Vault) are looked up by key, case-insensitively:

- system: `soxtrail:system`, `system`, `application`, `app`; else the `system` hint;
- environment: `soxtrail:environment`, `environment`, `env`, `stage`; else the
  `environment` hint.

Nothing is guessed from names: a secret whose system is unknown is matched to a system by the
period builder only through its path (see `services/secret_inputs.py`).
"""

from __future__ import annotations

from collections.abc import Mapping

from soxtrail.sources.base import Document

SYSTEM_KEYS = ("soxtrail:system", "system", "application", "app")
ENVIRONMENT_KEYS = ("soxtrail:environment", "environment", "env", "stage")


def _lookup(tags: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    lowered = {k.strip().lower(): v for k, v in tags.items()}
    for key in keys:
        value = lowered.get(key)
        if value is not None and value.strip():
            return value.strip()
    return None


def scope_of(tags: Mapping[str, str], doc: Document) -> tuple[str | None, str | None]:
    """(system, environment) of a secret, from its tags, else the document's hints."""
    system = _lookup(tags, SYSTEM_KEYS) or (doc.hints.get("system") or "").strip() or None
    environment = (
        _lookup(tags, ENVIRONMENT_KEYS) or (doc.hints.get("environment") or "").strip() or None
    )
    return system, environment
