from pathlib import Path

import pytest

from soxtrail.config import load_config
from soxtrail.domain.access_scope import MembershipPattern, MembershipPatterns, PatternError
from soxtrail.domain.errors import ConfigError


@pytest.mark.parametrize(
    ("pattern", "membership", "expected"),
    [
        ("okta:Billing-*", ("okta", "Billing-Admins", None), True),
        ("okta:Billing-*", ("okta", "Payroll-Admins", None), False),
        ("okta:Billing-*", ("github", "Billing-Admins", None), False),
        ("github:acme/billing:admin", ("github", "acme/billing", "admin"), True),
        ("github:acme/billing:admin", ("github", "acme/billing", "write"), False),
        ("github:acme/billing:admin", ("github", "acme/billing", None), False),
        ("github:ACME/Billing", ("GitHub", "acme/billing", "read"), True),
        ("aws-iam:*:AdministratorAccess", ("aws-iam", "123456789012", "AdministratorAccess"), True),
        pytest.param(
            "aws-iam:123456789012:arn:aws:sso:::permissionSet/*/ps-0a1b",
            ("aws-iam", "123456789012", "arn:aws:sso:::permissionSet/ssoins-1/ps-0a1b"),
            True,
            id="role-by-arn",
        ),
    ],
)
def test_a_pattern_matches_provider_group_and_role(
    pattern: str, membership: tuple[str, str, str | None], expected: bool
) -> None:
    assert MembershipPattern.parse(pattern).matches(*membership) is expected


@pytest.mark.parametrize(
    "text", ["okta", "okta:", ":group", "a:b:c:d", "okta: :admin", "aws-iam:1:role:arn:x"]
)
def test_a_malformed_pattern_is_refused(text: str) -> None:
    with pytest.raises(PatternError, match="provider:group"):
        MembershipPattern.parse(text)


def test_any_pattern_of_a_list_matches() -> None:
    patterns = MembershipPatterns.parse(["okta:Billing-*", "github:acme/billing"])
    assert patterns.matches("github", "acme/billing", "maintain")
    assert not patterns.matches("github", "acme/payroll", "maintain")
    assert not MembershipPatterns()


CONFIG = """
[access]
service_accounts = ["svc-*"]

[[access.sod]]
name = "author-and-deployer"
first = ["github:acme/billing:write"]
second = ["argocd:production:*"]

[hr.columns]
person = "Employee ID"

[[systems]]
name = "billing"
repos = ["acme/billing"]
owner = "carol@acme.example"
access = ["okta:Billing-*", "github:acme/billing"]
privileged = ["github:acme/billing:admin"]
"""


def test_the_configuration_carries_access_scope_and_sod_rules(tmp_path: Path) -> None:
    path = tmp_path / "soxtrail.toml"
    path.write_text(CONFIG)
    config = load_config(path, explicit=True)
    billing = config.system("billing")
    assert billing.owner == "carol@acme.example"
    assert billing.access.matches("okta", "Billing-Users", None)
    assert billing.privileged.matches("github", "acme/billing", "admin")
    assert not billing.privileged.matches("github", "acme/billing", "write")
    (rule,) = config.sod_rules
    assert rule.name == "author-and-deployer"
    assert rule.first.matches("github", "acme/billing", "write")
    assert config.model.hr.columns == {"person": "Employee ID"}


def test_a_bad_access_pattern_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "soxtrail.toml"
    path.write_text(
        CONFIG.replace('privileged = ["github:acme/billing:admin"]', 'privileged = ["admin"]')
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, explicit=True)
    assert info.value.key == "systems[0].privileged"
    assert "provider:group[:role]" in info.value.problem
