"""Issue 15: special files, bounded reads, signals, workers that never outlive the command, deep
expressions, declined fixes.  Real FIFOs, real links, real signals to a real ``groundrules``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest

from groundrules.rules.engine import check_source
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.loader import load_standards
from groundrules.standards.model import Layer

from conftest import run_cli

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and signals are POSIX")
linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
BAD = "import os\n\nos.system('ls ' + name)\n"


def _tree_with_special_files(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "also.py").symlink_to("good.py")  # the same file: checked once
    os.mkfifo(tmp_path / "fifo.py")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    (tmp_path / "loop1").symlink_to("loop2.py")
    (tmp_path / "loop2.py").symlink_to("loop1")
    (tmp_path / "broken.py").symlink_to("nowhere")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "real.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "linked.py").symlink_to("lib/real.py")  # also reached by the walk: checked once
    (tmp_path.parent / f"{tmp_path.name}-elsewhere.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "outside.py").symlink_to(tmp_path.parent / f"{tmp_path.name}-elsewhere.py")


def _run(args: List[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "groundrules", *args], cwd=cwd, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(cwd)}, timeout=timeout, check=False,
    )


@posix_only
@pytest.mark.parametrize("command", [["check", "."], ["fix", "."], ["check", "--jobs", "2", "."]])
def test_special_files_in_the_tree_are_skipped_with_one_warning_each(tmp_path, command):
    _tree_with_special_files(tmp_path)
    proc = _run(command, tmp_path)  # a FIFO read would block, /dev/zero never end: the timeout fails
    assert "Traceback" not in proc.stderr, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "warning" in line]
    skipped = sorted(w.split(":")[2].strip() for w in warnings)
    assert skipped == ["broken.py", "fifo.py", "loop2.py", "outside.py", "zero.py"], proc.stderr
    assert "FIFO" in proc.stderr and "character device" in proc.stderr and "link loop" in proc.stderr
    assert "a link to a file outside" in proc.stderr
    assert len(proc.stderr.splitlines()) == 5, proc.stderr
    if command[0] == "check":
        # The good file and the linked one are still checked; the warnings do not make it exit 2.
        assert proc.returncode == 1, proc.stderr
        for name in ("good.py", "lib/real.py"):
            assert [line for line in proc.stdout.splitlines() if line.startswith(f"{name}:3:") and "GR208" in line]
        assert "2 files checked" in proc.stdout
    else:
        assert proc.returncode == 0, proc.stdout + proc.stderr


@posix_only
def test_special_files_named_on_the_command_line_are_skipped_too(tmp_path):
    # pre-commit passes file names: the same rules as in a walk.
    _tree_with_special_files(tmp_path)
    proc = _run(["check", "fifo.py", "zero.py", "loop2.py", "good.py"], tmp_path)
    assert proc.returncode == 1 and "GR208" in proc.stdout, proc.stdout + proc.stderr
    assert len([line for line in proc.stderr.splitlines() if "skipped" in line]) == 3, proc.stderr
    assert "Traceback" not in proc.stderr


def test_fix_writes_through_a_link_and_keeps_it_a_link(tmp_path):
    (tmp_path / "lib").mkdir()
    target = tmp_path / "lib" / "conf.py"
    target.write_text("import yaml\n\n\ndef load(s):\n    return yaml.load(s)\n", encoding="utf-8")
    (tmp_path / "conf.py").symlink_to("lib/conf.py")
    proc = run_cli(["fix", "--unsafe-fixes", "conf.py"], tmp_path)  # GR206's rewrite is UNSAFE (#13)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (tmp_path / "conf.py").is_symlink()
    assert "yaml.safe_load(s)" in target.read_text(encoding="utf-8")


def test_a_file_over_max_file_size_is_one_gr901_finding_and_is_not_read(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.groundrules]\nmax-file-size = "1 kB"\n', encoding="utf-8")
    (tmp_path / "big.py").write_text("x = 1\n" * 400, encoding="utf-8")
    (tmp_path / "small.py").write_text(BAD, encoding="utf-8")
    proc = run_cli(["check", "."], tmp_path)
    assert proc.returncode == 1, proc.stderr
    big = [line for line in proc.stdout.splitlines() if line.startswith("big.py")]
    assert len(big) == 1
    assert big[0].startswith("big.py:1:1: GR901 file is 2400 bytes, over max-file-size (1000 bytes): not read"), big
    assert "small.py:3:" in proc.stdout
    fixed = run_cli(["fix", "big.py"], tmp_path)
    assert "max-file-size" in fixed.stderr and (tmp_path / "big.py").read_text(encoding="utf-8") == "x = 1\n" * 400


def test_max_file_size_defaults_to_10_mb_and_a_bad_value_is_one_line_exit_2(tmp_path):
    from groundrules.standards.model import MAX_FILE_SIZE

    assert MAX_FILE_SIZE.default == 10_000_000
    assert MAX_FILE_SIZE.parse("512 KiB") == 512 * 1024 and MAX_FILE_SIZE.parse(2048) == 2048
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    for bad in ('"lots"', "0", "true"):
        (tmp_path / "pyproject.toml").write_text(f"[tool.groundrules]\nmax-file-size = {bad}\n", encoding="utf-8")
        proc = run_cli(["check", "a.py"], tmp_path)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
        assert "pyproject.toml" in proc.stderr and "max-file-size" in proc.stderr


def test_reading_is_bounded_even_for_a_file_that_grows(tmp_path):
    from groundrules.hooks.files import FileTooLarge, read_bounded

    path = tmp_path / "a.py"
    path.write_bytes(b"x" * 100)
    assert read_bounded(path, 100) == b"x" * 100
    with pytest.raises(FileTooLarge):
        read_bounded(path, 99)
    if Path("/dev/zero").exists():
        with pytest.raises(OSError):
            read_bounded(Path("/dev/zero"), 10)  # a device: refused on the open descriptor


@posix_only
@pytest.mark.parametrize("kind", ["fifo", "zero", "loop"])
def test_handoff_of_a_special_file_is_one_line_exit_2_and_writes_nothing(tmp_path, kind):
    src = tmp_path / "eda.ipynb"
    if kind == "fifo":
        os.mkfifo(src)  # a read would block for ever
    elif kind == "zero":
        src.symlink_to("/dev/zero")  # a read would never end
    else:
        (tmp_path / "other").symlink_to("eda.ipynb")
        src.symlink_to("other")
    proc = _run(["handoff", "eda.ipynb", "--to", "job.py"], tmp_path, timeout=30)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and "eda.ipynb" in proc.stderr and "Traceback" not in proc.stderr
    assert {"fifo": "FIFO", "zero": "character device", "loop": "link loop"}[kind] in proc.stderr
    assert not (tmp_path / "job.py").exists() and not (tmp_path / "job.handoff.md").exists()


def test_handoff_of_a_prototype_over_max_file_size_is_one_line_exit_2(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.groundrules]\nmax-file-size = "1 kB"\n', encoding="utf-8")
    (tmp_path / "proto.py").write_text("# %%\n" + "x = 1\n" * 400, encoding="utf-8")
    proc = run_cli(["handoff", "proto.py", "--to", "job.py"], tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "proto.py: file is 2405 bytes, over max-file-size (1000 bytes)" in proc.stderr
    assert not (tmp_path / "job.py").exists()


def test_the_gate_never_hands_bandit_a_file_over_max_file_size(tmp_path):
    # bandit would read (and report on) the file our check refused to read.
    (tmp_path / "pyproject.toml").write_text('[tool.groundrules]\nmax-file-size = "1 kB"\n', encoding="utf-8")
    (tmp_path / "big.py").write_text("import os\nos.system('ls ' + name)\n" + "x = 1\n" * 400, encoding="utf-8")
    (tmp_path / "small.py").write_text(BAD, encoding="utf-8")
    proc = run_cli(["check", "--with", "bandit", "--format", "json", "."], tmp_path)
    assert proc.returncode == 1, proc.stderr
    import json

    findings = json.loads(proc.stdout)["findings"]
    found = {(f["path"], f["code"]) for f in findings}
    assert ("big.py", "GR901") in found and not [c for p, c in found if p == "big.py" and c != "GR901"], found
    # bandit ran on the small file (its B605 joins our GR208), not on the big one.
    assert [f for f in findings if f["path"] == "small.py" and "bandit B605" in f["message"]], findings


@posix_only
def test_baseline_and_the_gate_read_no_special_file(tmp_path):
    _tree_with_special_files(tmp_path)
    proc = _run(["baseline"], tmp_path, timeout=60)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    assert (tmp_path / ".groundrules-baseline.json").exists(), proc.stdout
    gate = _run(["check", "--with", "bandit", "."], tmp_path, timeout=120)
    assert gate.returncode == 1 and "Traceback" not in gate.stderr, gate.stdout + gate.stderr
    # A file swapped for a FIFO after it was checked: the baseline's key reader and the gate's
    # readers refuse it at once instead of blocking (the test's timeout would fail).
    probe = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from groundrules.hooks.baseline import source_file\n"
        "from groundrules.hooks.files import read_or_none\n"
        "assert source_file('fifo.py').lines == ()\n"
        "assert read_or_none(Path('zero.py'), 10**7) is None and read_or_none(Path('fifo.py'), 10**7) is None\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=30,
                         check=False)
    assert out.stdout.strip() == "ok", out.stderr


# -- deep expressions --------------------------------------------------------------------------

N = 1000
DEEP_SHAPES: Dict[str, str] = {
    "sum": "x = " + " + ".join(["a"] * N),
    "string concatenation": "q = " + " + ".join(['"SELECT "'] + ["a"] * N),
    "sql": 'cur.execute("SELECT * FROM t WHERE a = " + ' + " + ".join(["a"] * N) + ")",
    "attributes": "y = a" + ".b" * N,
    "calls": "z = f" + "()" * N,
    "subscripts": "w = d" + "[0]" * N,
    "method chain": "df = pd.read_csv('x.csv')" + ".fillna(0)" * N,
    "conditional": "v = " + " if c else ".join(["a"] * N),
    "percent": "s = 'a %s' % " + " % ".join(["b"] * N),
    "print": "print(" + " + ".join(["password"] * N) + ")",
    "power": "p = " + " ** ".join(["2"] * N),
    "f-strings": "f = " + " + ".join(["f'{a}'"] * N),
    "matmul": "r = np.random.rand(3)" + " @ x" * N,
    "shell": "os.system(" + " + ".join(["a"] * N) + ")",
    "column": "df" + ".loc[0]" * N + " = 1",
    "pandas sum": "t = df + " + " + ".join(["df"] * N),
    "not": "if " + "not " * N + "x:\n    pass",
    "while": "while " + " + ".join(["a"] * N) + " == 0:\n    break",
    "unary minus": "u = " + "-" * N + "1",
    "except": "try:\n    pass\nexcept a" + ".b" * N + ":\n    pass",
    "fit": "model.fit(" + " + ".join(["X_test"] * N) + ", y)",
    "request receiver": "import requests\nr = a" + ".b" * N + ".get('https://x')",
    "with": "with " + " + ".join(["a"] * N) + ":\n    pass",
    "decorator": "@a" + ".b" * N + "\ndef g():\n    pass",
    "annotation": "x: " + " | ".join(["int"] * N) + " = 1",
    "alias": "Alias = " + " | ".join(["int"] * N),
    "return": "def h():\n    return " + " + ".join(["a"] * N),
    "assert": "assert " + " + ".join(["a"] * N),
    "set_option": "pd.set_option('display.width', " + " + ".join(["a"] * N) + ")",
    "shell=True": "import subprocess\nsubprocess.run(" + " + ".join(["a"] * N) + ", shell=True)",
    "dead branch": "if False and " + " + ".join(["a"] * N) + ":\n    pass",
    "log secret": "import logging\nlogging.info(" + " + ".join(["token"] * N) + ")",
}


@pytest.fixture(scope="module")
def every_rule():
    standards = load_standards(None, catalog(), Path.cwd())
    everything = (Layer("all", select=tuple(r.code for r in all_rules())),)
    return standards.resolve(Path("m.py"), catalog(), everything)


@pytest.mark.parametrize("shape", sorted(DEEP_SHAPES))
def test_no_rule_crashes_on_a_deep_expression_that_parses(shape, every_rule):
    source = "import os\nimport numpy as np\nimport pandas as pd\nimport sqlite3\ndf = pd.DataFrame()\n"
    source += DEEP_SHAPES[shape] + "\n"
    findings = check_source(source.encode(), "m.py", "m.py", every_rule, all_rules(), "m").findings
    assert not [f for f in findings if f.code in ("GR900", "GR901")], [f.message for f in findings]


@pytest.mark.parametrize("shape", ["sum", "calls", "attributes", "print"])
def test_no_rule_crashes_on_a_deep_expression_in_a_notebook(shape, every_rule):
    cells = ["import pandas as pd\ndf = pd.DataFrame()", DEEP_SHAPES[shape], "df"]
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                           "source": cell} for cell in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    data = json.dumps(notebook).encode()
    findings = check_source(data, "n.ipynb", "n.ipynb", every_rule, all_rules(), None).findings
    assert not [f for f in findings if f.code in ("GR900", "GR901")], [f.message for f in findings]


def test_gr102_and_gr202_still_report_on_a_1000_term_chain(tmp_path):
    terms = " + ".join(["a"] * N)
    (tmp_path / "m.py").write_text(
        f'import sqlite3\ncur = sqlite3.connect("x").cursor()\ncur.execute("SELECT * FROM t WHERE a = " + {terms})\n'
        f"x = {terms}\n",
        encoding="utf-8",
    )
    proc = run_cli(["check", "m.py"], tmp_path)
    assert "GR900" not in proc.stdout and "Traceback" not in proc.stderr
    assert "m.py:2:1: GR102" in proc.stdout and "m.py:3:" in proc.stdout and "GR202" in proc.stdout


# -- declined fixes ----------------------------------------------------------------------------


def test_a_declined_fix_is_counted_named_and_exits_1(tmp_path):
    # LibCST does not round-trip a file ending in "\n\n ": the GR206 fix `check` offers is declined.
    source = 'import yaml\n\nwith open("c.yml", encoding="utf-8") as f:\n    data = yaml.load(f)\n\n '
    (tmp_path / "conf.py").write_text(source, encoding="utf-8")
    check = run_cli(["check", "--select", "GR206", "conf.py"], tmp_path)
    assert "[*unsafe]" in check.stdout
    proc = run_cli(["fix", "--unsafe-fixes", "--select", "GR206", "conf.py"], tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Nothing to fix." not in proc.stdout
    assert "Declined 1 fix in 1 file" in proc.stdout
    assert "conf.py: fix for all findings not applied: LibCST does not round-trip" in proc.stderr
    assert (tmp_path / "conf.py").read_text(encoding="utf-8") == source


# -- signals and workers -----------------------------------------------------------------------

FIXABLE = 'import yaml\n\n\ndef load(path):\n    with open(path, encoding="utf-8") as f:\n        return yaml.load(f)\n'


def _children(pid: int) -> List[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; a container's init may be slow to reap it


def _project(tmp_path: Path, files: int = 1000) -> Dict[Path, str]:
    # Enough work that the run is still fixing when the signal lands, even when the test itself
    # is slowed by a loaded machine (with 300 files a fast run once finished first).  With more
    # files, a worker whose watcher thread left at once was caught leaving a temporary file.
    originals = {}
    for i in range(files):
        path = tmp_path / f"m{i:03d}.py"
        text = FIXABLE + "".join(f"\n\ndef f{j}(x):\n    return x + {j}\n" for j in range(40))
        path.write_text(text, encoding="utf-8")
        originals[path] = text
    return originals


def _start_fix(tmp_path: Path) -> "tuple[subprocess.Popen[str], List[int]]":
    proc = subprocess.Popen(
        [sys.executable, "-m", "groundrules", "fix", "--unsafe-fixes", "--no-cache", "--jobs", "2", "."],
        cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(tmp_path)},
    )
    deadline = time.monotonic() + 60
    workers: List[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        workers = [c for c in _children(proc.pid) if _cmdline(c) == _cmdline(proc.pid)]
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    assert len(workers) == 2, "the workers never started"
    # Let them fix some files, so the signal lands while files are being written.
    while time.monotonic() < deadline:
        if sum(1 for p in tmp_path.glob("m*.py") if "safe_load" in p.read_text(encoding="utf-8")) >= 2:
            break
        time.sleep(0.02)
    return proc, workers


def _reap(pids: List[int]) -> None:
    """A failed test must not leave its orphans behind."""
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _every_file_old_or_new(tmp_path: Path, originals: Dict[Path, str]) -> None:
    for path, text in originals.items():
        now = path.read_text(encoding="utf-8")
        assert now == text or now == text.replace("yaml.load(f)", "yaml.safe_load(f)"), path
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".groundrules")]


@posix_only
@linux_only
@pytest.mark.parametrize("signum, code, word", [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "SIGINT")])
def test_a_signal_ends_fix_within_a_second_with_one_line_and_no_worker_left(tmp_path, signum, code, word):
    originals = _project(tmp_path)
    proc, workers = _start_fix(tmp_path)
    try:
        sent = time.monotonic()
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
        assert proc.returncode == code, err
        assert err.count("\n") == 1 and word in err and "Traceback" not in err, err
        assert took < 1.0, took
        assert not [w for w in workers if _alive(w)]
    finally:
        _reap(workers)
    _every_file_old_or_new(tmp_path, originals)


@posix_only
@linux_only
def test_workers_exit_when_the_parent_is_killed(tmp_path):
    originals = _project(tmp_path)
    proc, workers = _start_fix(tmp_path)
    proc.kill()  # SIGKILL: no handler runs in the parent; the workers must notice alone
    proc.communicate(timeout=30)
    deadline = time.monotonic() + 5
    try:
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    finally:
        _reap(workers)
    _every_file_old_or_new(tmp_path, originals)


WATCHED_CHILD = """
import multiprocessing, os, sys, time
from groundrules.hooks import workers

def child(parent):
    if {no_prctl}:
        workers._ask_kernel_for_sigterm = lambda: None  # the watcher thread alone
    workers.start_worker(parent)
    print(os.getpid(), flush=True)
    while True:
        time.sleep(1)  # a worker waiting for work that will never come

if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    process = multiprocessing.Process(target=child, args=(os.getpid(),))
    process.start()
    process.join()
"""


@posix_only
@linux_only
@pytest.mark.parametrize("no_prctl", [True, False], ids=["watcher thread only", "with PR_SET_PDEATHSIG"])
def test_each_guard_alone_ends_a_worker_whose_parent_was_killed(tmp_path, no_prctl):
    script = tmp_path / "parent.py"
    script.write_text(WATCHED_CHILD.format(no_prctl=no_prctl), encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    assert _alive(worker)
    parent.kill()
    parent.wait(timeout=10)
    deadline = time.monotonic() + 3
    try:
        while time.monotonic() < deadline and _alive(worker):
            time.sleep(0.02)
        assert not _alive(worker)
    finally:
        _reap([worker])


@linux_only
def test_workers_ask_the_kernel_for_sigterm_when_the_parent_dies():
    import ctypes
    import multiprocessing

    def report(queue):
        from groundrules.hooks.workers import start_worker

        start_worker(os.getppid())
        libc = ctypes.CDLL(None)
        value = ctypes.c_int()
        libc.prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
        queue.put(value.value)

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=report, args=(queue,))
    process.start()
    assert queue.get(timeout=30) == signal.SIGTERM
    process.join(10)
