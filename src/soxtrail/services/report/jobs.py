"""A format written in a child process: `PdfJob` (the PDF's layout) and `XlsxJob` (the
workbook), so that the two heavy writers run on other cores than the one building the model
and writing the JSON, the HTML and the bundle.

The child is spawned, not forked: no database handle, no engine threads cross into it. It
gets its arguments when it starts and, through a pipe, what it needs later (`send`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from soxtrail.domain.errors import InternalError


class ChildJob:
    """Runs `target(pipe, *args)` in a child process that writes `path`; `wait` raises when
    it did not."""

    def __init__(self, path: Path, target: Callable[..., None], *args: Any) -> None:
        self.path = path
        context = multiprocessing.get_context("spawn")
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=target, args=(child, *args), daemon=True)
        self.process.start()
        child.close()

    def send(self, value: Any) -> None:
        # A child that failed already has closed its end: `wait` says so.
        with contextlib.suppress(BrokenPipeError, EOFError):
            self.pipe.send(value)

    def wait(self) -> Path:
        self.process.join()
        self.pipe.close()
        if self.process.exitcode != 0 or not self.path.is_file():
            raise InternalError(
                f"writing {self.path.name} failed in its process (exit {self.process.exitcode})"
            )
        return self.path

    def stop(self) -> None:
        """End the child if it still runs (the pack failed before waiting for it)."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
