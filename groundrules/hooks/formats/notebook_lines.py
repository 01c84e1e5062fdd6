"""Where a notebook cell's source lines sit in the .ipynb file, so reports that need a line of the
file (SARIF regions) can point at it.

nbformat stores a cell's source as a list of strings, one per line, each on its own line of the
JSON file: the file line of a cell line is the line where its string starts.  The JSON is walked
with the standard library's decoder to learn where each value starts, nothing is guessed from the
layout; a source stored as one string puts all its lines on that string's line.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Dict, List, Optional, Tuple

_SPACE = re.compile(r"[ \t\n\r]*")

#: Cell number (1-based, as findings number them) -> file line of each of its source lines.
FileLines = Dict[int, List[int]]


def _skip(text: str, index: int) -> int:
    match = _SPACE.match(text, index)
    return match.end() if match else index


def _members(decoder: json.JSONDecoder, text: str, index: int) -> Dict[str, int]:
    """The start of each member's value of the object at ``index``."""
    found: Dict[str, int] = {}
    index = _skip(text, index + 1)
    while index < len(text) and text[index] != "}":
        key, index = decoder.raw_decode(text, index)
        index = _skip(text, _skip(text, index) + 1)  # past the colon
        found.setdefault(str(key), index)
        _, index = decoder.raw_decode(text, index)
        index = _skip(text, index)
        if index < len(text) and text[index] == ",":
            index = _skip(text, index + 1)
    return found


def _items(decoder: json.JSONDecoder, text: str, index: int) -> List[Tuple[int, object]]:
    """The start and value of each item of the array at ``index``."""
    found: List[Tuple[int, object]] = []
    index = _skip(text, index + 1)
    while index < len(text) and text[index] != "]":
        value, end = decoder.raw_decode(text, index)
        found.append((index, value))
        index = _skip(text, end)
        if index < len(text) and text[index] == ",":
            index = _skip(text, index + 1)
    return found


def file_lines(data: bytes) -> FileLines:
    """Each cell's source lines' lines in the file; empty when the file is not such a notebook."""
    try:
        text = data.decode("utf-8-sig")
        return _file_lines(text)
    except (UnicodeDecodeError, ValueError, RecursionError, IndexError, TypeError):
        return {}


def _file_lines(text: str) -> FileLines:
    decoder = json.JSONDecoder()
    newlines = [i for i, char in enumerate(text) if char == "\n"]

    def line_of(index: int) -> int:
        return bisect.bisect_left(newlines, index) + 1

    start = _skip(text, 0)
    if text[start : start + 1] != "{":
        return {}
    cells_at = _members(decoder, text, start).get("cells")
    if cells_at is None or text[cells_at] != "[":
        return {}
    result: FileLines = {}
    for number, (cell_at, cell) in enumerate(_items(decoder, text, cells_at), start=1):
        if not isinstance(cell, dict) or text[cell_at] != "{":
            continue
        source_at = _members(decoder, text, cell_at).get("source")
        if source_at is None:
            continue
        if text[source_at] == "[":
            parts = [(line_of(at), value) for at, value in _items(decoder, text, source_at) if isinstance(value, str)]
        else:
            value = cell.get("source")
            parts = [(line_of(source_at), value)] if isinstance(value, str) else []
        lines: List[int] = []
        at_line_start = True
        for file_line, part in parts:
            for piece in part.splitlines(keepends=True):
                if at_line_start:
                    lines.append(file_line)
                at_line_start = piece != piece.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        result[number] = lines
    return result


class CellLines:
    """Each notebook's cell lines in the file, worked out once per report (read from the finding's
    path, as the report's reader sees it)."""

    def __init__(self) -> None:
        self._lines: Dict[str, FileLines] = {}

    def file_line(self, path: str, cell: int, line: int) -> Optional[int]:
        """The line of the .ipynb file holding ``line`` of ``cell``; ``None`` when unknown."""
        if path not in self._lines:
            try:
                with open(path, "rb") as handle:
                    self._lines[path] = file_lines(handle.read())
            except OSError:
                self._lines[path] = {}
        lines = self._lines[path].get(cell, [])
        return lines[line - 1] if 0 < line <= len(lines) else None
