"""Configuration: `soxtrail.toml`, validated on load (DESIGN §6).

Unknown keys, wrong types, bad globs and bad regular expressions are errors that name the
file, the key and the problem. Relative paths are relative to the configuration file. The
store URL comes from `--db`, else `SOXTRAIL_DB`, else `[store] url`, else the embedded default.

Control thresholds (`[controls.CM-02] min_approvals = 2`) are checked here for shape only; the
policy layer checks names and types against the parameters each control declares in its Rego
metadata, so that user controls get the same strictness as the built-in ones.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    ValidationError,
    field_validator,
)

from soxtrail.defaults import DEFAULT_KEY_FILE, DEFAULT_STORE_URL
from soxtrail.domain.access_scope import MembershipPatterns, PatternError, SodRule
from soxtrail.domain.errors import ConfigError
from soxtrail.domain.globs import GlobError, PathGlobs
from soxtrail.domain.systems import Identities, System

DEFAULT_TICKET_PATTERNS = ("[A-Z][A-Z0-9]+-[0-9]+", "CHG[0-9]{7}")
_CONTROL_ID = re.compile(r"^[A-Z]{2,8}-[0-9]{2,4}$")
_SYSTEM_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_REPO = re.compile(r"^[^/\s]+(/[^/\s]+)+$")

Scalar = str | int | float | bool
ControlValue = Scalar | list[Scalar]


class _Section(BaseModel):
    # Scalars are strict (StrictBool, Strict floats): "yes" is not a boolean in a control file.
    # Field docstrings document the keys; docs/configuration.md is generated from them
    # (soxtrail.interfaces.docs reads them from this file, so loading pays nothing for them).
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreSection(_Section):
    """Where evidence is stored."""

    url: str = DEFAULT_STORE_URL
    """`sqlite:///PATH` (the embedded default; relative to this file) or
    `postgresql+psycopg://user@host/db`. `--db` and `SOXTRAIL_DB` override it."""

    @field_validator("url")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql+psycopg://", "postgresql://")):
            raise ValueError("expected a sqlite:///PATH or postgresql+psycopg://... URL")
        return value


class LedgerSection(_Section):
    """The tamper-evident ledger and its signing key."""

    origin: str = "soxtrail.local/default"
    """The checkpoint origin line, naming this log once and for all; also the name of the
    signing key, so changing it starts a new log."""
    key_file: str = DEFAULT_KEY_FILE
    """Ed25519 private key (PKCS#8 PEM) that signs checkpoints; created by `soxtrail init`."""

    @field_validator("origin")
    @classmethod
    def _origin_line(cls, value: str) -> str:
        if not value or any(c.isspace() for c in value) or "+" in value:
            raise ValueError("the origin is one line without spaces or '+', e.g. acme.example/sox")
        return value


class TicketsSection(_Section):
    """How change requests link to tickets (CM-03)."""

    patterns: tuple[str, ...] = DEFAULT_TICKET_PATTERNS
    """Regular expressions of ticket keys, looked for in PR titles, bodies and branch names."""
    approved_statuses: tuple[str, ...] = ("Approved",)
    """Ticket statuses that count as approved; the first move into one is the approval."""

    @field_validator("patterns")
    @classmethod
    def _regexes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
        return value


class SigningSection(_Section):
    """Who may sign commits (CM-09)."""

    allowed_signers_file: str | None = None
    """git's SSH allowed-signers file of trusted signing keys."""
    gpg_public_keys: tuple[str, ...] = ()
    """Armored public GPG keys trusted for commit signatures (include your forge's key to
    trust its merge commits)."""


class ChangesSection(_Section):
    """How change sets are built."""

    emergency_labels: tuple[str, ...] = ("emergency", "hotfix")
    """PR labels that mark an emergency change (CM-10); a ticket can also say so."""
    first_deployment_since: str | None = None
    """For a first deployment (nothing deployed there yet), the date (YYYY-MM-DD, UTC) from
    which the change set reaches back: commits committed before it are left out; unset: the
    whole history. Ignored once something is deployed there (docs/change-sets.md)."""
    holidays: tuple[str, ...] = ()
    """Non-working days (YYYY-MM-DD) for business-day windows."""

    @field_validator("first_deployment_since")
    @classmethod
    def _since(cls, value: str | None) -> str | None:
        if value is not None:
            date.fromisoformat(value)
        return value

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for day in value:
            try:
                date.fromisoformat(day)
            except ValueError as exc:
                raise ValueError(f"{day!r} is not a YYYY-MM-DD date") from exc
        return value


class PolicySection(_Section):
    """The control library and its engine."""

    directories: tuple[str, ...] = ()
    """Folders of your own controls (Rego with metadata), loaded beside the built-in ones."""
    engine: Literal["opa", "rego-cpp"] = "opa"
    """The Rego engine: `opa` (embedded OPA, the default) or `rego-cpp` (not recommended:
    docs/adr/0002-policy-engine.md)."""
    timeout_seconds: Annotated[float, Strict()] = Field(default=10.0, gt=0)
    """Seconds an evaluation may take; past that every control it covers is `error`, at once
    (the engine, which cannot be interrupted, finishes in the background), and the gate
    denies. Compiling the policy is not counted: it depends on the policy alone, not on the
    change, evaluates no control, and has no bound of its own (the gate compiles in the
    background while it reads the store, and waits for it; `soxtrail serve` compiles once)."""


_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def _env_name(value: str | None) -> str | None:
    if value is not None and not _ENV_NAME.match(value):
        raise ValueError(
            f"{value!r} is not an environment variable NAME (secrets never go in this file; "
            "name the variable that holds them, e.g. SOXTRAIL_GITHUB_WEBHOOK_SECRET)"
        )
    return value


class ServerSection(_Section):
    """`soxtrail serve`: where it is reached, how people sign in, where webhook secrets live.

    Secrets are never written here: each `*_env` key names the environment variable that
    holds the secret. An unset variable disables what needs it (a webhook endpoint answers
    503, SSO login is not offered), so nothing runs with an empty secret.
    """

    public_url: str = "http://127.0.0.1:8000"
    """The URL people and forges reach the server at (OIDC redirect URI, links)."""
    host: str = "127.0.0.1"
    """Address `soxtrail serve` listens on (`--host` overrides)."""
    port: int = Field(default=8000, ge=1, le=65535)
    """Port `soxtrail serve` listens on (`--port` overrides)."""
    workers: int = Field(default=1, ge=1, le=64)
    """Worker processes (`--workers` overrides); with SQLite keep one."""
    session_secret_env: str = "SOXTRAIL_SESSION_SECRET"  # noqa: S105 - a variable's name
    """Variable holding the key that signs browser session cookies; replicas must share it."""
    session_hours: Annotated[float, Strict()] = Field(default=12.0, gt=0)
    """How long a browser session lasts."""
    password_login: StrictBool = True
    """Whether local users may sign in with Argon2-hashed passwords (small installs)."""
    github_webhook_secret_env: str | None = "SOXTRAIL_GITHUB_WEBHOOK_SECRET"  # noqa: S105 - a variable's name
    """Variable holding the GitHub webhook secret (X-Hub-Signature-256)."""
    gitlab_webhook_token_env: str | None = "SOXTRAIL_GITLAB_WEBHOOK_TOKEN"  # noqa: S105 - a variable's name
    """Variable holding the GitLab webhook token (X-Gitlab-Token)."""
    jira_webhook_secret_env: str | None = "SOXTRAIL_JIRA_WEBHOOK_SECRET"  # noqa: S105 - a variable's name
    """Variable holding the Jira webhook secret."""
    argocd_webhook_secret_env: str | None = "SOXTRAIL_ARGOCD_WEBHOOK_SECRET"  # noqa: S105 - a variable's name
    """Variable holding the Argo CD notifications shared secret."""
    max_body_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    """Largest webhook or ingest body accepted, in bytes."""
    reports_dir: str = ".soxtrail/reports"
    """Where evidence packs requested through the server are written (relative to this file);
    replicas must share it."""
    oidc_issuer: str | None = None
    """OpenID Connect issuer URL for single sign-on (code flow with PKCE); off when unset."""
    oidc_client_id: str | None = None
    """The OIDC client id registered for soxtrail."""
    oidc_client_secret_env: str | None = "SOXTRAIL_OIDC_CLIENT_SECRET"  # noqa: S105 - a variable's name
    """Variable holding the OIDC client secret."""
    oidc_user_claim: str = "email"
    """The ID-token claim that names the soxtrail user (users are added by an admin)."""
    oidc_scopes: tuple[str, ...] = ("openid", "email", "profile")
    """Scopes requested at sign-in."""

    @field_validator(
        "session_secret_env",
        "github_webhook_secret_env",
        "gitlab_webhook_token_env",
        "jira_webhook_secret_env",
        "argocd_webhook_secret_env",
        "oidc_client_secret_env",
    )
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        return _env_name(value)

    @field_validator("public_url", "oidc_issuer")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value.rstrip("/") if value else value


def _membership_patterns(value: tuple[str, ...]) -> tuple[str, ...]:
    """`provider:group[:role]` patterns, each checked (the error names the bad one)."""
    try:
        MembershipPatterns.parse(value)
    except PatternError as exc:
        raise ValueError(str(exc)) from exc
    return value


class SystemSection(_Section):
    """An in-scope application (one `[[systems]]` table each)."""

    name: str
    """Lower-case name used on the command line (`--system billing`)."""
    repos: tuple[str, ...] = Field(min_length=1)
    """Its repositories, `owner/name` as the forge spells them."""
    protected_branches: tuple[str, ...] = ("main",)
    """Branches whose history is the system's history (glob patterns allowed)."""
    production_environments: tuple[str, ...] = ("production",)
    """Environments that are production (CM-06 applies there)."""
    financial_paths: tuple[str, ...] = ()
    """Path globs (`src/ledger/**`) whose changes need stricter review (CM-02)."""
    require_signed_commits: StrictBool = False
    """Whether CM-09 (signed commits from trusted keys) applies to this system."""
    backup_resources: tuple[str, ...] = ()
    """The resources whose backups OP-02 checks, as ARN globs (`*` matches anything,
    `/` and `:` included): `arn:aws:rds:eu-west-1:123456789012:db:billing-*`. Every resource
    with a backup job that matches is a subject; a glob that matches no job is a finding."""
    owner: str | None = None
    """The person who answers for the system's access (reviews accounts whose holder has
    no known manager in the HR roster, AC-03)."""
    access: tuple[str, ...] = ()
    """Memberships that give access to the system, as `provider:group[:role]` globs
    (`okta:Billing-*`, `github:acme/billing`, `aws-iam:123456789012`); the accounts holding
    one are the population of the access controls."""
    privileged: tuple[str, ...] = ()
    """Memberships that are privileged (production or admin access), same syntax
    (`github:acme/billing:admin`, `aws-iam:*:AdministratorAccess`); AC-04 wants them
    granted on request and time-bound, never standing."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _SYSTEM_NAME.match(value):
            raise ValueError("a system name is lower-case letters, digits, '.', '_' or '-'")
        return value

    @field_validator("repos")
    @classmethod
    def _repos(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for repo in value:
            if not _REPO.match(repo):
                raise ValueError(f"{repo!r} is not owner/name as the forge spells it")
        return value

    @field_validator("access", "privileged")
    @classmethod
    def _patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _membership_patterns(value)

    @field_validator("financial_paths")
    @classmethod
    def _globs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        try:
            PathGlobs.compile(value)
        except GlobError as exc:
            raise ValueError(str(exc)) from exc
        return value


class SodRuleSection(_Section):
    """A pair of roles one person must not hold together (one `[[access.sod]]` table each)."""

    name: str
    """Short name shown in findings (`author-and-deployer`)."""
    first: tuple[str, ...] = Field(min_length=1)
    """One side: membership patterns `provider:group[:role]`."""
    second: tuple[str, ...] = Field(min_length=1)
    """The other side, same syntax."""
    description: str = ""
    """Why holding both is a conflict, for the auditor."""

    @field_validator("first", "second")
    @classmethod
    def _patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _membership_patterns(value)


class AccessSection(_Section):
    """Logical access: segregation of duties and accounts that are not people."""

    sod: tuple[SodRuleSection, ...] = ()
    """The segregation-of-duties matrix (`[[access.sod]]`), checked by AC-05."""
    service_accounts: tuple[str, ...] = ()
    """Account globs (login or email) that belong to machines, not people (`svc-*`,
    `*[bot]`); they are listed apart and need an owner instead of MFA and an HR record."""


class HrSection(_Section):
    """The HR roster (`soxtrail ingest hr-roster`)."""

    columns: dict[str, str] = Field(default_factory=dict)
    """The roster's own header for a field (`person = "Employee ID"`, `email = "Work
    Email"`), passed to the adapter as `column.<field>` hints."""


class ConfigModel(_Section):
    """The whole of `soxtrail.toml`."""

    store: StoreSection = StoreSection()
    """Where evidence is stored."""
    ledger: LedgerSection = LedgerSection()
    """The tamper-evident ledger."""
    tickets: TicketsSection = TicketsSection()
    """How change requests link to tickets."""
    signing: SigningSection = SigningSection()
    """Trusted commit signers."""
    policy: PolicySection = PolicySection()
    """The control library and its engine."""
    changes: ChangesSection = ChangesSection()
    """How change sets are built."""
    server: ServerSection = ServerSection()
    """`soxtrail serve`: address, sign-in, webhook secrets (by environment variable name)."""
    access: AccessSection = AccessSection()
    """Logical access: the segregation-of-duties matrix, service accounts."""
    hr: HrSection = HrSection()
    """The HR roster's column names."""
    identities: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """One person, many spellings across tools: `"person" = ["login", "email", "Name <email>"]`.
    Unmapped spellings stand for themselves, so two unmapped spellings are two people."""
    systems: tuple[SystemSection, ...] = ()
    """The in-scope systems (`[[systems]]`)."""
    controls: dict[str, dict[str, ControlValue]] = Field(default_factory=dict)
    """Per control (`[controls.CM-02]`): `enabled = false`, or a parameter the control
    declares in its metadata (see docs/controls/), with that parameter's type."""

    @field_validator("controls")
    @classmethod
    def _control_ids(
        cls, value: dict[str, dict[str, ControlValue]]
    ) -> dict[str, dict[str, ControlValue]]:
        for control_id in value:
            if not _CONTROL_ID.match(control_id):
                raise ValueError(f"{control_id!r} is not a control id such as CM-02")
        return value

    @field_validator("systems")
    @classmethod
    def _unique_systems(cls, value: tuple[SystemSection, ...]) -> tuple[SystemSection, ...]:
        seen: set[str] = set()
        for system in value:
            if system.name in seen:
                raise ValueError(f"system {system.name!r} is defined twice")
            seen.add(system.name)
        return value


@dataclass(frozen=True)
class Config:
    """The validated configuration, with paths resolved against the file's folder."""

    path: Path | None
    base_dir: Path
    model: ConfigModel
    store_url: str
    systems: tuple[System, ...] = ()
    identities: Identities = field(default_factory=Identities)

    @property
    def source_name(self) -> str:
        """How errors name the configuration: its path, or `(defaults)`."""
        return str(self.path) if self.path else "(defaults)"

    def resolve(self, relative: str) -> Path:
        """A configured path, relative to the configuration file's folder."""
        path = Path(relative)
        return path if path.is_absolute() else self.base_dir / path

    @property
    def key_file(self) -> Path:
        return self.resolve(self.model.ledger.key_file)

    @property
    def origin(self) -> str:
        return self.model.ledger.origin

    def system(self, name: str) -> System:
        """The system called `name`; ConfigError if there is none."""
        for system in self.systems:
            if system.name == name:
                return system
        known = ", ".join(s.name for s in self.systems) or "none configured"
        raise ConfigError(self.source_name, "systems", f"no system {name!r} (known: {known})")

    @property
    def sod_rules(self) -> tuple[SodRule, ...]:
        """The segregation-of-duties matrix, compiled (`[[access.sod]]`)."""
        return tuple(
            SodRule(
                name=r.name,
                first=MembershipPatterns.parse(r.first),
                second=MembershipPatterns.parse(r.second),
                description=r.description,
            )
            for r in self.model.access.sod
        )

    def control_settings(self, control_id: str) -> Mapping[str, ControlValue]:
        """The `[controls.ID]` table for a control (empty when not configured)."""
        return self.model.controls.get(control_id, {})


def _key_path(location: tuple[int | str, ...]) -> str:
    out = ""
    for part in location:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _describe(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def resolve_store_url(url: str, base_dir: Path) -> str:
    """Make a relative SQLite path absolute against `base_dir`; leave other URLs alone."""
    prefix = "sqlite:///"
    if url.startswith(prefix):
        path = Path(url[len(prefix) :])
        if not path.is_absolute():
            return prefix + str((base_dir / path).resolve())
    return url


def parse_config(
    text: str, *, path: Path | None, db_url: str | None = None, env_db: str | None = None
) -> Config:
    """Validate configuration text (the pure part of `load_config`).

    Raises:
        ConfigError: TOML syntax, unknown key, wrong type, bad glob or bad regex.
    """
    name = str(path) if path else "(defaults)"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(name, "", f"not valid TOML: {exc}") from exc
    try:
        model = ConfigModel.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(name, _key_path(tuple(first["loc"])), _describe(first)) from exc
    base_dir = (path.parent if path else Path.cwd()).resolve()
    # --db and SOXTRAIL_DB are the user's, relative to where they stand; the file's URL is
    # relative to the file.
    override = db_url or env_db
    url = resolve_store_url(override, Path.cwd()) if override else model.store.url
    systems = tuple(
        System(
            name=s.name,
            repos=s.repos,
            protected_branches=s.protected_branches,
            production_environments=s.production_environments,
            financial_paths=PathGlobs.compile(s.financial_paths),
            require_signed_commits=s.require_signed_commits,
            backup_resources=s.backup_resources,
            owner=s.owner,
            access=MembershipPatterns.parse(s.access),
            privileged=MembershipPatterns.parse(s.privileged),
        )
        for s in model.systems
    )
    return Config(
        path=path,
        base_dir=base_dir,
        model=model,
        store_url=resolve_store_url(url, base_dir),
        systems=systems,
        identities=Identities.from_mapping(model.identities),
    )


def load_config(
    path: Path | None, *, explicit: bool, db_url: str | None = None, env_db: str | None = None
) -> Config:
    """Read and validate the configuration file.

    Args:
        path: the file to read.
        explicit: whether the user named it (`--config`); a missing default file means
            "use the defaults", a missing named file is an error.
        db_url: `--db`, which wins over everything.
        env_db: `SOXTRAIL_DB`, which wins over the file.

    Raises:
        ConfigError: the file is missing (when named), unreadable or invalid.
    """
    if path is None or not path.exists():
        if explicit and path is not None:
            raise ConfigError(str(path), "", "no such file (run `soxtrail init` to write one)")
        return parse_config("", path=None, db_url=db_url, env_db=env_db)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), "", f"cannot read: {exc}") from exc
    return parse_config(text, path=path, db_url=db_url, env_db=env_db)
