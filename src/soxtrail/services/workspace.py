"""Set up a workspace: configuration, data directory, signing key, database, first checkpoint."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from soxtrail.config import load_config
from soxtrail.defaults import DEFAULT_CONFIG_NAME
from soxtrail.services.clock import Clock
from soxtrail.services.keys import create_key, load_signer
from soxtrail.store.database import Database
from soxtrail.store.ledger import StoredCheckpoint, write_checkpoint

CONFIG_TEMPLATE = """\
# soxtrail configuration. Every key is documented in docs/configuration.md.
# Unknown keys are errors. Relative paths are relative to this file.

[store]
# The evidence store. SQLite is the embedded default; for several replicas or years of
# evidence use PostgreSQL: url = "postgresql+psycopg://soxtrail@db.example/soxtrail"
# --db and the SOXTRAIL_DB environment variable override this.
url = "sqlite:///.soxtrail/soxtrail.db"

[ledger]
# The checkpoint origin line: names this log, once and for all (it is also the name of the
# signing key, so changing it later starts a new log).
origin = "{origin}"
# Ed25519 private key that signs checkpoints; created by `soxtrail init`. Keep it secret,
# back it up, and give auditors `soxtrail ledger export-key` instead.
key_file = ".soxtrail/ledger.key"

[tickets]
# Ticket keys looked for in PR titles, bodies and branch names (Jira keys, ServiceNow CHGs).
patterns = ["[A-Z][A-Z0-9]+-[0-9]+", "CHG[0-9]{{7}}"]
# Ticket statuses that count as approved for CM-03.
approved_statuses = ["Approved"]

[signing]
# Trusted commit signers for CM-09: git's SSH allowed-signers file, armored GPG keys.
# allowed_signers_file = "allowed_signers"
# gpg_public_keys = ["keys/release.asc"]

[identities]
# One person, many spellings across tools: person = [logins, emails, "Name <email>"].
# "alice@acme.example" = ["alice", "alice-acme", "Alice Liddell <alice@acme.example>"]

# One [[systems]] table per in-scope application.
# [[systems]]
# name = "billing"
# repos = ["acme/billing"]                 # owner/name as the forge spells it
# protected_branches = ["main"]
# production_environments = ["production"]
# financial_paths = ["src/ledger/**"]       # changes here need stricter review (CM-02)
# require_signed_commits = true             # CM-09 applies to this system's repositories
# owner = "carol@acme.example"              # reviews accounts without a manager (AC-03)
# access = ["okta:Billing-*", "github:acme/billing"]   # provider:group[:role] globs
# privileged = ["github:acme/billing:admin"]           # must be granted, time-bound (AC-04)
# backup_resources = ["arn:aws:rds:*:*:db:billing-*"]  # backed up daily (OP-02)

# Logical access: accounts that are machines, and the segregation-of-duties matrix (AC-05).
# [access]
# service_accounts = ["svc-*"]
# [[access.sod]]
# name = "author-and-deployer"
# first = ["github:acme/billing:write"]
# second = ["okta:Prod-Deployers"]

# The HR roster's own column headers (soxtrail ingest hr-roster).
# [hr.columns]
# person = "Employee ID"
# email = "Work Email"

# Control thresholds and switches, e.g.:
# [controls.CM-02]
# min_approvals = 1
# min_approvals_financial = 2
# [controls.CM-12]
# enabled = false
"""


@dataclass(frozen=True)
class InitReport:
    directory: Path
    config_path: Path
    config_written: bool
    key_path: Path
    key_created: bool
    store_url: str
    checkpoint: StoredCheckpoint


def _origin_for(directory: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", directory.resolve().name).strip("-") or "default"
    return f"soxtrail.local/{name}"


def init_workspace(
    directory: Path, *, db_url: str | None, env_db: str | None, clock: Clock
) -> InitReport:
    """Create (or complete) a workspace in `directory`. Never overwrites what exists.

    1. Create the directory and write a commented `soxtrail.toml` unless there is one.
    2. Load and validate it (so a hand-edited configuration is checked too).
    3. Create the Ed25519 ledger key unless it exists (mode 0600).
    4. Create or upgrade the database at the configured URL (or `--db`/`SOXTRAIL_DB`).
    5. Sign a checkpoint of the (possibly empty) ledger, so the log has a signed head.
    """
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / DEFAULT_CONFIG_NAME
    written = False
    if not config_path.exists():
        config_path.write_text(CONFIG_TEMPLATE.format(origin=_origin_for(directory)), "utf-8")
        written = True
    config = load_config(config_path, explicit=True, db_url=db_url, env_db=env_db)
    key_created = create_key(config.key_file, config.origin)
    signer = load_signer(config.key_file, config.origin)
    db = Database(config.store_url)
    try:
        db.upgrade()
        with db.write() as conn:
            checkpoint = write_checkpoint(conn, signer, config.origin, clock())
    finally:
        db.dispose()
    return InitReport(
        directory=directory,
        config_path=config_path,
        config_written=written,
        key_path=config.key_file,
        key_created=key_created,
        store_url=db.display_url,
        checkpoint=checkpoint,
    )
