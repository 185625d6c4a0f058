"""Repository protection events: `branch_protection_rule` and `repository_ruleset`.

Each event is one repo protection record: the rule's settings as of the event and, for
`edited`, GitHub's `changes` (`{"field": {"from": old value}}`) verbatim, so a weakening
(CM-12) is visible. `settings` holds the tool's own fields verbatim plus these normalised
keys, the same for both kinds, so that a policy reads one vocabulary (branch protection
rule / ruleset):

- `enforced`: a rule is always enforced; a ruleset when `enforcement` is `active`;
- `requires_pull_request`: `pull_request_reviews_enforcement_level` is not `off` / a
  `pull_request` rule exists;
- `required_approving_review_count`, `dismiss_stale_reviews_on_push`,
  `require_code_owner_review`, `require_last_push_approval`: as the rule gives them / the
  `pull_request` rule's parameters (0 or false without one);
- `requires_status_checks`: `required_status_checks_enforcement_level` is not `off` / a
  `required_status_checks` rule exists; `required_status_checks`: the check names (contexts);
- `allow_force_pushes`: `allow_force_pushes_enforcement_level` is not `off` / no
  `non_fast_forward` rule;
- `allow_deletions`: `allow_deletions_enforcement_level` is not `off` / no `deletion` rule;
- `enforce_admins`: `admin_enforced` / the ruleset has no bypass actors at all;
- `required_signatures`, `required_linear_history`: their enforcement level is not `off` / a
  `required_signatures`, `required_linear_history` rule exists.

Follows GitHub's "Webhook events and payloads" (branch_protection_rule, repository_ruleset).
"""

from __future__ import annotations

from typing import Any

from soxtrail.domain.facts import RepoProtectionFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Parsed
from soxtrail.sources.github.common import SOURCE, Event, first_instant, record, repository
from soxtrail.sources.reader import Node

#: Fields of a branch protection rule that identify it rather than configure it.
_RULE_IDENTITY = frozenset({"id", "repository_id", "name", "created_at", "updated_at"})


def _level_on(rule: Node, key: str) -> bool:
    """Whether an `*_enforcement_level` (`off`, `non_admins`, `everyone`) is on at all."""
    level = rule.opt_str(key)
    return level is not None and level != "off"


def _changes(payload: Node) -> dict[str, Any]:
    changes = payload.opt_obj("changes")
    return {} if changes is None else dict(changes.value)


def parse_branch_protection_rule(event: Event) -> Parsed:
    """A `branch_protection_rule` event (created, edited, deleted)."""
    payload = event.payload
    rule = payload.obj("rule")
    rule_id = rule.req_id("id")
    settings: dict[str, Any] = {
        key: value for key, value in rule.value.items() if key not in _RULE_IDENTITY
    }
    settings.update(
        enforced=True,
        requires_pull_request=_level_on(rule, "pull_request_reviews_enforcement_level"),
        required_approving_review_count=rule.opt_int("required_approving_review_count") or 0,
        dismiss_stale_reviews_on_push=rule.opt_bool("dismiss_stale_reviews_on_push") or False,
        require_code_owner_review=rule.opt_bool("require_code_owner_review") or False,
        require_last_push_approval=False,
        requires_status_checks=_level_on(rule, "required_status_checks_enforcement_level"),
        required_status_checks=list(rule.str_list("required_status_checks")),
        allow_force_pushes=_level_on(rule, "allow_force_pushes_enforcement_level"),
        allow_deletions=_level_on(rule, "allow_deletions_enforcement_level"),
        enforce_admins=rule.opt_bool("admin_enforced") or False,
        required_signatures=_level_on(rule, "signature_requirement_enforcement_level"),
        required_linear_history=_level_on(rule, "linear_history_requirement_enforcement_level"),
    )
    facts = RepoProtectionFacts(
        provider=SOURCE,
        rule_kind="branch_protection_rule",
        action=payload.req_str("action"),
        pattern=rule.req_str("name"),
        settings=settings,
        changes=_changes(payload),
    )
    return Parsed(
        records=(
            record(
                Kind.REPO_PROTECTION,
                rule,
                occurred_at=first_instant(event, rule, "updated_at", "created_at"),
                subject=f"{SOURCE}:branch_protection_rule:{rule_id}",
                facts=facts,
                actor=event.sender,
                repo=repository(payload, required=False),
            ),
        )
    )


def _ruleset_settings(ruleset: Node) -> dict[str, Any]:
    rules: dict[str, Node] = {}
    for rule in ruleset.items("rules"):
        rules.setdefault(rule.req_str("type"), rule)
    pull_request = rules.get("pull_request")
    review = pull_request.opt_obj("parameters") if pull_request else None
    checks = rules.get("required_status_checks")
    check_params = checks.opt_obj("parameters") if checks else None
    contexts = (
        [check.req_str("context") for check in check_params.items("required_status_checks")]
        if check_params
        else []
    )
    bypass = list(ruleset.items("bypass_actors"))
    enforcement = ruleset.opt_str("enforcement")
    conditions = ruleset.opt_obj("conditions")

    def review_flag(key: str) -> bool:
        return bool(review and review.opt_bool(key))

    return {
        "name": ruleset.opt_str("name"),
        "target": ruleset.opt_str("target"),
        "source_type": ruleset.opt_str("source_type"),
        "source": ruleset.opt_str("source"),
        "enforcement": enforcement,
        "conditions": None if conditions is None else conditions.value,
        "rules": [rule.value for rule in ruleset.items("rules")],
        "bypass_actors": [actor.value for actor in bypass],
        "enforced": enforcement == "active",
        "requires_pull_request": pull_request is not None,
        "required_approving_review_count": (
            (review.opt_int("required_approving_review_count") or 0) if review else 0
        ),
        "dismiss_stale_reviews_on_push": review_flag("dismiss_stale_reviews_on_push"),
        "require_code_owner_review": review_flag("require_code_owner_review"),
        "require_last_push_approval": review_flag("require_last_push_approval"),
        "requires_status_checks": checks is not None,
        "required_status_checks": contexts,
        "allow_force_pushes": "non_fast_forward" not in rules,
        "allow_deletions": "deletion" not in rules,
        "enforce_admins": not bypass,
        "required_signatures": "required_signatures" in rules,
        "required_linear_history": "required_linear_history" in rules,
    }


def _pattern(ruleset: Node) -> str | None:
    conditions = ruleset.opt_obj("conditions")
    ref_name = conditions.opt_obj("ref_name") if conditions else None
    include = ref_name.str_list("include") if ref_name else ()
    return ",".join(include) or None


def parse_repository_ruleset(event: Event) -> Parsed:
    """A `repository_ruleset` event (created, edited, deleted); org rulesets have no repo."""
    payload = event.payload
    ruleset = payload.obj("repository_ruleset")
    ruleset_id = ruleset.req_id("id")
    facts = RepoProtectionFacts(
        provider=SOURCE,
        rule_kind="repository_ruleset",
        action=payload.req_str("action"),
        pattern=_pattern(ruleset),
        settings=_ruleset_settings(ruleset),
        changes=_changes(payload),
    )
    return Parsed(
        records=(
            record(
                Kind.REPO_PROTECTION,
                ruleset,
                occurred_at=first_instant(event, ruleset, "updated_at", "created_at"),
                subject=f"{SOURCE}:repository_ruleset:{ruleset_id}",
                facts=facts,
                actor=event.sender,
                repo=repository(payload, required=False),
            ),
        )
    )
