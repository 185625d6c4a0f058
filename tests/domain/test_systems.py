from __future__ import annotations

import pytest

from soxtrail.domain.systems import Identities

PEOPLE = Identities.from_mapping(
    {"alice@acme.example": ["alice", "alice-acme", "Alice Liddell <alice@acme.example>"]}
)


@pytest.mark.parametrize(
    ("spelling", "person"),
    [
        pytest.param("alice", "alice@acme.example", id="login"),
        pytest.param("Alice-ACME", "alice@acme.example", id="case-insensitive"),
        pytest.param("ALICE@acme.example", "alice@acme.example", id="email"),
        pytest.param("Alice Liddell <alice@acme.example>", "alice@acme.example", id="git-author"),
        pytest.param(
            "A. Liddell <alice@acme.example>", "alice@acme.example", id="other-name-same-email"
        ),
        pytest.param("Bob <bob@acme.example>", "bob@acme.example", id="unmapped-author-by-email"),
        pytest.param("bob", "bob", id="unmapped-login-stands-for-itself"),
        pytest.param("  ", None, id="blank"),
        pytest.param(None, None, id="none"),
    ],
)
def test_person_of(spelling: str | None, person: str | None) -> None:
    assert PEOPLE.person_of(spelling) == person


def test_unmapped_spellings_are_different_people() -> None:
    # Fail safe: without a mapping, "bob" and "bob@acme.example" are not assumed to be one.
    assert PEOPLE.person_of("bob") != PEOPLE.person_of("bob@acme.example")
