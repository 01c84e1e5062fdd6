"""Progress (``files done/total`` on stderr): on a terminal, for runs past a second; never in CI
or when stderr is piped."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Tuple

import pytest

from groundrules.hooks.progress import DELAY, Progress, wanted

BODY = "".join(
    f"def function_{i}(items, key=None):\n"
    f"    total = 0\n"
    f"    for item in items:\n"
    f"        if item is not None and item != {i}:\n"
    f"            total += len(str(item)) * {i}\n"
    f"    return {{'total': total, 'key': key}}\n\n\n"
    for i in range(60)
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    for i in range(160):
        (root / f"module_{i}.py").write_text(BODY, encoding="utf-8")
    return root


def _run_on_pty(root: Path, extra_env: Dict[str, str]) -> Tuple[str, str, float]:
    """(stdout, what the terminal showed on stderr, seconds) of a run whose stderr is a pty."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "NO_COLOR": "1", **extra_env}
    master, slave = pty.openpty()
    start = time.monotonic()
    # stdout to a file: a pipe nobody reads until the pty closes would fill up and block the run.
    out = root.parent / f"{root.name}.stdout"
    with out.open("wb") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "groundrules", "check", "--no-cache", "--jobs", "1", "."],
                                cwd=root, stdout=handle, stderr=slave, env=env)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    proc.wait(timeout=120)
    os.close(master)
    stdout = out.read_text(encoding="utf-8")
    return stdout, shown.decode(), time.monotonic() - start


def test_a_long_run_shows_progress_on_a_terminal(corpus):
    stdout, shown, seconds = _run_on_pty(corpus, {})
    assert seconds > DELAY + 0.5, "corpus too small to take more than a second"
    assert "groundrules: 160/160 files" in shown
    assert "/160 files" not in stdout  # the report stays clean
    assert shown.endswith("\r\x1b[K")  # the line is erased before the report


def test_no_progress_in_ci_or_when_piped(corpus):
    _, shown, _ = _run_on_pty(corpus, {"CI": "true"})
    assert "files" not in shown
    env = {"PATH": "/usr/bin:/bin", "HOME": str(corpus), "NO_COLOR": "1"}
    piped = subprocess.run([sys.executable, "-m", "groundrules", "check", "--no-cache", "--jobs", "1", "."],
                           cwd=corpus, capture_output=True, text=True, env=env, check=False)
    assert piped.stderr == ""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quick_runs_print_nothing_and_redraws_are_throttled():
    now = [0.0]
    stream = Terminal()
    progress = Progress(100, stream, clock=lambda: now[0])
    for _ in range(50):
        progress.advance()
        now[0] += 0.001
    assert stream.getvalue() == ""  # under a second: silent
    now[0] = 2.0
    for _ in range(49):
        progress.advance()  # same instant: one redraw
    progress.advance()  # the last file is always drawn
    assert stream.getvalue() == "\rgroundrules: 51/100 files\rgroundrules: 100/100 files"
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[K")
    assert wanted(Terminal(), {}) and not wanted(Terminal(), {"CI": "1"}) and not wanted(io.StringIO(), {})
