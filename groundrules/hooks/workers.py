"""Worker processes that never outlive the command, however the command ends.

A worker forked by ``ProcessPoolExecutor`` keeps both ends of its task pipe, so it sees no EOF when
the parent dies: killed by SIGKILL or an out-of-memory killer, the parent would leave its workers
waiting for work, reparented to init, for as long as the machine lives.  Each worker therefore
watches its parent (a thread polling the parent's pid) and, on Linux, also asks the kernel for a
SIGTERM when the parent dies (``PR_SET_PDEATHSIG``).  SIGTERM in a worker busy with a file unwinds
that task first (an atomic write under way removes its temporary file), then exits; an idle worker
exits at once.  SIGINT is the parent's to handle (a terminal sends Ctrl-C to the whole group).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from types import FrameType
from typing import Callable, Dict, Optional, TypeVar

J = TypeVar("J")
R = TypeVar("R")

#: How often a worker looks for its parent: the longest a worker outlives a killed parent.
POLL_SECONDS = 0.2
PR_SET_PDEATHSIG = 1
#: Whether this worker is inside a task: per process, as signal dispositions are.
_STATE: Dict[str, bool] = {"in_task": False}


class _Stop(BaseException):
    """SIGTERM inside a task: unwinds it (its ``finally`` blocks run), then the worker exits."""


def start_worker(parent: int) -> None:
    """``ProcessPoolExecutor`` initializer: runs first in every worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_term)
    direct = os.getppid() == parent  # False under forkserver/spawn-by-server start methods
    if direct:
        _ask_kernel_for_sigterm()
    watcher = threading.Thread(target=_watch, args=(parent, direct), name="groundrules-parent-watch", daemon=True)
    watcher.start()


def _on_term(signum: int, frame: Optional[FrameType]) -> None:
    if _STATE["in_task"]:
        raise _Stop()
    os._exit(128 + signum)


def run_task(func: Callable[[J], R], item: J) -> R:
    """``func(item)`` in a worker; on SIGTERM, exit once the task has unwound.  (The executor's
    worker loop catches every exception of a task and waits for the next one: a plain
    ``SystemExit`` would not end the worker.)"""
    _STATE["in_task"] = True
    try:
        return func(item)
    except _Stop:
        os._exit(128 + signal.SIGTERM)
    finally:
        _STATE["in_task"] = False


def _ask_kernel_for_sigterm() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return  # no libc to ask: the watcher thread still covers it
    prctl = getattr(libc, "prctl", None)
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _watch(parent: int, direct: bool) -> None:
    while not _parent_gone(parent, direct):
        time.sleep(POLL_SECONDS)
    # As the kernel's SIGTERM would: the task unwinds first, so an atomic write under way removes
    # its temporary file (leaving at once left one behind in the user's tree).  If the main
    # thread cannot get to it (a long parse holding the GIL), leave anyway: nobody is left to
    # read a result.
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(1.0)
    os._exit(1)


def _parent_gone(parent: int, direct: bool) -> bool:
    if direct:
        return os.getppid() != parent  # reparented: the parent died
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """End ``pool`` now: pending work cancelled, running workers terminated and reaped."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + 1.0
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(1.0)
