from __future__ import annotations

import pytest

from soxtrail.domain.globs import GlobError, PathGlobs


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        pytest.param("src/ledger/**", "src/ledger/a.py", True, id="double-star-direct"),
        pytest.param("src/ledger/**", "src/ledger/x/y/z.py", True, id="double-star-deep"),
        pytest.param("src/ledger/**", "src/ledgers/a.py", False, id="prefix-is-not-folder"),
        pytest.param("src/*.py", "src/a.py", True, id="star"),
        pytest.param("src/*.py", "src/x/a.py", False, id="star-stays-in-segment"),
        pytest.param("**/*.sql", "a.sql", True, id="leading-double-star-top"),
        pytest.param("**/*.sql", "db/m/001.sql", True, id="leading-double-star-deep"),
        pytest.param("src/**/money.py", "src/money.py", True, id="middle-double-star-empty"),
        pytest.param("src/**/money.py", "src/a/b/money.py", True, id="middle-double-star"),
        pytest.param("file?.txt", "file1.txt", True, id="question"),
        pytest.param("file[0-9].txt", "file7.txt", True, id="class"),
        pytest.param("file[!0-9].txt", "filex.txt", True, id="negated-class"),
        pytest.param("file[!0-9].txt", "file7.txt", False, id="negated-class-miss"),
        pytest.param("docs/", "docs/a/b.md", True, id="trailing-slash"),
        pytest.param("a+b(c).py", "a+b(c).py", True, id="regex-chars-literal"),
    ],
)
def test_matching(pattern: str, path: str, expected: bool) -> None:
    assert PathGlobs.compile([pattern]).matches(path) is expected


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        pytest.param("src/[ledger", "unclosed '\\['", id="unclosed"),
        pytest.param("src/**x", "whole path segment", id="double-star-inside-segment"),
        pytest.param("/src/**", "relative", id="absolute"),
        pytest.param("", "empty pattern", id="empty"),
        pytest.param("a//b", "empty path segment", id="double-slash"),
        pytest.param("a]b", "unmatched", id="unmatched-bracket"),
    ],
)
def test_bad_globs_name_the_pattern(pattern: str, problem: str) -> None:
    with pytest.raises(GlobError, match=problem) as info:
        PathGlobs.compile(["ok/**", pattern])
    assert repr(pattern) in str(info.value)


def test_empty_set_matches_nothing() -> None:
    assert not PathGlobs.compile([]).matches("anything")
