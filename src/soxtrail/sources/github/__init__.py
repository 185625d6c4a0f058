"""GitHub webhook events (`ingest github`).

Reads the payloads GitHub sends to webhooks, as documented in GitHub's "Webhook events and
payloads" (docs.github.com, REST API version 2022-11-28), in the forms of DESIGN §6: a bare
payload (event inferred from its shape), an envelope `{"event", "payload"}`, a webhook
delivery record (`request.headers`, `request.payload`), NDJSON of these, and directories.

Records produced, per event:

- `pull_request` -> change_request; `pull_request_review` -> review;
- `push` -> push;
- `workflow_run`, `workflow_job`, `check_run`, `check_suite`, `merge_group` -> pipeline_run;
- `deployment`, `deployment_status` -> deployment;
- `deployment_review`, `deployment_protection_rule` -> deployment_approval;
- `branch_protection_rule`, `repository_ruleset` -> repo_protection.

Any other event (`ping`, `star`, `issues`, ...) is stored as raw evidence and reported ignored.
"""

from __future__ import annotations

from soxtrail.sources.github.adapter import HANDLERS, GitHubAdapter

ADAPTER = GitHubAdapter()

__all__ = ["ADAPTER", "HANDLERS", "GitHubAdapter"]
