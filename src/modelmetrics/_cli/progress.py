"""A tiny progress bar for the command line, drawn on stderr only when it is a terminal."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]

_WIDTH = 24


class Progress:
    """``[#####.....] 3/6 label`` on one line, redrawn in place.

    Drawn only when `enabled` is true (by default: when `stream` is a terminal), so
    pipes and logs get no control characters. Use as a context manager; the line is
    wiped on exit.
    """

    def __init__(
        self, total: int, *, stream: TextIO | None = None, enabled: bool | None = None
    ) -> None:
        self.total = max(int(total), 1)
        self.done = 0
        self.stream = sys.stderr if stream is None else stream
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self._width = 0

    def step(self, label: str) -> None:
        """Show that work on `label` is starting."""
        self._draw(label)

    def advance(self, label: str = "") -> None:
        """Count one unit of work as done."""
        self.done = min(self.done + 1, self.total)
        self._draw(label)

    def _draw(self, label: str) -> None:
        if not self.enabled:
            return
        filled = _WIDTH * self.done // self.total
        line = f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {self.done}/{self.total} {label}"
        pad = max(self._width - len(line), 0)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._width = len(line)

    def close(self) -> None:
        """Wipe the bar's line."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
