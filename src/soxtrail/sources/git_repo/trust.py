"""The keys a scan trusts, handed to git without touching the user's keyring or git config.

Git verifies commit signatures itself (`%G?`): OpenPGP with `gpg`, SSH with `ssh-keygen -Y`,
X.509 with `gpgsm` (or whatever `gpg.x509.program` names, e.g. gitsign). What it trusts comes
from the scan's `[signing]` configuration only:

- OpenPGP: a temporary, private `GNUPGHOME` (mode 0700, deleted after the scan) into which the
  configured armored public keys are imported and marked ultimately trusted. A signature by
  any other key cannot be checked (`unknown_key`): the user's `~/.gnupg` is never consulted.
- SSH: `-c gpg.ssh.allowedSignersFile=FILE` on git's command line: the configured file, or an
  empty one in the temporary directory when none is configured (then every valid SSH
  signature is `untrusted`; without any file, git would not verify SSH signatures at all).

Nothing is written to `~/.gnupg`, `~/.gitconfig` or the repository's configuration.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from soxtrail.domain.errors import InputError, UsageError


@dataclass(frozen=True)
class Trust:
    """What git needs to verify signatures against the configured keys."""

    config: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    #: Primary-key fingerprints of the imported OpenPGP keys.
    gpg_fingerprints: tuple[str, ...] = ()


def check_key_files(allowed_signers_file: Path | None, gpg_public_keys: Sequence[Path]) -> None:
    """Fail early, naming the file, when a configured key file does not exist.

    Raises:
        InputError: a key file is missing or is not a file.
    """
    for path in (
        *(() if allowed_signers_file is None else (allowed_signers_file,)),
        *gpg_public_keys,
    ):
        if not path.is_file():
            raise InputError(str(path), "", "the signing key file does not exist")


@contextmanager
def trust_environment(
    allowed_signers_file: Path | None, gpg_public_keys: Sequence[Path]
) -> Iterator[Trust]:
    """A private GNUPGHOME with the configured OpenPGP keys, and the SSH allowed signers.

    Raises:
        InputError: a key file is missing or holds no OpenPGP public key.
        UsageError: OpenPGP keys are configured but `gpg` is not installed.
    """
    check_key_files(allowed_signers_file, gpg_public_keys)
    with tempfile.TemporaryDirectory(
        prefix="soxtrail-gnupg-", ignore_cleanup_errors=True
    ) as directory:
        home = Path(directory)
        try:
            fingerprints = _import_keys(home, gpg_public_keys) if gpg_public_keys else ()
            if allowed_signers_file is None:
                allowed = home / "allowed_signers"
                allowed.write_bytes(b"")
            else:
                allowed = allowed_signers_file.resolve()
            yield Trust(
                config=(f"gpg.ssh.allowedSignersFile={allowed}",),
                env={"GNUPGHOME": str(home)},
                gpg_fingerprints=fingerprints,
            )
        finally:
            _stop_daemons(home)


def _gpg(home: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    program = shutil.which("gpg")
    if program is None:
        raise UsageError(
            "[signing] gpg_public_keys needs the gpg command (GnuPG) to verify OpenPGP "
            "signatures; install gnupg"
        )
    return subprocess.run(  # noqa: S603 - fixed gpg argv, no shell
        [program, "--homedir", str(home), "--batch", "--no-tty", "--status-fd", "1", *args],
        input=stdin,
        capture_output=True,
        check=False,
    )


def _import_keys(home: Path, files: Sequence[Path]) -> tuple[str, ...]:
    fingerprints: list[str] = []
    for path in files:
        done = _gpg(home, "--import", str(path))
        imported = [
            line.split()[3].decode("ascii")
            for line in done.stdout.splitlines()
            if line.startswith(b"[GNUPG:] IMPORT_OK ") and len(line.split()) >= 4
        ]
        if not imported:
            said = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
            raise InputError(
                str(path),
                "",
                "holds no OpenPGP public key"
                + (f" (gpg: {said[-1].removeprefix('gpg: ')})" if said else ""),
            )
        fingerprints.extend(imported)
    unique = tuple(dict.fromkeys(fingerprints))
    ownertrust = "".join(f"{fpr}:6:\n" for fpr in unique).encode("ascii")
    done = _gpg(home, "--import-ownertrust", stdin=ownertrust)
    if done.returncode != 0:
        raise UsageError(
            "gpg could not mark the configured keys trusted: "
            + done.stderr.decode("utf-8", errors="replace").strip()
        )
    return unique


def _stop_daemons(home: Path) -> None:
    """Stop any gpg-agent or keyboxd that gpg started for the temporary home."""
    gpgconf = shutil.which("gpgconf")
    if gpgconf is not None and any(home.glob("S.*")):
        subprocess.run(  # noqa: S603 - fixed gpgconf argv, no shell
            [gpgconf, "--homedir", str(home), "--kill", "all"],
            capture_output=True,
            check=False,
        )
