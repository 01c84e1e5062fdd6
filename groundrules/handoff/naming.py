"""Python names for steps and settings: snake_case, unique, never a keyword or a builtin."""

from __future__ import annotations

import builtins
import keyword
import re
from typing import Iterable, Optional, Set

_ARTICLES = frozenset({"a", "an", "the", "and", "of", "to", "for", "in", "on", "with"})
_RESERVED = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)


def snake_case(text: str, max_words: int = 5, articles: bool = False) -> str:
    """``"Load the Sales (2023)"`` -> ``load_sales_2023``; empty when nothing is left."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    words = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", text)]
    while words and words[0].isdigit():
        words.pop(0)  # "2. Train" is numbered, not named, by its number
    kept = words if articles else [w for w in words if w not in _ARTICLES] or words
    return "_".join(kept[:max_words])


class Names:
    """Hands out identifiers that collide with nothing already taken."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken: Set[str] = set(taken)

    def claim(self, wanted: str, fallback: str, suffix: str = "") -> str:
        base = wanted if wanted.isidentifier() and not wanted[:1].isdigit() else ""
        if not base:
            base = fallback
        if base in _RESERVED or keyword.iskeyword(base):
            base = f"{base}_{suffix}" if suffix else f"{base}_"
        name = base
        if name in self.taken and suffix and not base.endswith(f"_{suffix}"):
            name = base = f"{base}_{suffix}"
        counter = 2
        while name in self.taken:
            name = f"{base}_{counter}"
            counter += 1
        self.taken.add(name)
        return name

    def __contains__(self, name: object) -> bool:
        return name in self.taken


def heading_of(markdown: str) -> Optional[str]:
    """The text of the first Markdown heading in a cell, if any."""
    for line in markdown.splitlines():
        match = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match and match.group(1).strip():
            return match.group(1).strip()
    return None
