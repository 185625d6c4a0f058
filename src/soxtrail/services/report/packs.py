"""Evidence packs kept in a directory: requested through the server, written in the
background, listed and downloaded.

Layout under the packs directory (`[server] reports_dir`):

    <id>/pack.json     the request and its status: running, done, failed or interrupted
    <id>/files/        the pack, present only once complete

A pack is written into `<id>/.work/` and renamed to `<id>/files/` when every file is there,
so a reader never sees half a pack; a failure removes `.work/` and records the error.
`pack.json` is replaced atomically. A pack whose writer process died (same host, pid gone)
reads as `interrupted`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from soxtrail.domain.errors import NotFoundError, SoxtrailError, UsageError
from soxtrail.services.report.pack import PackSummary

STATUS_FILE = "pack.json"
FILES_DIR = "files"
WORK_DIR = ".work"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class PackRequest:
    """What to write: the same choices as `soxtrail report`."""

    period: str
    system: str | None
    formats: Sequence[str]
    bundle: bool
    seed: str | None
    size: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "system": self.system,
            "formats": list(self.formats),
            "bundle": self.bundle,
            "seed": self.seed,
            "size": self.size,
        }


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-") or "x"


def new_pack_id(request: PackRequest, now: datetime) -> str:
    """`2026-Q3-billing-20261122T101500Z-3f9a1c`: readable, sortable by time, unique."""
    return "-".join(
        (
            _slug(request.period),
            _slug(request.system or "all"),
            now.strftime("%Y%m%dT%H%M%SZ"),
            secrets.token_hex(3),
        )
    )


class PackShelf:
    """The packs directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, pack_id: str) -> Path:
        if not _ID.match(pack_id):
            raise NotFoundError(f"no evidence pack {pack_id!r}")
        return self.root / pack_id

    def start(self, request: PackRequest, *, requested_by: str, now: datetime) -> dict[str, Any]:
        """Record a new pack as running; returns its status document."""
        pack_id = new_pack_id(request, now)
        directory = self.root / pack_id
        directory.mkdir(parents=True)
        status = {
            "schema": 1,
            "id": pack_id,
            "request": request.to_json(),
            "requested_by": requested_by,
            "requested_at": now.isoformat(),
            "status": "running",
            "writer": {"host": socket.gethostname(), "pid": os.getpid()},
        }
        self._write_status(directory, status)
        return status

    def run(
        self,
        pack_id: str,
        write: Callable[[Path], PackSummary],
        *,
        finished: Callable[[], datetime],
    ) -> dict[str, Any]:
        """Write the pack with `write(work_dir)` and publish it, or record why it failed."""
        directory = self._dir(pack_id)
        status = self._read_status(directory)
        work = directory / WORK_DIR
        shutil.rmtree(work, ignore_errors=True)
        try:
            summary = write(work)
        except SoxtrailError as exc:
            shutil.rmtree(work, ignore_errors=True)
            status.update(status="failed", error={"code": exc.code, "message": exc.message})
        except Exception as exc:  # the server logs it; the pack says it failed, never done
            shutil.rmtree(work, ignore_errors=True)
            status.update(
                status="failed",
                error={"code": "internal", "message": f"{type(exc).__name__}: {exc}"},
            )
            status["finished_at"] = finished().isoformat()
            self._write_status(directory, status)
            raise
        else:
            work.rename(directory / FILES_DIR)
            document = summary.to_json()
            document.pop("directory", None)
            document["files"] = [Path(p).name for p in document["files"]]
            if document.get("bundle"):
                document["bundle"] = Path(document["bundle"]).name
            status.update(status="done", summary=document)
        status["finished_at"] = finished().isoformat()
        self._write_status(directory, status)
        return status

    def get(self, pack_id: str) -> dict[str, Any]:
        """The status document of a pack, with its files when complete."""
        directory = self._dir(pack_id)
        if not (directory / STATUS_FILE).is_file():
            raise NotFoundError(f"no evidence pack {pack_id!r}")
        status = self._read_status(directory)
        if status["status"] == "running" and not _writer_alive(status.get("writer", {})):
            status["status"] = "interrupted"
        if status["status"] == "done":
            status["files"] = [
                {"name": f.name, "bytes": f.stat().st_size}
                for f in sorted((directory / FILES_DIR).iterdir())
                if f.is_file()
            ]
        return status

    def list(self) -> list[dict[str, Any]]:
        """Every pack, newest request first."""
        if not self.root.is_dir():
            return []
        found = [
            self.get(d.name)
            for d in self.root.iterdir()
            if d.is_dir() and _ID.match(d.name) and (d / STATUS_FILE).is_file()
        ]
        return sorted(found, key=lambda s: (s["requested_at"], s["id"]), reverse=True)

    def file(self, pack_id: str, name: str) -> Path:
        """The path of one file of a complete pack (only names the pack lists)."""
        status = self.get(pack_id)
        if status["status"] != "done":
            raise UsageError(f"evidence pack {pack_id} is {status['status']}, not complete")
        names = {f["name"] for f in status["files"]}
        if name not in names:
            raise NotFoundError(f"evidence pack {pack_id} has no file {name!r}")
        return self._dir(pack_id) / FILES_DIR / name

    @staticmethod
    def _read_status(directory: Path) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((directory / STATUS_FILE).read_text("utf-8"))
        return document

    @staticmethod
    def _write_status(directory: Path, status: dict[str, Any]) -> None:
        public = {k: v for k, v in status.items() if k != "files"}
        temporary = directory / f".{STATUS_FILE}.tmp"
        temporary.write_text(json.dumps(public, indent=2, sort_keys=True) + "\n", "utf-8")
        temporary.replace(directory / STATUS_FILE)


def _writer_alive(writer: dict[str, Any]) -> bool:
    """Whether the process writing a pack still runs (unknown hosts are assumed alive)."""
    if writer.get("host") != socket.gethostname():
        return True
    pid = writer.get("pid")
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
