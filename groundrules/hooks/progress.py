"""``files done/total`` on stderr while a long run works: only on a terminal, never in CI logs or
when stderr is piped, and only once the run has taken longer than a second (a quick run, the
usual pre-commit case, prints nothing)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional, TextIO

#: A run shorter than this shows no progress at all.
DELAY = 1.0
#: Redraw at most this often: a line per file would cost more than the check of a small file.
INTERVAL = 0.1


def wanted(stream: TextIO, environ: Mapping[str, str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return callable(isatty) and bool(isatty()) and not environ.get("CI")


@dataclass
class Progress:
    total: int
    stream: Optional[TextIO]  # None: silent
    clock: Callable[[], float] = time.monotonic
    done: int = 0
    shown: bool = False
    _start: float = field(default=0.0)
    _last: float = field(default=0.0)

    def __post_init__(self) -> None:
        self._start = self.clock()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.stream is None:
            return
        now = self.clock()
        if now - self._start < DELAY or (self.shown and now - self._last < INTERVAL and self.done < self.total):
            return
        self._last = now
        self.shown = True
        self.stream.write(f"\rgroundrules: {self.done}/{self.total} files")
        self.stream.flush()

    def close(self) -> None:
        """Erase the line, so the report that follows starts on a clean one."""
        if self.stream is not None and self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def for_run(total: int, stream: TextIO) -> Progress:
    return Progress(total, stream if wanted(stream, os.environ) else None)
