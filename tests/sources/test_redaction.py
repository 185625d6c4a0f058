from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soxtrail.sources.redaction import _RULES, _TRIGGERED, MASK, redact

GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5" * 4
PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAA\\n-----END OPENSSH PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("text", "secret", "rule"),
    [
        pytest.param('{"password": "hunter2"}', "hunter2", "json-secret-key", id="json-password"),
        pytest.param(
            '{"headers": {"Authorization": "token abc"}}',
            "token abc",
            "json-secret-key",
            id="auth-header",
        ),
        pytest.param(
            '{"X-Hub-Signature-256": "sha256=abcd"}',
            "sha256=abcd",
            "json-secret-key",
            id="webhook-signature",
        ),
        pytest.param(
            f'{{"body": "use {GITHUB_TOKEN} please"}}',
            GITHUB_TOKEN,
            "github-token",
            id="github-token-in-text",
        ),
        pytest.param(
            '{"k": "glpat-ABCDEFGHIJKLMNOPQRST12"}',
            "glpat-ABCDEFGHIJKLMNOPQRST12",
            "gitlab-token",
            id="gitlab-token",
        ),
        pytest.param(
            '{"url": "https://bot:s3cr3tpass@git.example/x.git"}',
            "s3cr3tpass",
            "url-password",
            id="url-password",
        ),
        pytest.param(
            '{"note": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc"}',
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",
            "bearer",
            id="bearer",
        ),
        pytest.param(
            f'{{"deploy_key": "{PEM}"}}', "b3BlbnNzaC1rZXktdjEAAAAA", "private-key", id="pem"
        ),
    ],
)
def test_secrets_are_redacted_and_recorded(text: str, secret: str, rule: str) -> None:
    redacted, redactions = redact(text)
    assert secret not in redacted
    assert MASK in redacted
    json.loads(redacted)  # still valid JSON
    assert any(r.rule == rule for r in redactions)
    first = redactions[0]
    assert first.offset >= 0 and first.length > 0


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"accessKeyId": "ASIAXXXXXXXXXXXXXXXX"}', id="aws-access-key-id-is-evidence"),
        pytest.param('{"client_token": "hmac-sha256:abc"}', id="vault-hmac-not-a-known-key"),
        pytest.param('{"secret_scanning": {"status": "enabled"}}', id="setting-named-like-secret"),
        pytest.param('{"sha": "0123456789abcdef0123456789abcdef01234567"}', id="commit-sha"),
    ],
)
def test_evidence_is_left_alone(text: str) -> None:
    assert redact(text) == (text, ())


def test_everything_else_is_byte_identical() -> None:
    text = '{"a": 1, "password": "x", "b": "two"}'
    redacted, _ = redact(text)
    assert redacted == '{"a": 1, "password": "[REDACTED]", "b": "two"}'


ALL_TRIGGERS = [trigger for _rule, triggers, _pattern in _RULES for trigger in triggers]


@given(
    st.lists(
        st.sampled_from(ALL_TRIGGERS)
        | st.sampled_from([t[:-1] for t in ALL_TRIGGERS] + [t[1:] for t in ALL_TRIGGERS])
        | st.text(max_size=8),
        max_size=8,
    ).map("".join)
)
def test_each_rule_runs_exactly_when_one_of_its_triggers_occurs(text: str) -> None:
    # The single-scan trigger test decides like the plain one it replaced, so what is
    # redacted (and so every stored byte and hash) cannot change.
    for (_rule, triggers, _pattern), triggered in zip(_RULES, _TRIGGERED, strict=True):
        assert triggered(text) == any(trigger in text for trigger in triggers)
