"""Secret redaction, applied to raw documents before anything is stored or parsed.

Two kinds of rule: the string value of a JSON key that names a secret (`"password"`,
`"client_secret"`, `"Authorization"`, webhook signature headers ...), and token formats that
are secrets wherever they appear (GitHub and GitLab tokens, Slack tokens, bearer and basic
credentials, PEM private keys, passwords in URLs). Only the secret's characters are replaced,
by `[REDACTED]`, so the document stays valid JSON and otherwise byte-identical; each
redaction is recorded (rule and character offset) beside the stored document.

What is deliberately *not* redacted: AWS access key ids (`AKIA...`, `ASIA...`; CloudTrail
needs them to say who acted and they are not secrets), Vault's `hmac-sha256:` values (already
one-way), and hashes and signatures of commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "[REDACTED]"

_SENSITIVE_KEYS = (
    "password|passwd|pass|passphrase|secret|client_secret|webhook_secret|token|access_token"
    "|refresh_token|id_token|session_token|auth_token|api_key|apikey|x-api-key|private_key"
    "|secret_key|secret_access_key|aws_secret_access_key|authorization|proxy-authorization"
    "|cookie|set-cookie|x-hub-signature|x-hub-signature-256|x-gitlab-token|x-jira-secret"
    "|x-argocd-secret|credentials"
)
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "json-secret-key",
        re.compile(
            rf'"(?i:{_SENSITIVE_KEYS})"\s*:\s*"(?P<secret>(?:[^"\\]|\\.)+)"',
        ),
    ),
    (
        "private-key",
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?P<secret>.+?)"
            r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----",
            re.DOTALL,
        ),
    ),
    ("github-token", re.compile(r"(?P<secret>\bgh[pousr]_[A-Za-z0-9]{36,255}\b)")),
    ("github-pat", re.compile(r"(?P<secret>\bgithub_pat_[A-Za-z0-9_]{22,255}\b)")),
    ("gitlab-token", re.compile(r"(?P<secret>\bglpat-[A-Za-z0-9_\-]{20,255})")),
    ("slack-token", re.compile(r"(?P<secret>\bxox[abposr]-[A-Za-z0-9\-]{10,255})")),
    ("bearer", re.compile(r"(?i:\bbearer\s+)(?P<secret>[A-Za-z0-9\-._~+/]{16,}=*)")),
    ("basic-auth", re.compile(r"(?i:\bbasic\s+)(?P<secret>[A-Za-z0-9+/]{12,}={0,2})")),
    ("url-password", re.compile(r"\b[a-z][a-z0-9+.\-]*://[^\s:/@\"']+:(?P<secret>[^\s@/\"']+)@")),
)


#: Literals every match of a rule contains (case-folded for the case-insensitive rules): a
#: rule runs only over text that holds one of them, so a large document with no token in it
#: costs a few substring searches instead of a regex scan per rule. Results are unchanged.
_NEEDS: dict[str, tuple[str, ...]] = {
    "private-key": ("PRIVATE KEY-----",),
    "github-token": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    "github-pat": ("github_pat_",),
    "gitlab-token": ("glpat-",),
    "slack-token": ("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"),
}
_NEEDS_ANY_CASE: dict[str, tuple[str, ...]] = {
    "bearer": ("bearer",),
    "basic-auth": ("basic",),
    "url-password": ("://",),
}


def _may_match(rule: str, text: str, lowered: str) -> bool:
    if rule in _NEEDS:
        return any(literal in text for literal in _NEEDS[rule])
    if rule in _NEEDS_ANY_CASE:
        return any(literal in lowered for literal in _NEEDS_ANY_CASE[rule])
    return True


@dataclass(frozen=True, slots=True)
class Redaction:
    """One redacted span: the rule that matched and where, in characters of the original."""

    rule: str
    offset: int
    length: int

    def to_json(self) -> dict[str, object]:
        return {"rule": self.rule, "offset": self.offset, "length": self.length}


def redact(text: str) -> tuple[str, tuple[Redaction, ...]]:
    """Replace every secret in `text` by `[REDACTED]`.

    Returns:
        The redacted text and the redactions made, by offset into the original text.
    """
    spans: list[tuple[int, int, str]] = []
    lowered = text.casefold()
    for rule, pattern in _RULES:
        if not _may_match(rule, text, lowered):
            continue
        for match in pattern.finditer(text):
            start, end = match.span("secret")
            if text[start:end] != MASK:
                spans.append((start, end, rule))
    if not spans:
        return text, ()
    spans.sort()
    merged: list[tuple[int, int, str]] = []
    for start, end, rule in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, rule))
    out: list[str] = []
    cursor = 0
    for start, end, _rule in merged:
        out.append(text[cursor:start])
        out.append(MASK)
        cursor = end
    out.append(text[cursor:])
    return "".join(out), tuple(Redaction(rule, s, e - s) for s, e, rule in merged)
