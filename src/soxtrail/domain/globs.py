"""Path globs for financial paths: `*`, `?`, `[...]` within a segment, `**` across segments.

`src/ledger/**` matches every file below `src/ledger/`; `**/*.sql` matches SQL files at any
depth; `*` never crosses a `/`. Patterns are validated when the configuration loads, so a
mistake is reported once, with its key, rather than silently matching nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class GlobError(ValueError):
    """A glob pattern is malformed; the message says why."""


def _segment_regex(segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            if segment.startswith("**", i):
                raise GlobError("'**' must be a whole path segment, as in 'src/**/x.py'")
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            close = segment.find("]", i + 2 if segment.startswith("[!", i) else i + 1)
            if close == -1:
                raise GlobError("unclosed '['")
            body = segment[i + 1 : close]
            negate = body.startswith("!")
            if negate:
                body = body[1:]
            if not body:
                raise GlobError("empty character class '[]'")
            escaped = body.replace("\\", "\\\\").replace("^", "\\^")
            out.append(f"[{'^/' if negate else ''}{escaped}]")
            i = close
        elif char == "]":
            raise GlobError("unmatched ']'")
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def glob_to_regex(pattern: str) -> str:
    """Translate a path glob into an anchored regular expression.

    Raises:
        GlobError: empty, absolute, or malformed pattern.
    """
    if not pattern:
        raise GlobError("empty pattern")
    if pattern.startswith("/"):
        raise GlobError("paths are relative to the repository root; remove the leading '/'")
    parts: list[str] = []
    segments = pattern.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]+/)*")
        elif segment == "":
            if not last:
                raise GlobError("empty path segment '//'")
            parts.append(".*")  # a trailing slash means "everything below"
        else:
            parts.append(_segment_regex(segment) + ("" if last else "/"))
    return "^" + "".join(parts) + "$"


@dataclass(frozen=True, slots=True)
class PathGlobs:
    """A validated set of globs; `matches(path)` is true when any of them matches."""

    patterns: tuple[str, ...]
    _compiled: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def compile(cls, patterns: tuple[str, ...] | list[str]) -> PathGlobs:
        """Validate and compile; raises GlobError naming the bad pattern."""
        regexes = []
        for pattern in patterns:
            try:
                regexes.append(glob_to_regex(pattern))
            except GlobError as exc:
                raise GlobError(f"bad glob {pattern!r}: {exc}") from exc
        compiled = re.compile("|".join(f"(?:{r})" for r in regexes)) if regexes else None
        return cls(tuple(patterns), compiled)

    def matches(self, path: str) -> bool:
        """Whether `path` (relative, `/`-separated) matches any pattern."""
        return self._compiled is not None and self._compiled.match(path) is not None
