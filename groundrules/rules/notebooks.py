"""Jupyter notebooks (nbformat 4 JSON) as Python the rules can read, and back.

The code cells are joined into one module, so that facts spanning cells hold (an import in cell 1
is used in cell 5), with a map from each line of the joined text to its cell and line there.
IPython syntax is masked line for line as IPython itself rewrites it (``%time x`` becomes
``get_ipython().run_line_magic('time', 'x')``, ``!ls`` becomes ``get_ipython().system('ls')``),
so the rules about magics see what they see in an nbconvert script, and every other line keeps
its number and columns.  Cells are numbered from 1 in file order, markdown and raw cells
included: VS Code's and JupyterLab's cell index plus one (Jupyter's ``[n]`` execution counts are
stripped before committing, so they cannot locate anything).

nbformat itself is not imported: reading a notebook needs only ``json``.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import json
import re
import tokenize
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from groundrules.rules.framework import Finding


class NotebookError(ValueError):
    """The file is not a notebook this module can read; ``line``/``column`` (0-based) in the file."""

    def __init__(self, message: str, line: int = 1, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Cell:
    number: int  # 1-based, in file order, every cell type counted
    cell_type: str
    source: str


@dataclass(frozen=True)
class Masked:
    """A line whose IPython syntax was replaced by the equivalent Python call."""

    line: int  # 1-based line of the joined text
    original: str
    masked: str


@dataclass(frozen=True)
class Span:
    cell: int
    first: int  # 1-based line of the joined text where the cell starts
    count: int  # lines the cell has


@dataclass(frozen=True)
class NotebookCode:
    """The code cells joined into one module, with where each line came from."""

    text: str
    lines: Tuple[str, ...]
    spans: Tuple[Span, ...]
    masked: Tuple[Masked, ...]

    def locate(self, line: int) -> Tuple[int, int]:
        """(cell number, 1-based line in the cell) of a line of the joined text."""
        # Spans are in line order: a binary search keeps locating every finding linear overall.
        low, high = 0, len(self.spans)
        while low < high:
            middle = (low + high) // 2
            if self.spans[middle].first <= line:
                low = middle + 1
            else:
                high = middle
        for span in self.spans[max(low - 2, 0) : low + 1]:
            if span.first <= line < span.first + max(span.count, 1):
                return span.cell, line - span.first + 1
        last = self.spans[-1] if self.spans else Span(1, 1, 0)
        return last.cell, max(line - last.first + 1, 1)

    def to_cell(self, finding: Finding) -> Finding:
        """The finding re-pointed at ``cell N:line:col``."""
        cell, line = self.locate(finding.line)
        end_cell, end_line = self.locate(finding.end_line)
        end_column = finding.end_column
        if end_cell != cell:
            end_line, end_column = line, finding.column
        masked = {m.line: m for m in self.masked}
        if finding.end_line in masked or end_cell != cell:
            # The masked call is longer than the magic it stands for: end at the magic's end.
            original = masked[finding.end_line].original if finding.end_line in masked else ""
            end_column = max(min(end_column, len(original) + 1), finding.column)
        return dataclasses.replace(finding, line=line, end_line=end_line, end_column=end_column, cell=cell)

    def blank_cell(self, cell: int) -> "NotebookCode":
        """The same code with one cell's lines emptied (a cell that does not parse)."""
        lines = list(self.lines)
        for span in self.spans:
            if span.cell == cell:
                for index in range(span.first - 1, span.first - 1 + span.count):
                    lines[index] = ""
        text = "".join(line + "\n" for line in lines)
        return dataclasses.replace(self, text=text, lines=tuple(lines))


#: Cell metadata written by running a notebook: timings and the view state of its outputs.
RUN_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")
#: Notebook metadata written by running it: widget state.
RUN_NOTEBOOK_METADATA = ("widgets",)


def read_notebook(data: bytes) -> Tuple[Dict[str, Any], Tuple[Cell, ...]]:
    """The notebook's JSON object and its cells; raises :class:`NotebookError`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"not a notebook: cannot decode as UTF-8: {exc.reason}") from exc
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"not a notebook: invalid JSON: {exc.msg}", exc.lineno, exc.colno - 1) from exc
    except RecursionError as exc:
        raise NotebookError("not a notebook: JSON nested too deeply") from exc
    if not isinstance(notebook, dict):
        raise NotebookError("not a notebook: the top level is not a JSON object")
    if "worksheets" in notebook and "cells" not in notebook:
        raise NotebookError("nbformat 3 notebooks are not supported: upgrade with `jupyter nbconvert --to notebook`")
    raw_cells = notebook.get("cells")
    if not isinstance(raw_cells, list):
        raise NotebookError('not a notebook: no "cells" list')
    cells: List[Cell] = []
    for number, cell in enumerate(raw_cells, start=1):
        if not isinstance(cell, dict):
            raise NotebookError(f"not a notebook: cell {number} is not a JSON object")
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise NotebookError(f'not a notebook: cell {number} "source" is not a string or list of strings')
        cell_type = cell.get("cell_type")
        cells.append(Cell(number, cell_type if isinstance(cell_type, str) else "", source))
    return notebook, tuple(cells)


def code_of(cells: Sequence[Cell]) -> NotebookCode:
    """The code cells joined into one module, IPython syntax masked."""
    lines: List[str] = []
    spans: List[Span] = []
    masked: List[Masked] = []
    for cell in cells:
        if cell.cell_type != "code":
            continue
        cell_lines = cell.source.splitlines()
        new_lines, changed = mask_cell(cell_lines)
        first = len(lines) + 1
        for index in changed:
            masked.append(Masked(first + index, cell_lines[index], new_lines[index]))
        spans.append(Span(cell.number, first, len(new_lines)))
        lines.extend(new_lines)
    text = "".join(line + "\n" for line in lines)
    return NotebookCode(text, tuple(lines), tuple(spans), tuple(masked))


def parse_code(code: NotebookCode) -> Tuple[Optional[ast.Module], NotebookCode, List[Tuple[int, int, int, str]]]:
    """Parse the joined cells.  A cell that does not parse on its own is emptied and reported
    as ``(cell, line in cell, 0-based column, message)``, so the other cells are still checked;
    the tree is ``None`` only when the rest still does not parse."""
    errors: List[Tuple[int, int, int, str]] = []
    tree, error = _parse(code.text)
    if tree is not None:
        return tree, code, errors
    for span in code.spans:
        alone = "".join(line + "\n" for line in code.lines[span.first - 1 : span.first - 1 + span.count])
        cell_tree, cell_error = _parse(alone)
        if cell_tree is None and cell_error is not None:
            errors.append((span.cell, cell_error[0], cell_error[1], cell_error[2]))
            code = code.blank_cell(span.cell)
    tree, error = _parse(code.text)
    if tree is None and error is not None:
        cell, line = code.locate(error[0])
        errors.append((cell, line, error[1], error[2]))
    return tree, code, errors


def _parse(text: str) -> Tuple[Optional[ast.Module], Optional[Tuple[int, int, str]]]:
    try:
        return ast.parse(text), None
    except SyntaxError as exc:
        return None, (exc.lineno or 1, max((exc.offset or 1) - 1, 0), f"syntax error: {exc.msg}")
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, (1, 0, f"cannot parse: {exc}")


# -- masking IPython syntax ------------------------------------------------------------------

_CELL_MAGIC = re.compile(r"^%%([A-Za-z_][\w.]*)\s*(.*)$")
_LINE_MAGIC = re.compile(r"^(\s*)(%{1,2})([A-Za-z_][\w.]*)(.*)$")
_SHELL = re.compile(r"^(\s*)(!{1,2})(.*)$")
_ASSIGNED = re.compile(r"^(\s*[A-Za-z_][\w.,\s\[\]()*]*?\s*=\s*)([!%])(.*)$")
_HELP_AFTER = re.compile(r"^(\s*)([A-Za-z_][\w.]*(?:\(\))?)(\?{1,2})\s*$")
_HELP_BEFORE = re.compile(r"^(\s*)(\?{1,2})([A-Za-z_][\w.]*)\s*$")
_NOQA_TAIL = re.compile(r"\s+#\s*noqa\b.*$", re.IGNORECASE)


def mask_cell(lines: Sequence[str]) -> Tuple[List[str], List[int]]:
    """The cell's lines with IPython syntax masked, and the 0-based indexes of masked lines."""
    out = list(lines)
    first = next((i for i, line in enumerate(out) if line.strip()), None)
    if first is not None:
        cell_magic = _CELL_MAGIC.match(out[first])
        if cell_magic is not None:
            # The body belongs to the magic (%%bash, %%sql, %%time ...): one call, the rest empty.
            body = "".join(line + "\n" for line in out[first + 1 :])
            out[first] = (
                f"get_ipython().run_cell_magic({cell_magic.group(1)!r}, {cell_magic.group(2).strip()!r}, {body!r})"
            )
            changed = [first]
            for index in range(first + 1, len(out)):
                if out[index]:
                    out[index] = ""
                    changed.append(index)
            return out, changed
    candidates = [i for i, line in enumerate(out) if _mask_line(line) is not None]
    if not candidates:
        return out, []
    inside = _continuation_lines(out, set(candidates))
    changed = []
    for index in candidates:
        if index + 1 in inside:
            continue  # inside a string or brackets: not a statement
        # `%timeit np.fromiter((x for x in y),` continued on the next lines: IPython reads the
        # magic's logical line, so the lines up to the closing bracket are its argument too.
        end = index
        while _unclosed(out[index : end + 1]) and end + 1 < len(out):
            end += 1
        joined = end > index and not _unclosed(out[index : end + 1])
        logical = " ".join([out[index]] + [line.strip() for line in out[index + 1 : end + 1]])
        masked = _mask_line(logical if joined else out[index])
        if masked is not None:
            out[index] = masked
            changed.append(index)
            if joined:
                for following in range(index + 1, end + 1):
                    out[following] = ""
                    changed.append(following)
    return out, changed


def _unclosed(lines: Sequence[str]) -> bool:
    """Do these lines leave a bracket open (a magic's argument continuing below)?"""
    text = "\n".join(lines) + "\n"
    if not any(bracket in text for bracket in "([{"):
        return False
    try:
        for _ in tokenize.generate_tokens(io.StringIO(text).readline):
            pass
    except tokenize.TokenError as exc:
        return "multi-line statement" in str(exc)
    except (SyntaxError, ValueError):
        return False
    return False


def _mask_line(line: str) -> Optional[str]:
    tail = ""
    noqa = _NOQA_TAIL.search(line)
    if noqa is not None and not line.lstrip().startswith("#"):
        # Kept as a real comment so that `# noqa` on a magic line silences it.
        line, tail = line[: noqa.start()], line[noqa.start() :]
    assigned = _ASSIGNED.match(line)
    if assigned is not None and "==" not in assigned.group(1):
        target, kind, rest = assigned.groups()
        if kind == "!":
            return f"{target}get_ipython().getoutput({rest.strip()!r}){tail}"
        name, _, args = rest.partition(" ")
        if re.fullmatch(r"[A-Za-z_][\w.]*", name):
            return f"{target}get_ipython().run_line_magic({name!r}, {args.strip()!r}){tail}"
        return None
    magic = _LINE_MAGIC.match(line)
    if magic is not None:
        indent, _, name, rest = magic.groups()
        if rest and not rest[0].isspace():
            return None
        return f"{indent}get_ipython().run_line_magic({name!r}, {rest.strip()!r}){tail}"
    shell = _SHELL.match(line)
    if shell is not None and shell.group(3).strip() and not shell.group(3).startswith("="):
        indent, bangs, command = shell.groups()
        method = "getoutput" if bangs == "!!" else "system"
        return f"{indent}get_ipython().{method}({command.strip()!r}){tail}"
    help_match = _HELP_AFTER.match(line) or _HELP_BEFORE.match(line)
    if help_match is not None:
        groups = help_match.groups()
        marks = groups[2] if help_match.re is _HELP_AFTER else groups[1]
        target = groups[1] if help_match.re is _HELP_AFTER else groups[2]
        magic_name = "pinfo2" if len(marks) == 2 else "pinfo"
        return f"{groups[0]}get_ipython().run_line_magic({magic_name!r}, {target!r}){tail}"
    return None


def _continuation_lines(lines: Sequence[str], candidates: Set[int]) -> Set[int]:
    """1-based lines that continue a statement (in a multi-line string, in brackets, after a
    backslash), found by tokenizing the cell with the candidate lines neutralised."""
    probe = "".join(
        (line[: len(line) - len(line.lstrip())] + "pass" if i in candidates else line) + "\n"
        for i, line in enumerate(lines)
    )
    inside: Set[int] = {i + 2 for i, line in enumerate(lines) if line.endswith("\\")}
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(probe).readline):
            start, end = token.start[0], token.end[0]
            if end > start:
                inside.update(range(start + 1, end + 1))
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth = max(depth - 1, 0)
            elif token.type == tokenize.NL and depth:
                inside.add(start + 1)
    except (tokenize.TokenError, SyntaxError):
        return inside  # an unterminated construct: what was seen so far is all there is
    return inside
