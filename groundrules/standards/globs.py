"""Path globs as ruff and pre-commit users write them: ``*``, ``?``, ``[...]`` and ``**``.

Patterns match POSIX paths relative to the directory of the configuration that declared them.
A pattern without a slash matches a file name at any depth (``*.ipynb``), as in ``.gitignore``.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, Pattern


def validate_glob(pattern: str) -> None:
    """Raise ``ValueError`` naming what is wrong with ``pattern``."""
    if not pattern.strip():
        raise ValueError("an empty glob matches nothing")
    if "***" in pattern:
        raise ValueError(f"{pattern!r}: '***' is not a glob; use '**' for any depth")
    depth = 0
    for char in pattern:
        if char == "[":
            if depth:
                raise ValueError(f"{pattern!r}: '[' inside a character class")
            depth = 1
        elif char == "]" and depth:
            depth = 0
    if depth:
        raise ValueError(f"{pattern!r}: unclosed '[' character class")


@functools.lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> Pattern[str]:
    validate_glob(pattern)
    pat = pattern.strip()
    anchored = "/" in pat.rstrip("/")
    pat = pat.lstrip("/")
    if pat.startswith("./"):
        pat = pat[2:]
    dir_only = pat.endswith("/")
    pat = pat.rstrip("/")
    out = []
    i = 0
    while i < len(pat):
        char = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            end = pat.index("]", i + 1)
            body = pat[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append(f"[{body}]")
            i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    # A pattern naming a directory also matches everything below it.
    suffix = "/.*" if dir_only else "(?:/.*)?"
    return re.compile(f"^{prefix}{body}{suffix}$")


def matches(path: str, patterns: Iterable[str]) -> bool:
    """True when the relative POSIX ``path`` matches any of ``patterns``."""
    return any(compile_glob(p).match(path) for p in patterns)
