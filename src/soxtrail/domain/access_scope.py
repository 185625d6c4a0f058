"""Which memberships give access to a system, and which of them are privileged.

A system's `access` and `privileged` settings, and each side of a segregation-of-duties rule,
are lists of membership patterns `provider:group[:role]`:

- `okta:Billing-*`: any Okta group whose name starts with `Billing-`, any role;
- `github:acme/billing:admin`: the admin role on the GitHub repository `acme/billing`;
- `aws-iam:*:AdministratorAccess`: that permission set (or policy) in any AWS account;
- `aws-iam:111122223333:arn:aws:sso:::permissionSet/*/ps-0a1b2c3d4e5f6a7b`: a permission
  set by its ARN (a role part starting with `arn:` keeps its colons).

Each part is a shell-style glob compared case-insensitively (`fnmatch`). An omitted role
matches every role, including none. Pure code: the services match stored memberships.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase


class PatternError(ValueError):
    """A membership pattern that is not `provider:group[:role]`."""


@dataclass(frozen=True, slots=True)
class MembershipPattern:
    """One `provider:group[:role]` pattern, compiled."""

    provider: str
    group: str
    role: str | None = None

    @classmethod
    def parse(cls, text: str) -> MembershipPattern:
        """Parse `provider:group[:role]`; the role may be an ARN (`arn:aws:sso:::...`).

        Raises:
            PatternError: fewer than two or more than three parts, or an empty part.
        """
        parts = text.split(":")
        if len(parts) > 3 and parts[2].strip().lower() == "arn":  # a role named by its ARN
            parts = [*parts[:2], ":".join(parts[2:])]
        if len(parts) not in (2, 3) or any(not p.strip() for p in parts):
            raise PatternError(
                f"{text!r} is not provider:group[:role] (for example okta:Billing-* or "
                "github:acme/billing:admin)"
            )
        provider, group = parts[0].strip().lower(), parts[1].strip().lower()
        role = parts[2].strip().lower() if len(parts) == 3 else None
        return cls(provider, group, role)

    def matches(self, provider: str, group: str, role: str | None) -> bool:
        """Whether a membership of `provider`/`group` with `role` falls under this pattern."""
        if not fnmatchcase(provider.lower(), self.provider):
            return False
        if not fnmatchcase(group.lower(), self.group):
            return False
        if self.role is None:
            return True
        return role is not None and fnmatchcase(role.lower(), self.role)

    def __str__(self) -> str:
        return f"{self.provider}:{self.group}" + (f":{self.role}" if self.role else "")


@dataclass(frozen=True, slots=True)
class MembershipPatterns:
    """A list of patterns; a membership matches when any pattern does."""

    patterns: tuple[MembershipPattern, ...] = ()

    @classmethod
    def parse(cls, texts: Iterable[str]) -> MembershipPatterns:
        """Parse every pattern (PatternError on the first bad one)."""
        return cls(tuple(MembershipPattern.parse(t) for t in texts))

    def matches(self, provider: str, group: str, role: str | None) -> bool:
        return any(p.matches(provider, group, role) for p in self.patterns)

    def __bool__(self) -> bool:
        return bool(self.patterns)


@dataclass(frozen=True, slots=True)
class SodRule:
    """Two roles one person must not hold together (AC-05)."""

    name: str
    first: MembershipPatterns
    second: MembershipPatterns
    description: str = ""
