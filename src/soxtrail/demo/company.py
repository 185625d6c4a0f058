"""The demo company's people, access and operations over the demo period's last week.

`Company` writes what the company's tools export, in their native formats (identity.py,
logs.py), under `evidence/`, and feeds it to soxtrail the way a user would: `ingest` through
each source's adapter with the hints the CLI passes (`[hr.columns]` included), `attest
dr-test`, a waiver request and its approval, and an access review campaign started, fully
decided and closed. Days are counted back from `today`, the day the demo's changes happen;
the period's complete days are the seven before it (`days`).

What the access and operations controls find, by design:

- AC-01 `okta:dave@acme.example` has no active MFA factor (his SMS factor was never
  activated); every other account signs in through SSO with MFA, and the service account
  `svc-billing` has an owner.
- AC-02 Frank left six days before today and his Okta account is still active (he even
  signed in yesterday); Heidi's was deactivated the day she left.
- AC-03 the quarter's review campaign covers every account and is closed; the reviewer
  revokes Frank's accounts.
- AC-04 two short administrator grants through AWS TEAM, each approved by someone else.
- AC-05 Carol writes billing code and deploys to production: a waived conflict.
- AC-06 Grace joined this week: her Billing-Users membership has an approved Jira request.
- AC-07 `billing/production/stripe-api-key` was created 120 days ago and never rotated;
  the database credentials and the Vault signing key were rotated recently; the repository's
  gitleaks scan is clean.
- OP-01 CloudTrail delivered nothing on the fourth day before today; Okta and Vault logged
  every day.
- OP-02 the billing database was backed up every night and restored in a test whose actual
  values match the expected ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from soxtrail.demo import identity as fmt
from soxtrail.demo import logs
from soxtrail.demo.events import stamp
from soxtrail.demo.identity import Employee
from soxtrail.demo.scenario import ConfigExtension, Person
from soxtrail.domain.period import quarter_containing
from soxtrail.services.access_review import close_campaign, decide_account, start_campaign
from soxtrail.services.ingest import configured_hints
from soxtrail.services.waivers import decide_waiver, request_waiver

if TYPE_CHECKING:
    from soxtrail.demo.scenario import Scenario

ACCOUNT = "111122223333"
DATABASE = f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:billing-prod"
WEEK = 7
#: Days before today: Frank's and Heidi's last day, and the day CloudTrail delivered nothing.
FRANK_LEFT, HEIDI_LEFT, CLOUDTRAIL_GAP = 6, 5, 4


def _staff(today: date) -> tuple[Employee, ...]:
    """Everyone in HR's roster: key, name, employee id, manager, hired, left, GitHub login."""

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    rows = [
        ("alice", "Alice Liddell", "W-0101", "dave", date(2019, 3, 4), None, "alice"),
        ("bob", "Bob Marley", "W-0102", "dave", date(2020, 1, 6), None, "bob"),
        ("carol", "Carol Danvers", "W-0103", "dave", date(2018, 5, 14), None, "carol"),
        ("dave", "Dave Bowman", "W-0104", "carol", date(2017, 9, 1), None, None),
        ("erin", "Erin Brockovich", "W-0105", "dave", date(2021, 2, 1), None, "erin"),
        ("frank", "Frank Castle", "W-0106", "dave", date(2021, 3, 1), ago(FRANK_LEFT), None),
        ("grace", "Grace Hopper", "W-0107", "dave", ago(3), None, None),
        ("heidi", "Heidi Klum", "W-0108", "dave", date(2022, 4, 4), ago(HEIDI_LEFT), None),
    ]
    return tuple(
        Employee(key, name, f"{key}@acme.example", number, f"{boss}@acme.example", hired, left, gh)
        for key, name, number, boss, hired, left, gh in rows
    )


SERVICE = Employee(
    "svc", "Billing Service", "svc-billing@acme.example", "SVC-1", None, date(2020, 6, 1)
)


NEWCOMERS = (
    Person("frank", "Frank Castle", "frank@acme.example"),
    Person("grace", "Grace Hopper", "grace@acme.example"),
    Person("heidi", "Heidi Klum", "heidi@acme.example"),
)

SYSTEM = f"""\
owner = "carol@acme.example"
access = ["okta:Billing-*", "okta:Prod-Deployers", "github:acme/billing", "aws-iam:{ACCOUNT}"]
privileged = ["github:acme/billing:admin", "aws-iam:*:AdministratorAccess"]
backup_resources = ["arn:aws:rds:eu-west-1:{ACCOUNT}:db:billing-*"]
"""

TAIL = (
    """
[access]
service_accounts = ["svc-*", "*-bot", "*[bot]"]

[[access.sod]]
name = "author-and-deployer"
first = ["github:acme/billing:write", "github:acme/billing:maintain", "github:acme/billing:admin"]
second = ["okta:Prod-Deployers"]
description = "writes the billing code and deploys it to production"

[hr.columns]
"""
    + "\n".join(f'{field} = "{header}"' for field, header in fmt.HR_COLUMNS.items())
    + """

[controls.AC-01]
sso_enforced_providers = ["github"]     # GitHub Enterprise SSO through Okta

[controls.OP-01]
sources = ["cloudtrail", "okta", "vault"]
retention_days = 7                      # the demo holds one week of logs
"""
)

CONFIG = ConfigExtension(people=NEWCOMERS, system=SYSTEM, tail=TAIL)


@dataclass
class AccessOutcome:
    """What the company's week left in soxtrail: the waiver and the review campaign."""

    waiver: str
    campaign: str


class Company:
    """The demo company around one `Scenario` (see the module docstring)."""

    def __init__(self, scenario: Scenario, today: date) -> None:
        self.scenario = scenario
        self.today = today
        self.staff = _staff(today)
        self.people = {p.key: p for p in self.staff}

    # --- time ------------------------------------------------------------------------------

    def at(self, days_ago: int, hour: int = 9, minute: int = 0) -> datetime:
        return datetime.combine(self.today - timedelta(days=days_ago), time(hour, minute), UTC)

    def days(self) -> list[date]:
        """The complete days of the period: the week before today."""
        return [self.today - timedelta(days=n) for n in range(WEEK, 0, -1)]

    # --- files -------------------------------------------------------------------------------

    def _json(self, folder: str, name: str, document: Any) -> Path:
        return self.scenario.write(folder, name, json.dumps(document, indent=2))

    def _ingest(self, source: str, path: Path, **hints: str) -> None:
        columns = self.scenario.config.model.hr.columns
        self.scenario.ingest_file(source, path, **configured_hints(columns, source, hints))

    # --- identity and access -------------------------------------------------------------------

    def _okta_users(self, *, current: bool) -> dict[str, dict[str, Any]]:
        """Okta's user list before the week (`current` false) or at its end: Grace is new,
        Heidi deactivated the day she left, Frank still active."""
        users = {}
        for p in self.staff:
            if p.hired > self.today - timedelta(days=WEEK + 1) and not current:
                continue
            joined = self.at((self.today - p.hired).days, 8)
            status, changed = "ACTIVE", joined
            if current and p.key == "heidi":
                status, changed = "DEPROVISIONED", self.at(HEIDI_LEFT, 17)
            users[p.key] = fmt.okta_user(
                p, status=status, created=joined, status_changed=changed, last_login=self.at(8)
            )
        users["svc"] = fmt.okta_user(
            SERVICE, status="ACTIVE", created=self.at(900), status_changed=self.at(900),
            last_login=self.at(1, 3), federated=False,
        )  # fmt: skip
        return users

    def identities(self) -> None:
        """Okta before the week and at its end, factors, GitHub, AWS IAM, the HR roster."""
        before = (self.at(WEEK + 1, 6), self._okta_users(current=False))
        now = (self.at(1, 6), self._okta_users(current=True))
        for label, (taken, users) in {"before": before, "now": now}.items():
            hint = {"as_of": stamp(taken)}
            self._ingest(
                "okta", self._json("okta", f"users-{label}.json", list(users.values())), **hint
            )
            billing = [u for u in users.values() if u["status"] == "ACTIVE"]
            path = self._json("okta", f"group-Billing-Users-{label}.json", billing)
            self._ingest("okta", path, group="Billing-Users", **hint)
            path = self._json("okta", f"group-Prod-Deployers-{label}.json", [users["carol"]])
            self._ingest("okta", path, group="Prod-Deployers", **hint)
        latest = {"as_of": stamp(self.at(1, 6))}
        for p in self.staff:
            if p.key == "heidi":  # deprovisioned: Okta lists no factors
                continue
            factor = ("sms", "PENDING_ACTIVATION") if p.key == "dave" else ("push", "ACTIVE")
            if p.key == "carol":
                factor = ("webauthn", "ACTIVE")
            factors = [fmt.okta_factor(p, factor[0], status=factor[1], created=self.at(60))]
            self._ingest("okta", self._json("okta", f"factors-{p.key}.json", factors), **latest)
        roles = {"alice": "write", "bob": "write", "carol": "write", "erin": "write"}
        collaborators = [
            fmt.github_collaborator(self.people[k].github or k, 1001 + i, role)
            for i, (k, role) in enumerate(roles.items())
        ]
        path = self._json("github-org", "acme-billing-collaborators.json", collaborators)
        self._ingest("github-org", path, repo="acme/billing", **latest)
        report = self.scenario.write(
            "aws-iam", "credential-report.csv", fmt.credential_report(ACCOUNT, self.at(1, 6))
        )
        self._ingest("aws-iam", report, **latest)
        roster = self.scenario.write("hr", "workday-roster.csv", fmt.hr_roster(self.staff))
        self._ingest("hr-roster", roster, **latest)

    def grants(self) -> None:
        """Two short TEAM elevations and Grace's Jira access request."""
        requests = [
            fmt.team_request("7e1c0a52-demo-4d1e-9f10-000000000001", "alice@acme.example",
                             "carol@acme.example", account=ACCOUNT, start=self.at(5, 14),
                             hours=2, justification="INC-2211 reconcile a failed invoice run"),
            fmt.team_request("7e1c0a52-demo-4d1e-9f10-000000000002", "bob@acme.example",
                             "carol@acme.example", account=ACCOUNT, start=self.at(2, 10),
                             hours=1, justification="rotate the RDS master password"),
        ]  # fmt: skip
        self._ingest("aws-team", self._json("aws-team", "requests.json", {"items": requests}))
        issue = fmt.access_request(
            "ACC-31",
            requester="grace",
            approver="dave",
            resource="okta:Billing-Users",
            created=self.at(4, 9),
            summary="Billing-Users for Grace Hopper (new hire, billing team)",
        )
        self._ingest(
            "access-request", self._json("jira", "ACC-31.json", issue), **fmt.ACCESS_FIELDS
        )

    def secrets(self, commit: str) -> None:
        """Secrets Manager and Vault metadata; the repository's gitleaks report (clean)."""
        listing = {
            "SecretList": [
                logs.secrets_manager_entry(
                    "billing/production/db", account=ACCOUNT, environment="production",
                    created=self.at(400), rotated=self.at(20, 2), rotation_days=30,
                ),
                logs.secrets_manager_entry(
                    "billing/production/stripe-api-key", account=ACCOUNT,
                    environment="production", created=self.at(120, 6), rotated=None,
                    rotation_days=None,
                ),
            ]
        }  # fmt: skip
        as_of = stamp(self.at(1, 6))
        self._ingest(
            "aws-secrets", self._json("secrets", "list-secrets.json", listing), as_of=as_of
        )
        metadata = logs.vault_kv_metadata(
            "secret/billing/production/signing-key",
            environment="production",
            created=self.at(300),
            updated=self.at(40, 8),
        )
        self._ingest("vault-kv", self._json("secrets", "vault-signing-key.json", metadata))
        scan = self._json("gitleaks", f"gitleaks-{commit[:8]}.json", [])
        self._ingest("gitleaks", scan, repo="acme/billing", commit=commit, observed_at=as_of)

    # --- operations ------------------------------------------------------------------------------

    def audit_logs(self) -> None:
        """A CloudTrail file a day (but one), the Okta System Log, the Vault audit device."""
        gap = self.today - timedelta(days=CLOUDTRAIL_GAP)
        sign_ins = []
        vault = []
        for day in self.days():
            if day != gap:
                path = self._json("cloudtrail", f"{day.isoformat()}.json", logs.cloudtrail_day(day))
                self._ingest("cloudtrail", path)
            morning = datetime.combine(day, time(8, 30), UTC)
            sign_ins.append(logs.okta_sign_in("alice@acme.example", "Alice Liddell", morning))
            vault += logs.vault_kv_write(
                "secret/data/billing/staging/api", "alice@acme.example", morning
            )
        frank = self.people["frank"]
        sign_ins.append(logs.okta_sign_in(frank.email, frank.name, self.at(1, 10)))
        self._ingest("okta", self._json("okta", "system-log.json", sign_ins))
        lines = "\n".join(json.dumps(e, separators=(",", ":")) for e in vault) + "\n"
        self._ingest("vault-audit", self.scenario.write("vault", "audit.log", lines))

    def backups(self) -> None:
        """Nightly backups of the billing database, and a restore test that matches."""
        first = self.today - timedelta(days=WEEK + 1)
        nights = [first + timedelta(days=n) for n in range(WEEK + 1)]
        jobs = {"BackupJobs": [logs.backup_job(DATABASE, ACCOUNT, d) for d in nights]}
        self._ingest("aws-backup", self._json("aws-backup", "list-backup-jobs.json", jobs))
        test = logs.dr_test(
            system="billing",
            resource=DATABASE,
            recovery_point=logs.recovery_point(ACCOUNT, DATABASE, nights[-2]),
            at=self.at(2, 14),
            by="carol@acme.example",
        )
        self._ingest("dr-test", self._json("dr-test", "restore-billing-prod.json", test))

    # --- what people decide in soxtrail --------------------------------------------------------

    def decide(self) -> AccessOutcome:
        """Carol's SoD conflict waived by Dave; the quarter's access review, start to close."""
        s = self.scenario
        config, signer, origin = s.config, s.signer, s.config.origin
        waiver = request_waiver(
            s.db,
            control_id="AC-05",
            subject="author-and-deployer:carol@acme.example",
            reason="release manager until the platform team owns deployments; her own "
            "changes are reviewed by two engineers (CM-02) and deployed by the pipeline",
            expires_at=s.clock() + timedelta(days=90),
            requested_by="carol@acme.example",
            signer=signer,
            origin=origin,
            clock=s.clock,
        )
        decide_waiver(
            s.db,
            waiver.id,
            approve=True,
            approver="dave@acme.example",
            reason="accepted until the end of the quarter",
            identities=config.identities,
            signer=signer,
            origin=origin,
            clock=s.clock,
        )
        campaign = start_campaign(
            s.db,
            config,
            period=quarter_containing(s.clock()).label,
            system_name="billing",
            actor="dave@acme.example",
            signer=signer,
            clock=s.clock,
        )
        frank = self.people["frank"]
        for account in campaign.accounts:
            left = account.person == frank.email
            decide_account(
                s.db,
                config,
                campaign.id,
                account.account,
                decision="revoke" if left else "keep",
                reason=f"left the company on {frank.left}" if left else "needed for the role",
                reviewer=account.reviewer,
                signer=signer,
                clock=s.clock,
            )
        close_campaign(
            s.db, config, campaign.id, actor="dave@acme.example", signer=signer, clock=s.clock
        )
        return AccessOutcome(waiver=waiver.id, campaign=campaign.id)

    def run(self, commit: str) -> AccessOutcome:
        """Everything above, in the order a team's week produces it."""
        self.identities()
        self.grants()
        self.secrets(commit)
        self.audit_logs()
        self.backups()
        return self.decide()
