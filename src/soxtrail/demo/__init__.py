"""A realistic demo workspace: a real git repository and real-format events.

Used by `soxtrail demo` (and `make demo`) and by the scenario tests. Payloads are built from
GitHub's own webhook examples (octokit/webhooks, MIT; see templates/NOTICE.md) with their
fields set to the demo's repository, people, commits and times; tickets follow Jira's REST
issue format, CI results JUnit XML and SARIF 2.1.0.
"""
