"""The ledger's Ed25519 signing key: created by `init`, read to sign checkpoints."""

from __future__ import annotations

import os
from pathlib import Path

from soxtrail.domain.errors import ConfigError
from soxtrail.ledger.errors import FormatError
from soxtrail.ledger.note import NoteSigner, generate_signer, signer_from_pem, signer_to_pem


def create_key(path: Path, name: str) -> bool:
    """Create a new signing key at `path` (mode 0600) unless one exists; True if created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    signer = generate_signer(name)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(signer_to_pem(signer))
    return True


def load_signer(path: Path, name: str) -> NoteSigner:
    """The checkpoint signer from the key file; its note key name is the ledger origin.

    Raises:
        ConfigError: the key file is missing or is not an Ed25519 private key.
    """
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            str(path), "ledger.key_file", f"cannot read the ledger signing key: {exc.strerror}"
        ) from exc
    try:
        return signer_from_pem(name, pem)
    except FormatError as exc:
        raise ConfigError(
            str(path), "ledger.key_file", f"not an Ed25519 private key: {exc}"
        ) from exc
