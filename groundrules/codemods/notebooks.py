"""Fixing a notebook: the Python fixes on its code cells, then strip what running it left behind
(GR313), and write the JSON back in the file's own layout, so that a notebook with nothing to fix stays byte for byte the same and a fixed
one differs only where something was removed."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple, Type, Union

from groundrules.codemods.framework import FixOutcome, fix_source
from groundrules.rules.engine import check_source
from groundrules.rules.framework import Finding, Rule
from groundrules.rules.notebooks import (
    RUN_METADATA,
    RUN_NOTEBOOK_METADATA,
    Cell,
    NotebookCode,
    NotebookError,
    code_of,
    parse_code,
    read_notebook,
)
from groundrules.standards.model import FileStandards
from groundrules.standards.schema import FixClass

STRIP_CODE = "GR313"


@dataclass(frozen=True)
class Layout:
    """How a notebook's JSON is written: Jupyter uses indent 1, ``": "``, raw UTF-8, a final newline."""

    indent: Union[None, str]
    item_separator: str
    key_separator: str
    ensure_ascii: bool
    final_newline: bool
    crlf: bool

    def dump(self, notebook: Any) -> str:
        text = json.dumps(
            notebook,
            indent=self.indent,
            separators=(self.item_separator, self.key_separator),
            ensure_ascii=self.ensure_ascii,
        )
        if self.final_newline:
            text += "\n"
        return text.replace("\n", "\r\n") if self.crlf else text


_INDENT = re.compile(r"\A\{\r?\n([ \t]+)\"")
_ESCAPED_NON_ASCII = re.compile(r"\\u(?:00[89a-fA-F]|0[1-9a-fA-F]|[1-9a-fA-F])")


def layout_of(text: str) -> Layout:
    match = _INDENT.match(text)
    indent = match.group(1) if match else None
    compact_keys = '": ' not in text and '":' in text
    if indent is None:
        item_separator = "," if re.search(r'[\]}"\d],"', text) and ", " not in text else ", "
    else:
        item_separator = ","
    ensure_ascii = text.isascii() and _ESCAPED_NON_ASCII.search(text) is not None
    return Layout(
        indent,
        item_separator,
        ":" if compact_keys else ": ",
        ensure_ascii,
        text.endswith("\n"),
        "\r\n" in text,
    )


def strip_run_state(notebook: Dict[str, Any]) -> int:
    """Remove outputs, execution counts, run metadata and widget state, in place; the number of
    GR313 findings this settles (one per cell, one for the notebook's metadata)."""
    settled = 0
    for cell in notebook.get("cells") or []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        touched = False
        if cell.get("outputs"):
            cell["outputs"] = []
            touched = True
        if cell.get("execution_count") is not None:
            cell["execution_count"] = None
            touched = True
        metadata = cell.get("metadata")
        if isinstance(metadata, dict):
            for key in RUN_METADATA:
                if key in metadata:
                    del metadata[key]
                    touched = True
        settled += touched
    metadata = notebook.get("metadata")
    if isinstance(metadata, dict) and any(key in metadata for key in RUN_NOTEBOOK_METADATA):
        for key in RUN_NOTEBOOK_METADATA:
            metadata.pop(key, None)
        settled += 1
    return settled


def fix_notebook(
    text: str,
    path: str,
    rel_path: str,
    standards: FileStandards,
    rules: Sequence[Type[Rule]],
    allowed: FrozenSet[FixClass],
    only: Optional[Callable[[Finding], bool]] = None,
) -> FixOutcome:
    """The notebook with its allowed fixes applied: the Python fixes on its code cells (joined as
    the check joins them, magics masked and restored, only changed cells rewritten), then GR313's
    stripping; unchanged text when there is nothing to do."""
    notebook = _load(text)
    try:
        _, cells = read_notebook(text.encode("utf-8"))
    except NotebookError:
        return FixOutcome(text, ())
    if notebook is None:
        return FixOutcome(text, ())
    fixed: List[str] = []
    dropped: List[Tuple[str, str]] = []
    # A cell that does not parse is left out (emptied), as the check leaves it out.
    tree, code, errors = parse_code(code_of(cells))
    broken = frozenset(cell for cell, _, _, _ in errors)
    if tree is not None and code.text.strip():
        outcome = fix_source(code.text, path + ".py", rel_path + ".py", standards, rules, allowed, only=only)
        dropped.extend(outcome.dropped)
        if outcome.fixed and outcome.text != code.text:
            sources = cell_sources(code, cells, outcome.text, broken)
            for culprit in sorted(set(outcome.fixed), reverse=True) if sources is None else ():
                # Drop only the fix whose change cannot be put back into its cells.
                retry = fix_source(code.text, path + ".py", rel_path + ".py", standards, rules, allowed,
                                   skip=frozenset({culprit}), only=only)
                mapped = cell_sources(code, cells, retry.text, broken) if retry.text != code.text else None
                if mapped is not None:
                    dropped.append((culprit, "the fixed code could not be mapped back to its cells"))
                    outcome, sources = retry, mapped
                    break
            if sources is None:
                dropped.append(("*", "the fixed code could not be mapped back to its cells; cells not rewritten"))
            else:
                for number, source in sources.items():
                    _set_source(notebook["cells"][number - 1], source)
                fixed.extend(outcome.fixed)
    findings = check_source(text.encode("utf-8"), path, rel_path, standards, rules).findings
    if any(f.code == STRIP_CODE and f.fix in allowed for f in findings):
        fixed.extend(STRIP_CODE for _ in range(strip_run_state(notebook)))
    if not fixed:
        return FixOutcome(text, (), tuple(dropped))
    new_text = layout_of(text).dump(notebook)
    after = check_source(new_text.encode("utf-8"), path, rel_path, standards, rules).findings
    if STRIP_CODE in fixed and any(f.code == STRIP_CODE for f in after):
        return FixOutcome(text, (), ((STRIP_CODE, f"{STRIP_CODE} still reported after its fix"),))
    return FixOutcome(new_text, tuple(sorted(fixed)), tuple(dropped))


def cell_sources(
    code: NotebookCode, cells: Sequence[Cell], fixed_text: str, broken: FrozenSet[int] = frozenset()
) -> Optional[Dict[int, str]]:
    """The new source of each cell the fixes changed, magics restored; ``None`` when a change
    straddles cells (it could not be put back without moving code between them)."""
    old = list(code.lines)
    new = fixed_text.splitlines()
    owner: List[int] = []
    for span in code.spans:
        owner.extend([span.cell] * span.count)
    if not owner:
        return None
    by_cell: Dict[int, List[str]] = {span.cell: [] for span in code.spans}
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                by_cell[owner[i1 + offset]].append(new[j1 + offset])
            continue
        touched = set(owner[i1:i2])
        if len(touched) > 1:
            return None
        # Inserted lines belong to the cell of the line above them (the first cell at the top).
        cell = owner[i1] if i1 < i2 else owner[max(i1 - 1, 0)]
        by_cell[cell].extend(new[j1:j2])
    restore = {m.masked: m.original for m in code.masked}
    original = {cell.number: cell for cell in cells}
    changed: Dict[int, str] = {}
    for span in code.spans:
        before = list(old[span.first - 1 : span.first - 1 + span.count])
        lines = by_cell[span.cell]
        if lines == before:
            continue
        if span.cell in broken:
            return None
        cell_lines = original[span.cell].source.splitlines()
        magic_line = next((m for m in code.masked if m.line >= span.first and "run_cell_magic(" in m.masked
                           and m.line < span.first + span.count), None)
        if magic_line is not None:
            if magic_line.masked in lines:
                return None  # a fix touched the body of a cell magic, which is not Python
            while lines and not lines[-1]:
                lines.pop()  # the emptied body of a cell magic the fix replaced
        lines = [restore.get(line, line) for line in lines]
        ending = "\n" if original[span.cell].source.endswith(("\n", "\r")) or not cell_lines else ""
        changed[span.cell] = "\n".join(lines) + (ending if lines else "")
    new_cells = [Cell(c.number, c.cell_type, changed.get(c.number, c.source)) for c in cells]
    # The cells must read back as the code that was checked and fixed (blank lines aside: the
    # emptied body of a replaced cell magic is dropped).
    reread = code_of(new_cells)
    for cell in broken:
        reread = reread.blank_cell(cell)
    if _non_blank(reread.text) != _non_blank(fixed_text):
        return None
    return changed


def _non_blank(text: str) -> List[str]:
    return [line for line in text.splitlines() if line.strip()]


def _set_source(cell: Dict[str, Any], source: str) -> None:
    """As the notebook stores it: a list of lines (as Jupyter writes) or one string."""
    if isinstance(cell.get("source"), list):
        cell["source"] = source.splitlines(keepends=True)
    else:
        cell["source"] = source


def _load(text: str) -> Optional[Dict[str, Any]]:
    try:
        notebook = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return notebook if isinstance(notebook, dict) else None
