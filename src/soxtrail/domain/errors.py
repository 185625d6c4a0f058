"""Errors, grouped by who is at fault, each with a stable code and an exit code.

```
SoxtrailError                      code, exit_code, diagnostics()
├── UserError (exit 2)             the user must fix something
│   ├── UsageError                 a command was called wrongly
│   ├── ConfigError                soxtrail.toml is wrong: file, key, problem
│   ├── InputError                 an input document is malformed: file, position, problem
│   └── NotFoundError              a named thing (record, entry, control) does not exist
├── VerdictError (exit 1)          a check said no: a verdict, not a bug
│   └── TamperError                stored or shipped evidence does not verify
└── InternalError (exit 3)         our own bug, or a dependency failing in a way we did not expect
```

A denied gate is not an error: it is a decision, reported as such, with exit code 1.
Model: sigstore `errors.py` (`diagnostics()`), python-tuf `api/exceptions.py` (grouped by fault).
"""

from __future__ import annotations


class SoxtrailError(Exception):
    """Root of every error soxtrail raises on purpose."""

    code: str = "error"
    exit_code: int = 3

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def diagnostics(self) -> str:
        """The message for humans, as the CLI prints it."""
        return self.message


class UserError(SoxtrailError):
    """The user must fix something: usage, configuration or input (exit 2)."""

    code = "user_error"
    exit_code = 2


class UsageError(UserError):
    """A command was called with options that do not fit together or do not exist."""

    code = "usage"


class ConfigError(UserError):
    """The configuration is invalid. Names the file, the key and the problem."""

    code = "config"

    def __init__(self, file: str, key: str, problem: str) -> None:
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {problem}")
        self.file = file
        self.key = key
        self.problem = problem


class InputError(UserError):
    """An input document is malformed. Names the file, the position and the problem.

    `position` is a line (`line 12`), a line and column (`line 3, column 7`), a JSON pointer
    (`/pull_request/number`) or both (`line 4, /review/state`).
    """

    code = "input"

    def __init__(self, file: str, position: str, problem: str) -> None:
        where = f"{file}: {position}" if position else file
        super().__init__(f"{where}: {problem}")
        self.file = file
        self.position = position
        self.problem = problem


class NotFoundError(UserError):
    """A record, ledger entry, control or other named thing does not exist."""

    code = "not_found"


class VerdictError(SoxtrailError):
    """A check said no. This is a verdict about the data, not a bug (exit 1)."""

    code = "verdict"
    exit_code = 1


class TamperError(VerdictError):
    """Stored or shipped evidence does not verify: altered, dropped, inserted or reordered."""

    code = "tamper"


class InternalError(SoxtrailError):
    """Our own bug, or a dependency failing in a way we did not plan for (exit 3)."""

    code = "internal"
    exit_code = 3
