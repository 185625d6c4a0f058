"""Terraform plan JSON (`terraform show -json PLANFILE`): one `iac_plan` record per plan.

Follows Terraform's "JSON Output Format" documentation, `format_version` 0.1 to 1.x (a major
version above 1 is refused: Terraform bumps it only for incompatible changes). OpenTofu
writes the same format.

Read: `resource_changes[]` (`address`, `change.actions`, `action_reason`), counted by action:
`["create"]`, `["update"]`, `["delete"]`, `["read"]`, `["no-op"]`, and `["delete", "create"]`
or `["create", "delete"]` as `replace` (destroy-then-create or create-before-destroy); any
other list of actions (Terraform 1.7's `forget`, ...) is counted under its actions joined by
`+`. `changes` always has the six usual keys. `resources` lists every change but no-ops.
`resource_drift[]` (changes made outside Terraform) gives `drifted`. Terraform 1.5+'s
`timestamp` is when the plan was made; 1.8+'s `applyable` and `errored` are kept.

`plan_sha256` is the SHA-256 of the document's bytes as stored, which is also the record's
`raw_sha256`: an apply record must name this digest to match the plan (CM-11). It is the
digest of the JSON rendering, not of the binary plan file; when redaction changed the
document, it is the digest of the redacted bytes (the original's is kept by the ingest).

A state (`terraform show -json` without a plan file: top-level `values`, no
`resource_changes` or `planned_values`) is refused with an InputError saying so.
"""

from __future__ import annotations

from typing import Any

from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import IacPlanFacts, ResourceChange
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.ci_context import (
    context_of,
    document_sha256,
    occurred_at,
    run_links,
    subject_of,
)
from soxtrail.sources.reader import Node

ACTIONS = ("create", "update", "delete", "replace", "read", "no-op")
_REPLACE = (("delete", "create"), ("create", "delete"))
_PLAN_KEYS = ("resource_changes", "planned_values", "output_changes", "resource_drift")


def action_of(actions: tuple[str, ...]) -> str:
    """The counted action of a resource change's `change.actions`."""
    if actions in _REPLACE:
        return "replace"
    return "+".join(actions)


def _change(node: Node) -> ResourceChange:
    change = node.obj("change")
    change.child("actions")  # required: absent or null is an error
    actions = change.str_list("actions")
    if not actions:
        raise change.error("a change needs at least one action", "actions")
    return ResourceChange(
        address=node.req_str("address"),
        actions=actions,
        action_reason=node.opt_str("action_reason"),
    )


class TerraformPlanAdapter:
    """`ingest terraform-plan` / `attest terraform-plan`: Terraform plan JSON."""

    name = "terraform-plan"
    framing: Framing = "json"
    media_type = "application/json"
    suffixes: tuple[str, ...] = (".plan.json", ".tfplan.json", ".json")

    def detect(self, doc: Document, data: Any) -> bool:
        if not isinstance(data, dict) or not isinstance(data.get("format_version"), str):
            return False
        is_state = isinstance(data.get("values"), dict) and "root_module" in data["values"]
        return is_state or any(key in data for key in _PLAN_KEYS)

    def parse(self, doc: Document, data: Any) -> Parsed:
        context = context_of(doc)
        root = Node(data, doc)
        version = root.req_str("format_version")
        if version.split(".", 1)[0] not in ("0", "1"):
            raise root.error(
                f"plan format_version {version!r} is not supported (0.x and 1.x)",
                "format_version",
            )
        if not any(root.has(key) for key in _PLAN_KEYS):
            if root.has("values"):
                raise root.error(
                    "this is a Terraform state, not a plan: run terraform show -json PLANFILE",
                    "values",
                )
            raise root.error(
                "not a Terraform plan: no resource_changes or planned_values", "resource_changes"
            )
        changes = [_change(node) for node in root.items("resource_changes")]
        counts = dict.fromkeys(ACTIONS, 0)
        for change in changes:
            action = action_of(change.actions)
            counts[action] = counts.get(action, 0) + 1
        drifted = tuple(
            change.address
            for change in (_change(node) for node in root.items("resource_drift"))
            if change.actions != ("no-op",)
        )
        digest = document_sha256(doc)
        facts = IacPlanFacts(
            tool=context.tool or "terraform",
            format_version=version,
            tool_version=root.opt_str("terraform_version"),
            plan_sha256=digest,
            changes=counts,
            resources=tuple(c for c in changes if c.actions != ("no-op",)),
            drifted=drifted,
            applyable=root.opt_bool("applyable"),
            errored=root.opt_bool("errored"),
        )
        record = Evidence(
            kind=Kind.IAC_PLAN,
            source=self.name,
            occurred_at=occurred_at(root.opt_instant("timestamp"), context),
            subject=subject_of(context.repo, context.commit, f"terraform@sha256:{digest}"),
            facts=facts,
            repo=context.repo,
            commit=context.commit,
            links=(("artifact", f"sha256:{digest}"), *run_links(context)),
        )
        return Parsed(records=(record,))


ADAPTER = TerraformPlanAdapter()
