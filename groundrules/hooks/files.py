"""Which files a command looks at, and the dotted module name of each."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Iterable, List, Sequence, Tuple

from groundrules.rules.modules import module_name

__all__ = ["discover", "git_ignored", "module_name"]

SUFFIXES = (".py", ".pyi", ".ipynb")
#: Directories never walked into (as ruff's defaults); explicitly named files are still checked.
SKIP_DIRS = frozenset(
    """.bzr .direnv .eggs .git .hg .mypy_cache .nox .pants.d .pytest_cache .ruff_cache .svn .tox
    .venv __pycache__ __pypackages__ _build buck-out build dist node_modules site-packages venv
    .groundrules_cache .groundrules-cache""".split()
)


def discover(paths: Sequence[str]) -> Tuple[List[Path], List[str]]:
    """Files to check under ``paths`` and one error line per path that does not exist."""
    found: List[Path] = []
    errors: List[str] = []
    walked: List[Path] = []
    for name in paths or ["."]:
        path = Path(name)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
                for file in sorted(files):
                    if file.endswith(SUFFIXES):
                        walked.append(Path(root) / file)
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            errors.append(f"{name}: no such file or directory")
    ignored = git_ignored(walked)
    found.extend(p for p in walked if p not in ignored)
    return found, errors


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
