"""``# noqa`` comments, read the way flake8 reads them, plus an optional reason after `` -- ``.

``# noqa`` alone silences every code on its line; ``# noqa: GR201,GR3`` silences codes starting
with any listed code (flake8 matches prefixes too); ``# noqa: GR201 -- reviewed, test fixture``
carries the reason that ``reason-required`` asks for.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

# flake8's own pattern (flake8.defaults.NOQA_INLINE_REGEXP), so both runners agree on what a
# comment silences, plus mypy's codes (``mypy:arg-type``, ``mypy``) and bandit's bare prefix
# (``B``: every bandit test) for the gate; the reason is looked for after it.
CODE = r"mypy(?::[a-z0-9-]+)?|[A-Z]+[0-9]+|B(?![\w:])"
NOQA = re.compile(rf"# noqa(?::[\s]?(?P<codes>((?:{CODE})(?:[,\s]+)?)+))?", re.IGNORECASE)
_NOQA = NOQA
_REASON = re.compile(r"\s*--\s*(?P<reason>\S.*?)\s*$")
_SPLIT = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class Suppression:
    line: int
    column: int  # 1-based column of the '#'
    codes: Tuple[str, ...]  # empty for a blanket noqa
    reason: Optional[str]

    @property
    def blanket(self) -> bool:
        return not self.codes

    def covers(self, code: str) -> bool:
        return self.blanket or code.startswith(self.codes)


def parse_suppressions(lines: Sequence[str]) -> Dict[int, Suppression]:
    """The suppressions of a file, by 1-based line number."""
    found: Dict[int, Suppression] = {}
    for number, text in enumerate(lines, start=1):
        if "noqa" not in text.lower():
            continue
        match = _NOQA.search(text)
        if match is None:
            continue
        codes_text = match.group("codes") or ""
        codes = tuple(c for c in _SPLIT.split(codes_text) if c)
        reason_match = _REASON.match(text, match.end())
        reason = reason_match.group("reason") if reason_match else None
        found[number] = Suppression(number, match.start() + 1, codes, reason)
    return found


def comment_lines(text: str) -> frozenset[int]:
    """Lines whose ``# noqa`` is a real comment, not text inside a string.

    Silencing follows flake8 (which matches physical lines), but judging a suppression (GR902,
    GR903) must not mistake a docstring or an example string for one.
    """
    lines = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT and "noqa" in token.string.lower():
                lines.add(token.start[0])
    except (tokenize.TokenError, SyntaxError):
        # The file parsed, so this is only an unterminated construct at the very end; the
        # comments read so far are all there are.
        return frozenset(lines)
    return frozenset(lines)
