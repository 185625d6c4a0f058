"""Running `git`: the one boundary where git's failures become soxtrail errors.

Every command runs as `git --no-replace-objects -C PATH -c KEY=VALUE... SUBCOMMAND ...` with:

- `--no-replace-objects`, because `refs/replace/*` would let a repository show a different
  commit than the one its history holds: evidence must be read from the real objects;
- the variables that tie git to *another* repository (`GIT_DIR`, `GIT_INDEX_FILE`,
  `GIT_CONFIG_PARAMETERS`, ... as listed by `git rev-parse --local-env-vars`) removed, so a
  scan started from a git hook still reads PATH;
- the output-shaping settings pinned (`PINNED_CONFIG`), so that the same repository gives
  the same records whoever scans it, whatever their `~/.gitconfig` says;
- `LC_ALL=C`, so that git's messages (quoted in errors) are in English.

The rest of the environment (PATH, HOME, `GIT_CONFIG_GLOBAL`, ...) is passed through: git
needs it to find itself, `ssh-keygen`, `gpg` and the user's `safe.directory` settings.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from soxtrail.domain.errors import InternalError, UsageError

#: Environment variables that point git at another repository (`git rev-parse --local-env-vars`).
_LOCAL_ENV_VARS = frozenset(
    {
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_CONFIG",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "GIT_OBJECT_DIRECTORY",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_GRAFT_FILE",
        "GIT_INDEX_FILE",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_REPLACE_REF_BASE",
        "GIT_PREFIX",
        "GIT_INTERNAL_SUPER_PREFIX",
        "GIT_SHALLOW_FILE",
        "GIT_COMMON_DIR",
    }
)

#: Settings that would change the output we parse; pinned on every command line.
PINNED_CONFIG = (
    "log.showSignature=false",
    "log.showRoot=true",
    "diff.renames=false",
    "diff.relative=false",
    "diff.ignoreSubmodules=none",
    "diff.orderFile=/dev/null",
    "core.quotePath=false",
    "i18n.logOutputEncoding=UTF-8",
    "trailer.separators=:",
)

#: The oldest git this scanner supports: SSH signature verification came in 2.34.
MIN_GIT_VERSION = (2, 34)

_READ_SIZE = 1 << 16


class GitFailedError(Exception):
    """A git command exited with a non-zero status (translated by the caller)."""

    def __init__(self, command: str, status: int, stderr: str) -> None:
        super().__init__(f"git {command} failed (exit {status}): {stderr}")
        self.command = command
        self.status = status
        self.stderr = stderr


def _child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LOCAL_ENV_VARS}
    env["LC_ALL"] = "C"
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.update(extra)
    return env


def _stderr_text(handle: IO[bytes]) -> str:
    handle.seek(0)
    text = handle.read(8192).decode("utf-8", errors="replace").strip()
    return text or "(no message)"


@dataclass(frozen=True)
class Git:
    """How to run git on one repository: its path, extra `-c` settings and environment."""

    path: Path
    config: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)

    def with_trust(self, config: Sequence[str], env: Mapping[str, str]) -> Git:
        """The same repository, with signature-verification settings added."""
        return replace(self, config=(*self.config, *config), env={**self.env, **env})

    def command(self, *args: str) -> list[str]:
        settings = [item for pair in PINNED_CONFIG + self.config for item in ("-c", pair)]
        return ["git", "--no-replace-objects", "-C", str(self.path), *settings, *args]

    def run(self, *args: str, stdin: bytes | None = None) -> bytes:
        """Run a git command to completion and return its standard output.

        Raises:
            GitFailedError: git exited with a non-zero status.
            UsageError: git is not installed.
        """
        with tempfile.TemporaryFile() as err:
            try:
                done = subprocess.run(  # noqa: S603 - fixed git argv, no shell
                    self.command(*args),
                    input=stdin,
                    stdout=subprocess.PIPE,
                    stderr=err,
                    env=_child_environment(self.env),
                    check=False,
                )
            except FileNotFoundError as exc:
                raise _git_missing() from exc
            if done.returncode != 0:
                raise GitFailedError(args[0], done.returncode, _stderr_text(err))
            return done.stdout

    def text(self, *args: str) -> str:
        """`run`, decoded and stripped: for one-line answers (`rev-parse`, `symbolic-ref`)."""
        return self.run(*args).decode("utf-8", errors="replace").strip()

    @contextmanager
    def stream(self, *args: str) -> Iterator[IO[bytes]]:
        """Run a git command and yield its standard output, to be read as it is produced.

        The body reads the output to its end; git must then have exited successfully. When
        the body stops early (an exception, a consumer that stopped iterating), git is killed.

        Raises:
            InternalError: git failed (its message is quoted), also when its failure showed
                first as output we could not parse.
        """
        with tempfile.TemporaryFile() as err:
            proc = _start(self.command(*args), self.env, stdin=None, stderr=err)
            stdout = proc.stdout
            assert stdout is not None
            try:
                yield stdout
            except BaseException as exc:
                proc.kill()
                status = proc.wait()
                stdout.close()
                if status > 0 and isinstance(exc, InternalError):
                    raise self._failed(args[0], status, err) from exc
                raise
            unread = stdout.read(1)
            if unread:
                proc.kill()
            stdout.close()
            status = proc.wait()
            if status != 0 and not unread:
                raise self._failed(args[0], status, err)

    def _failed(self, command: str, status: int, err: IO[bytes]) -> InternalError:
        return InternalError(
            f"git {command} failed on {self.path} (exit {status}): {_stderr_text(err)}"
        )


def _git_missing() -> UsageError:
    return UsageError("git is not installed or not on PATH; scan-git needs the git command")


def _start(
    argv: list[str], env: Mapping[str, str], *, stdin: int | None, stderr: IO[bytes]
) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(  # noqa: S603 - fixed git argv, no shell
            argv,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=_child_environment(env),
        )
    except FileNotFoundError as exc:
        raise _git_missing() from exc


def nul_tokens(stream: IO[bytes]) -> Iterator[bytes]:
    """The NUL-terminated tokens of a stream (`git ... -z` output), read in bounded chunks."""
    rest = b""
    while chunk := stream.read(_READ_SIZE):
        parts = (rest + chunk).split(b"\0") if rest else chunk.split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The lines of a stream, without their newline."""
    for line in stream:
        yield line.rstrip(b"\n")


class ObjectReader:
    """Raw objects in bulk from one long-running `git cat-file --batch` co-process.

    Requests go in groups small enough to fit the pipe buffer (so git never blocks writing
    answers we are not reading yet while we block writing questions).
    """

    #: Object names per round trip: 128 x 65 bytes stays far below a 64 KiB pipe buffer.
    GROUP = 128

    def __init__(self, git: Git) -> None:
        self._git = git
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._proc = _start(
            git.command("cat-file", "--batch"), git.env, stdin=subprocess.PIPE, stderr=self._err
        )

    def read(self, names: Sequence[str]) -> list[bytes]:
        """The raw content of each commit named, in order.

        Raises:
            InternalError: an object is missing or is not a commit, or git failed.
        """
        out: list[bytes] = []
        for start in range(0, len(names), self.GROUP):
            out.extend(self._read_group(names[start : start + self.GROUP]))
        return out

    def _read_group(self, names: Sequence[str]) -> list[bytes]:
        proc = self._proc
        assert proc.stdin is not None
        assert proc.stdout is not None
        try:
            proc.stdin.write("".join(f"{name}\n" for name in names).encode("ascii"))
            proc.stdin.flush()
        except BrokenPipeError as exc:
            raise self._failed("stopped reading requests") from exc
        out = []
        for name in names:
            header = proc.stdout.readline().split()
            if len(header) != 3 or header[1] != b"commit":
                what = b" ".join(header).decode("ascii", errors="replace") or "nothing"
                raise self._failed(f"answered {what!r} for commit {name}")
            size = int(header[2])
            body = proc.stdout.read(size + 1)
            if len(body) != size + 1:
                raise self._failed(f"ended in the middle of commit {name}")
            out.append(body[:size])
        return out

    def _failed(self, what: str) -> InternalError:
        self._proc.poll()
        return InternalError(
            f"git cat-file --batch on {self._git.path} {what}: {_stderr_text(self._err)}"
        )

    def close(self) -> None:
        """Stop the co-process (closing its input ends it) and release its files."""
        proc = self._proc
        if proc.stdin is not None:
            with suppress(BrokenPipeError):
                proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        self._err.close()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
