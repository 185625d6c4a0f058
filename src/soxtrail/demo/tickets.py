"""Jira issues in the REST format (`GET /rest/api/2/issue/KEY?expand=changelog`)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from soxtrail.domain.instants import utc


def _jira_time(at: datetime) -> str:
    return utc(at).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _user(name: str) -> dict[str, Any]:
    return {"accountId": f"acct-{name}", "displayName": name.title(), "name": name, "active": True}


def jira_issue(
    key: str,
    *,
    summary: str,
    reporter: str,
    created: datetime,
    transitions: Sequence[tuple[datetime, str, str, str]],
    issue_type: str = "Change",
    labels: Sequence[str] = (),
) -> dict[str, Any]:
    """An issue and its changelog; `transitions` are (at, by, from status, to status)."""
    status = transitions[-1][3] if transitions else "Open"
    histories = [
        {
            "id": str(10000 + i),
            "author": _user(by),
            "created": _jira_time(at),
            "items": [
                {
                    "field": "status",
                    "fieldtype": "jira",
                    "from": str(i),
                    "fromString": old,
                    "to": str(i + 1),
                    "toString": new,
                }
            ],
        }
        for i, (at, by, old, new) in enumerate(transitions)
    ]
    updated = transitions[-1][0] if transitions else created
    return {
        "id": str(int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100000),
        "key": key,
        "self": f"https://acme.atlassian.net/rest/api/2/issue/{key}",
        "fields": {
            "summary": summary,
            "issuetype": {"name": issue_type},
            "status": {"name": status},
            "reporter": _user(reporter),
            "assignee": _user(reporter),
            "priority": {"name": "Medium"},
            "labels": list(labels),
            "created": _jira_time(created),
            "updated": _jira_time(updated),
        },
        "changelog": {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(histories),
            "histories": histories,
        },
    }
