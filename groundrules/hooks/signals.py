"""SIGINT and SIGTERM end a run promptly, with one line on stderr and the shell's exit code.

The signal becomes an exception in the main thread, so every ``finally`` on the way out runs: the
worker pool is terminated (hooks/runner.py) and an atomic write under way removes its temporary
file (hooks/atomic.py), leaving every file old or new.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType
from typing import Callable, NoReturn, Optional, TypeVar

T = TypeVar("T")
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130, as a shell reports Ctrl-C
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143
STOPPED = (EXIT_INTERRUPTED, EXIT_TERMINATED)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived (a CI timeout, ``kill``).  A KeyboardInterrupt, so that code which already
    lets Ctrl-C through (mypy's runner in hooks/gate) stops for SIGTERM too."""


def _raise_terminated(signum: int, frame: Optional[FrameType]) -> None:
    raise Terminated()


def run_interruptible(command: Callable[[], int]) -> int:
    """``command()``'s exit code, or 130/143 after one line on stderr when SIGINT/SIGTERM ends it."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return command()
    except Terminated:
        return _stopped("terminated (SIGTERM)", EXIT_TERMINATED)
    except KeyboardInterrupt:
        return _stopped("interrupted (SIGINT)", EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _stopped(what: str, code: int) -> int:
    # A second signal while the line is written must not turn into a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.stderr.write(f"groundrules: {what}: stopped; files are unchanged or completely rewritten\n")
    sys.stderr.flush()
    return code


def exit_now(code: int) -> NoReturn:
    """Leave without the interpreter's teardown, after a signal stopped the run: every ``finally``
    has run and the workers are reaped, and the teardown (collecting a run's parse trees, joining
    the executor's threads) can take most of a second that SIGTERM's sender does not give."""
    for stream in (sys.stdout, sys.stderr):
        if not stream.closed:
            with contextlib.suppress(OSError):  # a broken pipe: nothing more can reach it
                stream.flush()
    os._exit(code)
