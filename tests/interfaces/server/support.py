"""Helpers for the server tests: a scenario store, a settable clock, people with roles."""

from __future__ import annotations

import hashlib
import hmac
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from soxtrail.config import Config, load_config
from soxtrail.demo.scenario import Change, Scenario
from soxtrail.domain.period import Period
from soxtrail.interfaces.server.app import create_app
from soxtrail.interfaces.server.state import ServerState
from soxtrail.policy.engine import make_engine
from soxtrail.policy.library import load_library
from soxtrail.services.gate import decide_gate
from soxtrail.services.period import evaluate_period
from soxtrail.services.users import add_user, create_token

GITHUB_SECRET = "gh-webhook-secret-for-tests"
GITLAB_TOKEN = "gl-webhook-token-for-tests"
JIRA_SECRET = "jira-webhook-secret-for-tests"
ARGOCD_SECRET = "argocd-webhook-secret-for-tests"
SESSION_SECRET = "session-secret-for-tests-0123456789"
PASSWORD = "correct horse battery staple"

ENVIRON = {
    "SOXTRAIL_GITHUB_WEBHOOK_SECRET": GITHUB_SECRET,
    "SOXTRAIL_GITLAB_WEBHOOK_TOKEN": GITLAB_TOKEN,
    "SOXTRAIL_JIRA_WEBHOOK_SECRET": JIRA_SECRET,
    "SOXTRAIL_ARGOCD_WEBHOOK_SECRET": ARGOCD_SECRET,
    "SOXTRAIL_SESSION_SECRET": SESSION_SECRET,
}

#: One person per role; the emails are the scenario's people where separation of duties
#: matters (alice and erin authored changes, carol approves deployments).
PEOPLE = {
    "admin": "admin@acme.example",
    "compliance": "dave@acme.example",
    "approver": "carol@acme.example",
    "engineer": "alice@acme.example",
    "auditor": "bob@acme.example",
    "ci": "ci-bot@acme.example",
}


class SettableClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Store:
    """A scenario store: the demo's flow (a clean change, a self-approved one, a stored run)."""

    root: Path
    config: Config
    clean: Change
    risky: Change
    period: str
    clock: SettableClock
    tokens: dict[str, str] = field(default_factory=dict)

    def state(self, environ: dict[str, str] | None = None) -> ServerState:
        return ServerState(self.config, clock=self.clock, environ=dict(environ or ENVIRON))


def build_store(root: Path, db_url: str | None = None) -> Store:
    """The demo flow on a store (SQLite in `root`, or `db_url`), with one user per role."""
    scenario = Scenario(root, db_url=db_url)
    try:
        start = scenario.now
        scenario.protect_main()
        scenario.deploy(scenario.base, approver="carol")
        clean = scenario.change(
            101,
            title="Post ledger entries in batches",
            author="alice",
            files={"src/ledger/post.py": "def post(batch):\n    return len(batch)\n"},
            approvers=("bob", "carol"),
        )
        scenario.ci(clean.merge)
        run_id = scenario.approve_deployment(clean.merge, approver="carol")
        scenario.ingest()
        library = load_library(settings=scenario.config.model.controls)
        engine = make_engine(library, scenario.config.model.policy.engine)
        decide_gate(
            scenario.db,
            scenario.config,
            library,
            engine,
            system_name="billing",
            environment="production",
            commit=clean.merge,
            clock=scenario.clock,
            signer=scenario.signer,
        )
        scenario.finish_deployment(clean.merge, run_id)
        risky = scenario.change(
            102,
            title="Skip rounding check in API",
            author="erin",
            files={"src/api/app.py": "app = 'no rounding check'\n"},
            approvers=("erin",),
        )
        scenario.ci(risky.merge)
        scenario.approve_deployment(risky.merge, approver="carol")
        scenario.ingest()
        decide_gate(
            scenario.db,
            scenario.config,
            library,
            engine,
            system_name="billing",
            environment="production",
            commit=risky.merge,
            clock=scenario.clock,
            signer=scenario.signer,
        )
        period = Period("demo", start, scenario.tick())
        evaluate_period(
            scenario.db,
            scenario.config,
            library,
            engine,
            period=period,
            system_name="billing",
            clock=scenario.clock,
            signer=scenario.signer,
        )
        clock = SettableClock(scenario.tick())
        config = load_config(root / "soxtrail.toml", explicit=True, db_url=db_url)
        store = Store(root, config, clean, risky, "demo", clock)
        for role, name in PEOPLE.items():
            add_user(
                scenario.db,
                name=name,
                role=role,
                password=PASSWORD,
                actor="setup",
                signer=scenario.signer,
                origin=config.origin,
                clock=clock,
            )
            store.tokens[role] = create_token(
                scenario.db,
                user=name,
                role=None,
                label=f"{role} token",
                expires_at=clock() + timedelta(days=30),
                actor="setup",
                signer=scenario.signer,
                origin=config.origin,
                clock=clock,
            ).secret
    finally:
        scenario.close()
    return store


def app_for(store: Store, environ: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return create_app(store.state(environ))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
