"""GitHub organisation access: members, memberships, teams, collaborators (REST API v3).

GitHub's REST responses do not say which endpoint they answer, and most do not name the
organisation, team or repository they list. The adapter infers the endpoint from the shape of
the elements and from the hints `kind`, `org`, `team`, `repo` (and `role`, `filter`), which
the ingest passes (e.g. from the file's location or the command line). Shapes, as documented
in the GitHub REST API reference (docs.github.com/rest, "Organization members", "Outside
collaborators", "Team members", "Collaborators"):

- membership objects (`state`, `role`, `organization`, `user`), from
  `GET /orgs/{org}/memberships/{username}` or `GET /user/memberships/orgs` (kind
  `memberships`): identity + membership of the organisation, role admin, member or
  billing_manager, state active or pending;
- team membership objects (`state`, `role`, `url` .../teams/{id}/memberships/{user}), from
  `GET /orgs/{org}/teams/{slug}/memberships/{username}` (kind `team-memberships`):
  membership of the team (the `team` hint, else `team:<id>`);
- users with `permissions` or `role_name`, from `GET /repos/{owner}/{repo}/collaborators`
  (kind `collaborators`): identity + membership of the repository named by the `repo` hint;
  role = `role_name`, else the highest permission (admin, maintain, write, triage, read);
- simple users (`login`, `id`, `type`): by default `GET /orgs/{org}/members` (kind
  `members`): identity + membership of the organisation named by the `org` hint, role = the
  `role` hint (for `?role=admin` lists); with kind `outside-collaborators`
  (`GET /orgs/{org}/outside_collaborators`) the role is `outside_collaborator`; with kind
  `team-members` (`GET /orgs/{org}/teams/{slug}/members`) the group is the team;
- teams (`slug`, `privacy`, `members_url`), from `GET /orgs/{org}/teams`: no records (teams
  carry no members; the document is ignored);
- the organisation (`login`, `id`, and `type` Organization or
  `two_factor_requirement_enabled`), from `GET /orgs/{org}`: one identity with
  `account_type` Organization and `mfa_required` = `two_factor_requirement_enabled`
  (GitHub returns it only to owners; absent: None). The services treat the members of an
  organisation that requires 2FA as enrolled (GitHub removes members without it), unless a
  `filter=2fa_disabled` list as new as the organisation document names them.

Groups are spelled `acme` (organisation), `@acme/platform` (team) and `acme/billing`
(repository). With the hint `filter=2fa_disabled` (the `?filter=2fa_disabled` member list)
identities get `mfa_enrolled=False`; otherwise MFA is unknown (None). Every identity is
`active` (the API lists existing accounts); `site_admin` users get the role `site_admin`.
When the hint that names the group is missing, the identities are still recorded and the
document reports that its memberships were not. These payloads carry no time: records are
dated by the `as_of` hint, else the Unix epoch ("time unknown", see `snapshots`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from soxtrail.domain.access_facts import ORGANIZATION, IdentityFacts, MembershipFacts
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.reader import Node
from soxtrail.sources.snapshots import observed_at, snapshot_time

SOURCE = "github-org"
PROVIDER = "github"
KINDS = (
    "members",
    "outside-collaborators",
    "team-members",
    "collaborators",
    "memberships",
    "team-memberships",
    "teams",
    "organization",
)
_PERMISSION_ROLES = (
    ("admin", "admin"),
    ("maintain", "maintain"),
    ("push", "write"),
    ("triage", "triage"),
    ("pull", "read"),
)
_TEAM_URL = re.compile(r"/teams?/(?P<team>[^/]+)/memberships/(?P<user>[^/?#]+)")


def _is_organization(value: dict[str, Any]) -> bool:
    return value.get("type") == "Organization" or "two_factor_requirement_enabled" in value


def _shape(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    if "login" in value and "id" in value and _is_organization(value):
        return "organization"
    if "state" in value and "role" in value:
        if isinstance(value.get("organization"), dict) or isinstance(value.get("user"), dict):
            return "memberships"
        if isinstance(value.get("url"), str) and "/memberships/" in value["url"]:
            return "team-memberships"
    if "slug" in value and ("members_url" in value or "privacy" in value):
        return "teams"
    if "login" in value and "id" in value:
        if "permissions" in value or "role_name" in value:
            return "collaborators"
        return "members"
    return None


class GithubOrgAdapter:
    """GitHub organisation members, memberships, teams and collaborators."""

    name = SOURCE
    framing = "json"
    media_type = "application/json"
    suffixes = (".json",)

    def detect(self, doc: Document, data: Any) -> bool:
        first = data[0] if isinstance(data, list) and data else data
        shape = _shape(first)
        if shape in ("members", "collaborators"):
            return "node_id" in first and "type" in first
        if shape == "organization":
            return "node_id" in first
        return shape is not None

    def parse(self, doc: Document, data: Any) -> Parsed:
        root = Node(data, doc)
        nodes = list(root.items()) if isinstance(data, list) else [root]
        if not nodes:
            return Parsed(ignored="an empty list")
        hinted = doc.hints.get("kind")
        if hinted is not None and hinted not in KINDS:
            raise doc.error("", f"unknown kind hint {hinted!r} (known: {', '.join(KINDS)})")
        context = _Context(doc)
        records: list[Evidence] = []
        missing: set[str] = set()
        for node in nodes:
            shape = _shape(node.value)
            if shape is None:
                raise node.error(
                    "not a GitHub user, membership, team or collaborator object "
                    "(expected login and id, or state and role, or slug)"
                )
            kind = hinted if hinted is not None and shape == "members" else shape
            if kind == "teams":
                continue
            found, lacking = context.records(node, kind)
            records.extend(found)
            if lacking:
                missing.add(lacking)
        if not records:
            return Parsed(ignored="GitHub teams carry no members (list each team's members)")
        note = None
        if missing:
            note = "memberships not recorded: " + "; ".join(sorted(missing))
        return Parsed(records=tuple(records), ignored=note)


class _Context:
    """What the hints say about the listed group, and the snapshot time."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.org = doc.hints.get("org")
        self.team = doc.hints.get("team")
        self.repo = doc.hints.get("repo")
        self.role = doc.hints.get("role")
        self.mfa_disabled = doc.hints.get("filter") == "2fa_disabled"
        self.observed = observed_at(doc)

    def team_group(self, team_id: str | None = None) -> str | None:
        team = self.team
        if team:
            if team.startswith("@"):
                return team
            return f"@{team}" if "/" in team or not self.org else f"@{self.org}/{team}"
        return f"team:{team_id}" if team_id else None

    def records(self, node: Node, kind: str) -> tuple[list[Evidence], str | None]:
        """The records of one element, and what hint was missing to record its membership."""
        if kind == "memberships":
            user = node.obj("user")
            organization = node.obj("organization")
            identity = self.identity(user)
            org = organization.req_str("login")
            return [
                identity,
                self.membership(
                    node, user=user, group=org, group_kind="organization", membership=node
                ),
            ], None
        if kind == "team-memberships":
            url = node.req_str("url")
            match = _TEAM_URL.search(url)
            if match is None:
                raise node.error("expected a .../teams/{id}/memberships/{user} url", "url")
            group = self.team_group(match["team"])
            member = match["user"]
            record = self.membership(
                node,
                user=None,
                group=group or "",
                group_kind="team",
                membership=node,
                member=member,
            )
            return [record], None
        if kind == "organization":
            return [self.organization(node)], None
        identity = self.identity(node)
        if kind == "collaborators":
            if not self.repo:
                return [identity], "collaborators need the `repo` hint (owner/name)"
            record = self.membership(
                node, user=node, group=self.repo, group_kind="repository", membership=None
            )
            return [identity, record], None
        if kind == "team-members":
            group = self.team_group()
            if group is None:
                return [identity], "team members need the `team` hint"
            record = self.membership(
                node, user=node, group=group, group_kind="team", membership=None
            )
            return [identity, record], None
        if not self.org:
            return [identity], "organisation members need the `org` hint"
        record = self.membership(
            node, user=node, group=self.org, group_kind="organization", membership=None, kind=kind
        )
        return [identity, record], None

    def _scope(self, group: str, group_kind: str) -> str | None:
        """The organisation a team or repository belongs to (None for an organisation)."""
        if group_kind == "organization":
            return None
        if group_kind == "repository" and "/" in group:
            return group.split("/", 1)[0]
        return self.org

    def when(self, *instants: datetime | None) -> datetime:
        return snapshot_time(self.observed, *instants)

    def identity(self, user: Node) -> Evidence:
        account_id = user.req_id("id")
        login = user.req_str("login")
        created = user.opt_instant("created_at")
        updated = user.opt_instant("updated_at")
        return Evidence(
            kind=Kind.IDENTITY,
            source=SOURCE,
            occurred_at=self.when(created, updated),
            subject=f"{PROVIDER}:{account_id}",
            facts=IdentityFacts(
                provider=PROVIDER,
                account_id=account_id,
                login=login,
                email=user.opt_str("email"),
                display_name=user.opt_str("name"),
                status="active",
                account_type=user.opt_str("type"),
                roles=("site_admin",) if user.opt_bool("site_admin") else (),
                mfa_enrolled=False if self.mfa_disabled else None,
                created_at=created,
                observed_at=self.observed,
            ),
            links=(("account", login),),
            locator=user.pointer,
        )

    def organization(self, org: Node) -> Evidence:
        """`GET /orgs/{org}`: the organisation and whether it requires 2FA of its members."""
        account_id = org.req_id("id")
        login = org.req_str("login")
        updated = org.opt_instant("updated_at")
        return Evidence(
            kind=Kind.IDENTITY,
            source=SOURCE,
            occurred_at=self.when(org.opt_instant("created_at"), updated),
            subject=f"{PROVIDER}:{account_id}",
            facts=IdentityFacts(
                provider=PROVIDER,
                account_id=account_id,
                login=login,
                display_name=org.opt_str("name"),
                account_type=ORGANIZATION,
                mfa_required=org.opt_bool("two_factor_requirement_enabled"),
                created_at=org.opt_instant("created_at"),
                observed_at=self.observed,
            ),
            links=(("account", login),),
            locator=org.pointer,
        )

    def membership(
        self,
        node: Node,
        *,
        user: Node | None,
        group: str,
        group_kind: str,
        membership: Node | None,
        kind: str = "",
        member: str | None = None,
    ) -> Evidence:
        login = user.req_str("login") if user is not None else member or ""
        member_id = user.req_id("id") if user is not None else None
        role: str | None
        permissions: tuple[str, ...] = ()
        if membership is not None:
            role = membership.req_str("role")
        elif group_kind == "repository":
            role, permissions = _collaborator_role(node)
        elif kind == "outside-collaborators":
            role = "outside_collaborator"
        else:
            role = self.role
        return Evidence(
            kind=Kind.MEMBERSHIP,
            source=SOURCE,
            occurred_at=self.when(),
            subject=f"{PROVIDER}:{group}:{login}",
            repo=group if group_kind == "repository" else None,
            facts=MembershipFacts(
                provider=PROVIDER,
                group=group,
                member=login,
                role=role,
                group_kind=group_kind,
                member_id=member_id,
                member_type=(user.opt_str("type") or "User").lower() if user else "user",
                scope=self._scope(group, group_kind),
                state=membership.opt_str("state") if membership is not None else None,
                permissions=permissions,
                observed_at=self.observed,
            ),
            links=(("account", login),),
            locator=node.pointer,
        )


def _collaborator_role(node: Node) -> tuple[str | None, tuple[str, ...]]:
    permissions = node.opt_obj("permissions")
    granted = (
        [key for key in permissions.value if permissions.opt_bool(key)]
        if permissions is not None
        else []
    )
    role = node.opt_str("role_name")
    if role is None:
        role = next((name for key, name in _PERMISSION_ROLES if key in granted), None)
    return role, tuple(sorted(granted))


ADAPTER = GithubOrgAdapter()
