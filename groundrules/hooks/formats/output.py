"""Writing a report to ``--output FILE``: atomically, so CI never uploads half a report."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional


def _mode(target: Path) -> int:
    """Keep an existing report's mode; a new one gets what ``open`` would give it."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_report(path: str, report: str) -> Optional[str]:
    """Write ``report`` to ``path``, creating its directory; the error line if that fails."""
    target = Path(path)
    tmp: Optional[str] = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(report)
        os.chmod(tmp, _mode(target))
        os.replace(tmp, target)
    except OSError as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        return f"{path}: cannot write the report: {exc.strerror or exc}"
    return None
