"""The source adapters by command-line name, imported only when used (fast CLI start)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from soxtrail.domain.errors import UsageError

if TYPE_CHECKING:
    from soxtrail.sources.base import Adapter

#: name -> "module:attribute" of an Adapter instance.
_ADAPTERS: dict[str, str] = {
    "access-request": "soxtrail.sources.access_requests:ADAPTER",
    "argocd": "soxtrail.sources.argocd:ADAPTER",
    "aws-backup": "soxtrail.sources.aws_backup:ADAPTER",
    "aws-iam": "soxtrail.sources.aws_iam:ADAPTER",
    "aws-secrets": "soxtrail.sources.aws_secrets:ADAPTER",
    "aws-team": "soxtrail.sources.aws_team:ADAPTER",
    "cloudtrail": "soxtrail.sources.cloudtrail:ADAPTER",
    "cyclonedx": "soxtrail.sources.cyclonedx:ADAPTER",
    "dr-test": "soxtrail.sources.dr_test:ADAPTER",
    "github": "soxtrail.sources.github:ADAPTER",
    "gitleaks": "soxtrail.sources.gitleaks:ADAPTER",
    "github-audit": "soxtrail.sources.github_audit:ADAPTER",
    "github-audit-csv": "soxtrail.sources.github_audit_csv:ADAPTER",
    "github-org": "soxtrail.sources.github_org:ADAPTER",
    "gitlab": "soxtrail.sources.gitlab:ADAPTER",
    "hr-roster": "soxtrail.sources.hr_roster:ADAPTER",
    "intoto": "soxtrail.sources.intoto:ADAPTER",
    "jira": "soxtrail.sources.jira:ADAPTER",
    "junit": "soxtrail.sources.junit:ADAPTER",
    "k8s-audit": "soxtrail.sources.k8s_audit:ADAPTER",
    "k8s-snapshot": "soxtrail.sources.k8s_snapshot:ADAPTER",
    "okta": "soxtrail.sources.okta:ADAPTER",
    "sarif": "soxtrail.sources.sarif:ADAPTER",
    "servicenow": "soxtrail.sources.servicenow:ADAPTER",
    "terraform-apply": "soxtrail.sources.terraform_apply:ADAPTER",
    "terraform-plan": "soxtrail.sources.terraform:ADAPTER",
    "vault-audit": "soxtrail.sources.vault_audit:ADAPTER",
    "vault-kv": "soxtrail.sources.vault_kv:ADAPTER",
}


def register(name: str, target: str) -> None:
    """Make an adapter available under `name` (used by tests and plug-ins)."""
    _ADAPTERS[name] = target


def names() -> list[str]:
    """Every registered source name, sorted."""
    return sorted(_ADAPTERS)


def get_adapter(name: str) -> Adapter:
    """The adapter called `name`.

    Raises:
        UsageError: no such source.
    """
    target = _ADAPTERS.get(name)
    if target is None:
        known = ", ".join(names()) or "none"
        raise UsageError(f"unknown source {name!r} (known: {known}, auto)")
    module_name, _, attribute = target.partition(":")
    adapter: Adapter = getattr(importlib.import_module(module_name), attribute)
    return adapter


def all_adapters() -> list[Adapter]:
    """Every adapter, for `ingest auto`."""
    return [get_adapter(name) for name in names()]
