"""The dotted module name of a file, from the ``__init__.py`` files around it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional


def module_name(path: Path) -> Optional[str]:
    """``pkg/sub/mod.py`` -> ``pkg.sub.mod`` when ``pkg`` and ``sub`` hold ``__init__.py``."""
    path = path.resolve()
    parts = [] if path.stem == "__init__" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.append(folder.name)
        folder = folder.parent
    return ".".join(reversed(parts)) or None
