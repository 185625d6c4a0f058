"""The GitHub organisation adapter: members, memberships, teams and collaborators.

No corpus file exists for these REST responses: every fixture in `tests/fixtures/github-org/`
is BUILT from the GitHub REST API reference (see the README there). The endpoint is not in
the payload, so each case names the hints it is read with.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document
from soxtrail.sources.framing import InputSource, frame
from soxtrail.sources.github_org import ADAPTER
from tests.helpers import FIXTURES, corpus, parse_file, records_of

FIX = FIXTURES / "github-org"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def memberships(records: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (
            r.subject,
            r.facts.group,
            r.facts.group_kind,
            r.facts.member,
            r.facts.role,
            r.facts.state,
            r.facts.permissions,
            r.facts.scope,
        )
        for r in records
        if r.kind is Kind.MEMBERSHIP
    ]


def identities(records: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (r.subject, r.facts.login, r.facts.account_type, r.facts.roles, r.facts.mfa_enrolled)
        for r in records
        if r.kind is Kind.IDENTITY
    ]


CASES = [
    pytest.param(
        "org_members.json",
        {"org": "github"},
        [
            ("github:1", "octocat", "User", (), None),
            ("github:2", "hubot", "User", ("site_admin",), None),
            ("github:41898282", "acme-release[bot]", "Bot", (), None),
        ],
        [
            ("github:github:octocat", "github", "organization", "octocat", None, None, (), None),
            ("github:github:hubot", "github", "organization", "hubot", None, None, (), None),
            (
                "github:github:acme-release[bot]",
                "github",
                "organization",
                "acme-release[bot]",
                None,
                None,
                (),
                None,
            ),
        ],
        None,
        id="org-members",
    ),
    pytest.param(
        "org_members.json",
        {"org": "github", "role": "admin", "filter": "2fa_disabled"},
        [
            ("github:1", "octocat", "User", (), False),
            ("github:2", "hubot", "User", ("site_admin",), False),
            ("github:41898282", "acme-release[bot]", "Bot", (), False),
        ],
        [
            ("github:github:octocat", "github", "organization", "octocat", "admin", None, (), None),
            ("github:github:hubot", "github", "organization", "hubot", "admin", None, (), None),
            (
                "github:github:acme-release[bot]",
                "github",
                "organization",
                "acme-release[bot]",
                "admin",
                None,
                (),
                None,
            ),
        ],
        None,
        id="admins-without-2fa",
    ),
    pytest.param(
        "org_members.json",
        {},
        [
            ("github:1", "octocat", "User", (), None),
            ("github:2", "hubot", "User", ("site_admin",), None),
            ("github:41898282", "acme-release[bot]", "Bot", (), None),
        ],
        [],
        "memberships not recorded: organisation members need the `org` hint",
        id="members-without-org-hint",
    ),
    pytest.param(
        "outside_collaborators.json",
        {"kind": "outside-collaborators", "org": "github"},
        [("github:583231", "contractor-carl", "User", (), None)],
        [
            (
                "github:github:contractor-carl",
                "github",
                "organization",
                "contractor-carl",
                "outside_collaborator",
                None,
                (),
                None,
            )
        ],
        None,
        id="outside-collaborators",
    ),
    pytest.param(
        "org_membership.json",
        {},
        [("github:1", "octocat", "User", (), None)],
        [
            (
                "github:github:octocat",
                "github",
                "organization",
                "octocat",
                "admin",
                "active",
                (),
                None,
            )
        ],
        None,
        id="org-membership",
    ),
    pytest.param(
        "org_memberships_list.json",
        {},
        [
            ("github:1", "octocat", "User", (), None),
            ("github:77", "newbie", "User", (), None),
            ("github:2", "hubot", "User", ("site_admin",), None),
        ],
        [
            (
                "github:github:octocat",
                "github",
                "organization",
                "octocat",
                "admin",
                "active",
                (),
                None,
            ),
            (
                "github:github:newbie",
                "github",
                "organization",
                "newbie",
                "member",
                "pending",
                (),
                None,
            ),
            (
                "github:github:hubot",
                "github",
                "organization",
                "hubot",
                "billing_manager",
                "active",
                (),
                None,
            ),
        ],
        None,
        id="membership-list",
    ),
    pytest.param(
        "team_membership.json",
        {"org": "github", "team": "justice-league"},
        [],
        [
            (
                "github:@github/justice-league:octocat",
                "@github/justice-league",
                "team",
                "octocat",
                "maintainer",
                "active",
                (),
                "github",
            )
        ],
        None,
        id="team-membership",
    ),
    pytest.param(
        "team_membership.json",
        {},
        [],
        [("github:team:1:octocat", "team:1", "team", "octocat", "maintainer", "active", (), None)],
        None,
        id="team-membership-without-hints",
    ),
    pytest.param(
        "team_members.json",
        {"kind": "team-members", "team": "github/justice-league"},
        [
            ("github:1", "octocat", "User", (), None),
            ("github:2", "hubot", "User", ("site_admin",), None),
        ],
        [
            (
                "github:@github/justice-league:octocat",
                "@github/justice-league",
                "team",
                "octocat",
                None,
                None,
                (),
                None,
            ),
            (
                "github:@github/justice-league:hubot",
                "@github/justice-league",
                "team",
                "hubot",
                None,
                None,
                (),
                None,
            ),
        ],
        None,
        id="team-members",
    ),
    pytest.param(
        "repo_collaborators.json",
        {"repo": "github/hello-world"},
        [
            ("github:1", "octocat", "User", (), None),
            ("github:2", "hubot", "User", ("site_admin",), None),
            ("github:583231", "contractor-carl", "User", (), None),
        ],
        [
            (
                "github:github/hello-world:octocat",
                "github/hello-world",
                "repository",
                "octocat",
                "admin",
                None,
                ("admin", "maintain", "pull", "push", "triage"),
                "github",
            ),
            (
                "github:github/hello-world:hubot",
                "github/hello-world",
                "repository",
                "hubot",
                "write",  # no role_name: the highest permission, push, is write
                None,
                ("pull", "push", "triage"),
                "github",
            ),
            (
                "github:github/hello-world:contractor-carl",
                "github/hello-world",
                "repository",
                "contractor-carl",
                "read",
                None,
                ("pull",),
                "github",
            ),
        ],
        None,
        id="repo-collaborators",
    ),
]


@pytest.mark.parametrize(("name", "hints", "expected_ids", "expected_members", "note"), CASES)
def test_fixtures(
    name: str,
    hints: dict[str, str],
    expected_ids: list[tuple[Any, ...]],
    expected_members: list[tuple[Any, ...]],
    note: str | None,
) -> None:
    (parsed,) = parse_file(ADAPTER, FIX / name, hints)
    records = list(parsed.records)
    assert identities(records) == expected_ids
    assert memberships(records) == expected_members
    assert parsed.ignored == note
    assert {r.source for r in records} == {"github-org"}
    assert {r.facts.provider for r in records} == {"github"}
    assert {r.occurred_at for r in records} == {EPOCH}  # no time in these payloads


def test_identity_fields_and_links() -> None:
    records = records_of(ADAPTER, FIX / "org_membership.json")
    identity, membership = records
    assert identity.facts.status == "active"
    assert identity.facts.account_id == "1"
    assert identity.links == (("account", "octocat"),)
    assert identity.locator == "/user"
    assert membership.facts.member_id == "1"
    assert membership.locator == ""


def test_collaborator_membership_names_the_repo() -> None:
    records = records_of(ADAPTER, FIX / "repo_collaborators.json", {"repo": "github/hello-world"})
    assert {r.repo for r in records if r.kind is Kind.MEMBERSHIP} == {"github/hello-world"}


def test_as_of_hint() -> None:
    records = records_of(
        ADAPTER, FIX / "org_members.json", {"org": "github", "as_of": "2024-07-01"}
    )
    assert {r.occurred_at for r in records} == {datetime(2024, 7, 1, tzinfo=UTC)}


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        pytest.param(True, True, id="required"),
        pytest.param(False, False, id="not-required"),
        pytest.param(None, None, id="not-shown"),  # only owners see the field
    ],
)
def test_organization_says_whether_it_requires_2fa(
    tmp_path: Path, requirement: bool | None, expected: bool | None
) -> None:
    data = json.loads((FIX / "org.json").read_text())
    if requirement is None:
        del data["two_factor_requirement_enabled"]
    else:
        data["two_factor_requirement_enabled"] = requirement
    path = tmp_path / "org.json"
    path.write_text(json.dumps(data))
    (org,) = records_of(ADAPTER, path, {"as_of": "2024-07-01"})
    facts = org.facts
    assert (org.kind, org.subject, org.locator) == (Kind.IDENTITY, "github:9919", "")
    assert (facts.login, facts.account_type, facts.status) == ("github", "Organization", None)
    assert facts.mfa_required is expected
    assert facts.mfa_enrolled is None
    assert facts.observed_at == datetime(2024, 7, 1, tzinfo=UTC)


def test_teams_are_ignored() -> None:
    (parsed,) = parse_file(ADAPTER, FIX / "teams.json")
    assert parsed.records == ()
    assert parsed.ignored == "GitHub teams carry no members (list each team's members)"


def test_collaborators_without_repo_hint() -> None:
    (parsed,) = parse_file(ADAPTER, FIX / "repo_collaborators.json")
    assert memberships(list(parsed.records)) == []
    assert parsed.ignored == (
        "memberships not recorded: collaborators need the `repo` hint (owner/name)"
    )


# --- malformed ---------------------------------------------------------------------------


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "github.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("name", "mutate", "position", "problem"),
    [
        pytest.param(
            "org_members.json",
            lambda d: d[1].__setitem__("login", None),
            "/1/login",
            "required value is null",
            id="user-with-null-login",
        ),
        pytest.param(
            "org_members.json",
            lambda d: d[0].__setitem__("id", 1.5),
            "/0/id",
            "expected an id (string or integer), got number 1.5",
            id="id-not-integer",
        ),
        pytest.param(
            "org_membership.json",
            lambda d: d.__setitem__("role", ["admin"]),
            "/role",
            "expected a string, got array",
            id="role-not-string",
        ),
        pytest.param(
            "org_membership.json",
            lambda d: d["organization"].pop("login"),
            "/organization/login",
            "missing required key",
            id="organization-without-login",
        ),
        pytest.param(
            "team_membership.json",
            lambda d: d.__setitem__("url", "https://api.github.com/memberships/octocat"),
            "/url",
            "expected a .../teams/{id}/memberships/{user} url",
            id="team-membership-url",
        ),
        pytest.param(
            "repo_collaborators.json",
            lambda d: d[0]["permissions"].__setitem__("admin", "yes"),
            "/0/permissions/admin",
            'expected a boolean, got string "yes"',
            id="permission-not-boolean",
        ),
    ],
)
def test_malformed(tmp_path: Path, name: str, mutate: Any, position: str, problem: str) -> None:
    data = json.loads((FIX / name).read_text())
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path, {"org": "github", "repo": "github/hello-world"})
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_unknown_kind_hint() -> None:
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, FIX / "org_members.json", {"kind": "admins"})
    assert caught.value.problem.startswith("unknown kind hint 'admins' (known: members, ")


def test_wrong_source() -> None:
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, corpus("github-webhooks/push/push-to-master.payload.json"))
    assert caught.value.position == ""
    assert caught.value.problem.startswith("not a GitHub user, membership, team")


# --- detect ------------------------------------------------------------------------------


def _first(path: Path) -> tuple[Document, Any]:
    framed = next(iter(frame(InputSource(str(path)), "json")))
    return framed.doc, framed.data


@pytest.mark.parametrize("name", sorted(p.name for p in FIX.glob("*.json")))
def test_detect_accepts(name: str) -> None:
    assert ADAPTER.detect(*_first(FIX / name))


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(FIXTURES / "okta/users_list.json", id="okta-users"),
        pytest.param(corpus("github-webhooks/push/push-to-master.payload.json"), id="webhook"),
        pytest.param(corpus("github-webhooks/pull_request/opened.payload.json"), id="webhook-pr"),
        pytest.param(corpus("aws-cloudtrail/stratus-red-team/cloudtrail-stop.json"), id="trail"),
        pytest.param(FIXTURES / "github-audit/audit_log_api.json", id="github-audit"),
    ],
)
def test_detect_rejects(path: Path) -> None:
    assert not ADAPTER.detect(*_first(path))
