"""Writing a report to ``--output FILE``: atomically, so CI never uploads half a report."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from groundrules.hooks.atomic import write_text_atomic


def write_report(path: str, report: str) -> Optional[str]:
    """Write ``report`` to ``path``, creating its directory; the error line if that fails."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(target, report)
    except OSError as exc:
        return f"{path}: cannot write the report: {exc.strerror or exc}"
    return None
