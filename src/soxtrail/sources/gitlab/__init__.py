"""GitLab webhook events and audit events (`ingest gitlab`).

Reads GitLab's webhook payloads ("Webhook events" in the GitLab docs, GitLab 15 to 17 field
sets, older payloads too) and the Audit Events API (`/audit_events`). The event is named by
the `X-Gitlab-Event` header hint, else by `object_kind`, `event_name` or `event_type`.

Records produced:

- Merge Request Hook -> change_request; approval actions also -> review;
- Push Hook, Tag Push Hook -> push;
- Pipeline Hook -> pipeline_run (the pipeline and each job); Job Hook -> pipeline_run (job);
- Deployment Hook -> deployment;
- member events (group Member Hook, system hooks) -> membership;
- Audit Events API responses (arrays) -> audit_event.

Other events (notes, issues, wiki pages, releases, system hooks about projects or users, ...)
are stored as raw evidence and reported ignored. Timestamps come as `2016-08-12 15:23:28
UTC`, `2021-04-28 21:50:00 +0200` or ISO 8601 (see `sources.timestamps`).
"""

from __future__ import annotations

from soxtrail.sources.gitlab.adapter import GitLabAdapter

ADAPTER = GitLabAdapter()

__all__ = ["ADAPTER", "GitLabAdapter"]
