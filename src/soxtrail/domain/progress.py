"""Where long work reports how far it got; the CLI shows a Rich progress bar."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, total: int | None, description: str) -> None: ...

    def advance(self, amount: int) -> None: ...


class NoProgress:
    """A progress sink that shows nothing."""

    def start(self, total: int | None, description: str) -> None:
        return None

    def advance(self, amount: int) -> None:
        return None
