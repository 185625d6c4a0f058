"""In-scope systems and the people behind the many spellings of an actor."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from soxtrail.domain.access_scope import MembershipPatterns
from soxtrail.domain.globs import PathGlobs


@dataclass(frozen=True, slots=True)
class System:
    """An in-scope application: its repositories, environments and financial paths."""

    name: str
    repos: tuple[str, ...]
    protected_branches: tuple[str, ...] = ("main",)
    production_environments: tuple[str, ...] = ("production",)
    financial_paths: PathGlobs = field(default_factory=lambda: PathGlobs.compile(()))
    require_signed_commits: bool = False
    #: ARN globs of the resources whose backups OP-02 checks (`*` matches anything).
    backup_resources: tuple[str, ...] = ()
    owner: str | None = None
    access: MembershipPatterns = field(default_factory=MembershipPatterns)
    privileged: MembershipPatterns = field(default_factory=MembershipPatterns)

    def owns_repo(self, repo: str) -> bool:
        """Whether `repo` (owner/name, compared case-insensitively) belongs to this system."""
        wanted = repo.lower()
        return any(r.lower() == wanted for r in self.repos)

    def is_production(self, environment: str) -> bool:
        """Whether `environment` is one of this system's production environments."""
        return environment.lower() in (e.lower() for e in self.production_environments)

    def touches_financial_path(self, paths: Iterable[str]) -> bool:
        """Whether any of `paths` matches a financial path glob."""
        return any(self.financial_paths.matches(p) for p in paths)


_NAME_EMAIL = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^>]+)>\s*$")


@dataclass(frozen=True, slots=True)
class Identities:
    """One person, many spellings across tools (`[identities]` in the configuration).

    `person_of("alice-acme")`, `person_of("Alice Liddell <alice@acme.example>")` and
    `person_of("ALICE@acme.example")` all give `alice@acme.example` when so configured.
    An unmapped spelling stands for itself (lower-cased): two unmapped spellings are
    two people, which errs on the side of a control finding a violation, never hiding one.
    """

    aliases: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, people: Mapping[str, Iterable[str]]) -> Identities:
        """Build from `{person: [alias, ...]}`; each person is also an alias of themself."""
        aliases: dict[str, str] = {}
        for person, spellings in people.items():
            canonical = person.strip().lower()
            for alias in (person, *spellings):
                aliases[alias.strip().lower()] = canonical
        return cls(aliases)

    def person_of(self, spelling: str | None) -> str | None:
        """The canonical person for a login, email, `Name <email>` or display name."""
        if spelling is None or not spelling.strip():
            return None
        key = spelling.strip().lower()
        if key in self.aliases:
            return self.aliases[key]
        if match := _NAME_EMAIL.match(spelling):
            for part in (match["email"], match["name"]):
                mapped = self.aliases.get(part.strip().lower())
                if mapped:
                    return mapped
            return match["email"].strip().lower()
        return key
