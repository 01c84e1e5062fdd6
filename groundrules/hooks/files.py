"""Which files a command looks at, the dotted module name of each, and how a file is read.

Only regular files are read.  A tree can hold anything under a source file's name: a FIFO (reading
it blocks forever), a link to ``/dev/zero`` (reading it never ends), a socket, a symbolic-link loop.
Those are skipped with one warning line each, and every read is bounded by ``max-file-size``.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from groundrules.rules.modules import module_name

__all__ = ["Discovery", "FileTooLarge", "discover", "find_files", "git_ignored", "module_name", "read_bounded"]

SUFFIXES = (".py", ".pyi", ".ipynb")
#: Directories never walked into (as ruff's defaults); explicitly named files are still checked.
SKIP_DIRS = frozenset(
    """.bzr .direnv .eggs .git .hg .mypy_cache .nox .pants.d .pytest_cache .ruff_cache .svn .tox
    .venv __pycache__ __pypackages__ _build buck-out build dist node_modules site-packages venv
    .groundrules_cache .groundrules-cache""".split()
)
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


@dataclass
class Discovery:
    """The files to check; one error line per missing path; one warning line per skipped file."""

    files: List[Path] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)


class FileTooLarge(Exception):
    """The file is larger than ``max-file-size``; it was not read."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes, over max-file-size ({limit} bytes): not read")
        self.size = size
        self.limit = limit


class NotRegularFile(OSError):
    """The path is (or became, since it was found) something other than a regular file."""


def find_files(paths: Sequence[str]) -> Discovery:
    """Files to check under ``paths`` (``.`` when none): regular files, and links to regular files
    inside the directory walked (as black does: ``fix`` writes through a link, and must not
    rewrite a file outside the tree it was asked to fix).  Named files are taken as they are."""
    found = Discovery()
    walked: List[Path] = []
    roots: Dict[Path, str] = {}  # a walked link -> the real path of the directory walked
    named: List[Path] = []
    for name in paths or ["."]:
        path = Path(name)
        if path.is_dir():
            # os.walk does not follow directory links, so a directory loop cannot trap the walk.
            top = os.path.realpath(path)
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
                for file in sorted(files):
                    if file.endswith(SUFFIXES):
                        walked.append(Path(root) / file)
                        if os.path.islink(walked[-1]):
                            roots[walked[-1]] = top
        elif os.path.lexists(path):
            named.append(path)  # pre-commit passes files: checked even when git ignores them
        else:
            found.errors.append(f"{name}: no such file or directory")
    ignored = git_ignored(walked)
    seen = set()
    for path in named + [p for p in walked if p not in ignored]:
        why = not_regular(path)
        if why is not None:
            found.warnings.append(f"{path}: skipped, {why}")
            continue
        real = os.path.realpath(path)
        walked_from = roots.get(path)
        if walked_from is not None and os.path.commonpath([walked_from, real]) != walked_from:
            found.warnings.append(f"{path}: skipped, a link to a file outside {walked_from}")
            continue
        if real not in seen:  # a link to a file also found: its findings once, not twice
            seen.add(real)
            found.files.append(path)
    return found


def discover(paths: Sequence[str]) -> Tuple[List[Path], List[str]]:
    """Files to check under ``paths`` and one error line per path that does not exist (the
    skipped special files are left out silently; :func:`find_files` also says which)."""
    found = find_files(paths)
    return found.files, found.errors


def not_regular(path: Path) -> Optional[str]:
    """Why ``path`` (links followed) is not a regular file to read, or ``None`` when it is one."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return "a broken symbolic link"
        return f"cannot stat: {exc.strerror or exc}"
    return None if stat.S_ISREG(mode) else _kind(mode)


def _kind(mode: int) -> str:
    for test, kind in _KINDS:
        if test(mode):
            return f"not a regular file but {kind}"
    return "not a regular file"


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises :class:`FileTooLarge` over the limit and ``OSError`` when the file cannot be read or is
    not a regular file.  Opened non-blocking and checked on the open descriptor, so a file swapped
    for a FIFO or a device after it was found can neither block nor feed an endless read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(errno.EINVAL, _kind(info.st_mode))
        if info.st_size > limit:
            raise FileTooLarge(info.st_size, limit)
        chunks: List[bytes] = []
        size = 0
        while True:  # the file may grow while it is read: stop one byte past the limit
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise FileTooLarge(size, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_or_none(path: Path, limit: int) -> Optional[bytes]:
    """``read_bounded``, or ``None`` for a file that cannot be read, is not a regular file or is
    over ``limit`` (for readers whose caller already reported such a file: the gate, baselines)."""
    try:
        return read_bounded(path, limit)
    except (OSError, FileTooLarge):
        return None


def git_ignored(paths: Iterable[Path]) -> frozenset[Path]:
    """The paths git ignores (``.gitignore``), or none when git or a repository is absent."""
    candidates = list(paths)
    if not candidates:
        return frozenset()
    try:
        proc = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"],
            input="\0".join(str(p) for p in candidates).encode(),
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    if proc.returncode not in (0, 1):
        return frozenset()
    return frozenset(Path(p) for p in proc.stdout.decode(errors="surrogateescape").split("\0") if p)
