"""Secret redaction, applied to raw documents before anything is stored or parsed.

Two kinds of rule: the string value of a JSON key that names a secret (`"password"`,
`"client_secret"`, `"Authorization"`, webhook signature headers ...), and token formats that
are secrets wherever they appear (GitHub and GitLab tokens, Slack tokens, bearer and basic
credentials, PEM private keys, passwords in URLs), plus the fields of secret-scanner reports
that quote the secret found (gitleaks' `Match`, `Line`, `Context` and SARIF snippets). Only
the secret's characters are replaced, by `[REDACTED]`, so the document stays valid JSON and
otherwise byte-identical; each redaction is recorded (rule and character offset) beside the
stored document.

What is deliberately *not* redacted: AWS access key ids (`AKIA...`, `ASIA...`; CloudTrail
needs them to say who acted and they are not secrets), Vault's `hmac-sha256:` values (already
one-way), and hashes and signatures of commits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MASK = "[REDACTED]"

_SENSITIVE_KEYS = (
    "password|passwd|pass|passphrase|secret|client_secret|webhook_secret|token|access_token"
    "|refresh_token|id_token|session_token|auth_token|api_key|apikey|x-api-key|private_key"
    "|secret_key|secret_access_key|aws_secret_access_key|authorization|proxy-authorization"
    "|cookie|set-cookie|x-hub-signature|x-hub-signature-256|x-gitlab-token|x-jira-secret"
    "|x-argocd-secret|credentials"
)
_SENSITIVE_KEY_NAMES = tuple(_SENSITIVE_KEYS.split("|"))

#: (rule, literal triggers looked for first in the lower-cased text, pattern). A rule runs only
#: when one of its triggers occurs: most documents contain no secret at all, and a substring
#: search is far cheaper than a regular expression that cannot start from a literal.
_RULES: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    (
        "json-secret-key",
        tuple(f'"{k}"' for k in _SENSITIVE_KEY_NAMES),
        re.compile(rf'"(?i:{_SENSITIVE_KEYS})"\s*:\s*"(?P<secret>(?:[^"\\]|\\.)+)"'),
    ),
    (
        "private-key",
        ("private key-----",),
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?P<secret>.+?)"
            r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----",
            re.DOTALL,
        ),
    ),
    (
        "github-token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        re.compile(r"(?<![A-Za-z0-9_])(?P<secret>gh[pousr]_[A-Za-z0-9]{36,255})(?![A-Za-z0-9_])"),
    ),
    (
        "github-pat",
        ("github_pat_",),
        re.compile(r"(?<![A-Za-z0-9_])(?P<secret>github_pat_[A-Za-z0-9_]{22,255})"),
    ),
    ("gitlab-token", ("glpat-",), re.compile(r"(?P<secret>glpat-[A-Za-z0-9_\-]{20,255})")),
    (
        "slack-token",
        ("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"),
        re.compile(r"(?P<secret>xox[abposr]-[A-Za-z0-9\-]{10,255})"),
    ),
    (
        "bearer",
        ("bearer",),
        re.compile(
            r"(?<![A-Za-z0-9_])[Bb][Ee][Aa][Rr][Ee][Rr]\s+(?P<secret>[A-Za-z0-9\-._~+/]{16,}=*)"
        ),
    ),
    (
        "basic-auth",
        ("basic",),
        re.compile(r"(?<![A-Za-z0-9_])[Bb][Aa][Ss][Ii][Cc]\s+(?P<secret>[A-Za-z0-9+/]{12,}={0,2})"),
    ),
    ("url-password", ("://",), re.compile(r"://[^\s:/@\"']+:(?P<secret>[^\s@/\"']+)@")),
    (
        # Gitleaks JSON reports: the matched text and the whole line hold the secret too
        # (`Secret` itself is a sensitive key above). Keys spelled exactly as gitleaks writes
        # them, only in documents that have gitleaks' `RuleID`.
        "gitleaks-match",
        ('"ruleid"',),
        re.compile(r'"(?:Match|Line|Context)"\s*:\s*"(?P<secret>(?:[^"\\]|\\.)+)"'),
    ),
    (
        # Gitleaks SARIF: the region snippet of a result is the secret itself.
        "gitleaks-sarif-snippet",
        ('"gitleaks"',),
        re.compile(r'"snippet"\s*:\s*\{\s*"text"\s*:\s*"(?P<secret>(?:[^"\\]|\\.)+)"'),
    ),
)


def _literal_trie(words: tuple[str, ...]) -> str:
    """A regular expression matching exactly `words` (literals), factored as a trie.

    `re` tries the alternatives of `a|b|c` one after the other at every position; factored
    by common prefixes (`"pass(?:word|wd)"`), each position costs one character test.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + pattern(node[char]) for char in sorted(node) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return pattern(trie)


def _occurs(triggers: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether any of `triggers` occurs in a text: exactly `any(t in text for t in triggers)`.

    A single trigger is a substring search. Several are one regular expression `search`,
    which tries every position and every trigger there, so it finds one exactly when the
    `any` would, in one scan instead of one per trigger (30 for the JSON key names).
    """
    if len(triggers) == 1:
        literal = triggers[0]
        return lambda text: literal in text
    search = re.compile(_literal_trie(triggers)).search
    return lambda text: search(text) is not None


_TRIGGERED = tuple(_occurs(triggers) for _rule, triggers, _pattern in _RULES)


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
    lowered = text.lower()
    for (rule, _triggers, pattern), triggered in zip(_RULES, _TRIGGERED, strict=True):
        if not triggered(lowered):
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
