"""Fixing a notebook: the Python fixes on its code cells, then strip what running it left behind
(GR313), and write the JSON back in the file's own layout, so that a notebook with nothing to fix stays byte for byte the same and a fixed
one differs only where something was removed."""

from __future__ import annotations

import ast
import difflib
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, Type, Union

from groundrules.codemods.framework import FixOutcome, fix_source, fixes_by_code
from groundrules.rules.engine import check_source
from groundrules.rules.framework import Finding, Rule
from groundrules.rules.notebooks import (
    RUN_METADATA,
    RUN_NOTEBOOK_METADATA,
    Cell,
    NotebookCode,
    NotebookError,
    code_of,
    mask_cell,
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


#: Attempts at fixing the joined cells: each drops the fixes of the findings whose change could
#: not be put back into their cells, so a notebook costs a bounded number of parses.
MAX_ATTEMPTS = 3

_NOT_MAPPED = "its change could not be put back into its cell; the other fixes are applied"


def fix_notebook(
    text: str,
    path: str,
    rel_path: str,
    standards: FileStandards,
    rules: Sequence[Type[Rule]],
    allowed: FrozenSet[FixClass],
    only: Optional[Callable[[Finding], bool]] = None,
    skip_at: FrozenSet[Tuple[str, str]] = frozenset(),
) -> FixOutcome:
    """The notebook with its allowed fixes applied: the Python fixes on its code cells (joined as
    the check joins them, magics masked and restored, only changed cells rewritten), then GR313's
    stripping; unchanged text when there is nothing to do.

    One check of the notebook decides everything: LibCST parses the joined cells only when a
    Python finding has an allowed fix, and a fix whose change cannot be put back into its cell
    is dropped alone (reported with its cell and line) while every other fix is applied."""
    # A notebook is exploration code, and its joined cells (checked as a .py file) are too.
    standards = standards.in_context(True)
    notebook = _load(text)
    try:
        _, cells = read_notebook(text.encode("utf-8"))
    except NotebookError:
        return FixOutcome(text, ())
    if notebook is None:
        return FixOutcome(text, ())
    # The notebook's own rules (GR313) on the file, the Python rules on the joined cells: the
    # same findings ``check`` gives, in the joined code's lines, which the fixes work on.
    notebook_rules = [rule for rule in rules if rule.file_kind == "notebook"]
    findings = check_source(text.encode("utf-8"), path, rel_path, standards, notebook_rules).findings
    fixed: List[str] = []
    dropped: List[Tuple[str, str]] = []
    # A cell that does not parse is left out (emptied), as the check leaves it out.
    tree, code, errors = parse_code(code_of(cells))
    broken = frozenset(cell for cell, _, _, _ in errors)
    if tree is not None and code.text.strip():
        # Every finding, unmerged, as the fixes' verification counts them: merged findings (one
        # GR402 per file "and N more like it") would make any fix look as if it added one.
        joined = check_source(code.text.encode("utf-8", "surrogatepass"), path + ".py", rel_path + ".py", standards,
                              rules, as_reported=False).findings
        registry = fixes_by_code()
        # LibCST parses the cells only when a finding has a fix this run may apply.
        if any(f.fix in allowed and f.code in registry and (only is None or only(f)) for f in joined):
            outcome, sources, notes = _fix_cells(code, cells, broken, joined, path, rel_path, standards, rules,
                                                 allowed, only, skip_at)
            dropped.extend(notes)
            for number, source in sources.items():
                _set_source(notebook["cells"][number - 1], source)
            # A cell a fix emptied (its one ``breakpoint()`` removed) goes: a person would not
            # leave an empty cell behind.  Highest first, so the other numbers still hold.
            for number in sorted((n for n, source in sources.items() if not source.strip()), reverse=True):
                del notebook["cells"][number - 1]
            if sources:
                fixed.extend(outcome.fixed)
    # ``skip_at`` names findings to leave alone by their line; GR313's is the notebook's.
    stripped_kept = any(code == STRIP_CODE for code, _ in skip_at)
    if not stripped_kept and any(f.code == STRIP_CODE and f.fix in allowed and (only is None or only(f))
                                 for f in findings):
        fixed.extend(STRIP_CODE for _ in range(strip_run_state(notebook)))
    if not fixed:
        return FixOutcome(text, (), tuple(dropped))
    new_text = layout_of(text).dump(notebook)
    if STRIP_CODE in fixed:
        after = check_source(new_text.encode("utf-8"), path, rel_path, standards, notebook_rules).findings
        if any(f.code == STRIP_CODE for f in after):
            return FixOutcome(text, (), ((STRIP_CODE, f"{STRIP_CODE} still reported after its fix"),))
    return FixOutcome(new_text, tuple(sorted(fixed)), tuple(dropped))


def _fix_cells(
    code: NotebookCode,
    cells: Sequence[Cell],
    broken: FrozenSet[int],
    joined: Sequence[Finding],
    path: str,
    rel_path: str,
    standards: FileStandards,
    rules: Sequence[Type[Rule]],
    allowed: FrozenSet[FixClass],
    only: Optional[Callable[[Finding], bool]] = None,
    keep: FrozenSet[Tuple[str, str]] = frozenset(),
) -> Tuple[FixOutcome, Dict[int, str], List[Tuple[str, str]]]:
    """Fix the joined cells (``joined``: their findings) and put the result back: (outcome, new
    source by cell, notes).  ``keep``: findings left alone, as (code, stripped line text)."""
    notes: List[Tuple[str, str]] = []
    skip_at: Set[Tuple[str, str]] = set(keep)
    for _ in range(MAX_ATTEMPTS):
        outcome = fix_source(code.text, path + ".py", rel_path + ".py", standards, rules, allowed,
                             skip_at=frozenset(skip_at), findings=joined, only=only)
        notes.extend(d for d in outcome.dropped if d not in notes)
        if not outcome.fixed or outcome.text == code.text:
            return outcome, {}, notes
        mapped = map_cells(code, cells, outcome.text, broken)
        if not mapped.bad:
            return outcome, mapped.changed, notes
        # Drop the fixes of the findings in the cells that could not take their change, alone.
        fixable = [f for f in joined if f.fix in allowed and f.code in outcome.fixed]
        blamed = {(f.code, _line_of(code, f.line).strip()) for f in fixable
                  if code.locate(f.line)[0] in mapped.bad} - skip_at
        if not blamed:
            break
        skip_at |= blamed
        for finding in fixable:
            if (finding.code, _line_of(code, finding.line).strip()) in blamed:
                cell, line = code.locate(finding.line)
                notes.append((f"{finding.code} at cell {cell}:{line}", _NOT_MAPPED))
    notes.append(("*", "the fixed code could not be mapped back to its cells; cells not rewritten"))
    return FixOutcome(code.text, ()), {}, notes


def _line_of(code: NotebookCode, line: int) -> str:
    return code.lines[line - 1] if 0 < line <= len(code.lines) else ""


@dataclass(frozen=True)
class Mapped:
    """The fixed joined code put back into cells: the new source of each changed cell, and the
    cells that could not take their part (a change across a cell boundary, a cell magic's body,
    a cell that no longer reads back as the fixed code)."""

    changed: Dict[int, str]
    bad: FrozenSet[int]


_IMPORT = re.compile(r"^(import|from)\s")


def _continued_magics(code: NotebookCode) -> Dict[str, Tuple[str, ...]]:
    """A line magic whose argument continues in brackets on the lines below is masked as one
    call followed by emptied lines: its masked text -> the original lines it stands for."""
    by_line = {m.line: m for m in code.masked}
    found: Dict[str, Tuple[str, ...]] = {}
    for m in code.masked:
        if not m.masked or "run_cell_magic(" in m.masked:
            continue
        following: List[str] = []
        while (m.line + len(following) + 1) in by_line and by_line[m.line + len(following) + 1].masked == "":
            following.append(by_line[m.line + len(following) + 1].original)
        if following:
            found[m.masked] = (m.original, *following)
    return found


def _restored(lines: Sequence[str], restore: Dict[str, str], continued: Dict[str, Tuple[str, ...]]) -> List[str]:
    """A cell's fixed lines with its IPython syntax put back (a continued magic's placeholder
    lines folded into it)."""
    out: List[str] = []
    placeholders = 0
    for line in lines:
        if placeholders and not line:
            placeholders -= 1
            continue
        placeholders = 0
        if line in continued:
            out.extend(continued[line])
            placeholders = len(continued[line]) - 1
        else:
            out.append(restore.get(line, line))
    return out


def map_cells(
    code: NotebookCode, cells: Sequence[Cell], fixed_text: str, broken: FrozenSet[int] = frozenset()
) -> Mapped:
    """Put the fixed joined code back into its cells, by a line diff against the joined code:
    unchanged lines stay in their cell, a changed line replaces its own, inserted lines go to the
    cell above (an import added at the very top goes to the first code cell that has imports)."""
    old = list(code.lines)
    new = fixed_text.splitlines()
    owner: List[int] = []
    for span in code.spans:
        owner.extend([span.cell] * span.count)
    if not owner:
        return Mapped({}, frozenset(span.cell for span in code.spans))
    magic_cells = {owner[m.line - 1] for m in code.masked if "run_cell_magic(" in m.masked}
    by_cell: Dict[int, List[str]] = {span.cell: [] for span in code.spans}
    bad: Set[int] = set()
    top: List[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in _slide(matcher.get_opcodes(), old, owner):
        if tag == "equal":
            for offset in range(i2 - i1):
                by_cell[owner[i1 + offset]].append(new[j1 + offset])
        elif tag == "insert":
            if i1 == 0:
                top.extend(new[j1:j2])
                continue
            above, below = owner[i1 - 1], owner[i1] if i1 < len(owner) else None
            # A cell magic's body is not Python: lines at its edge go to the Python neighbour.
            cell = below if above in magic_cells and below is not None else above
            by_cell[cell].extend(new[j1:j2])
        elif len(set(owner[i1:i2])) == 1:
            by_cell[owner[i1]].extend(new[j1:j2])
        elif tag == "delete":
            pass  # adjacent deletions in several cells: each cell loses its own lines
        else:
            # Adjacent changes in several cells, which the diff merged: each new line goes to the
            # cell of the old line it resembles most, in order.  Any order-keeping split joins
            # back to the same code; the checks below make sure each cell still parses alone.
            for j, i in enumerate(_align(old[i1:i2], new[j1:j2])):
                by_cell[owner[i1 + i]].append(new[j1 + j])
    if top:
        _place_top(top, cells, code, by_cell, owner, magic_cells | broken)
    restore = {m.masked: m.original for m in code.masked if m.masked}
    continued = _continued_magics(code)
    original = {cell.number: cell for cell in cells}
    changed: Dict[int, str] = {}
    for span in code.spans:
        before = list(old[span.first - 1 : span.first - 1 + span.count])
        lines = by_cell[span.cell]
        if lines == before or span.cell in bad:
            continue
        if span.cell in broken or span.cell in magic_cells:
            bad.add(span.cell)  # not Python the fixes could have read: it must not change
            continue
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        source_lines = _restored(lines, restore, continued)
        ending = "\n" if original[span.cell].source.endswith(("\n", "\r")) else ""
        source = "\n".join(source_lines) + (ending if source_lines else "")
        # The cell must read back as the fixed code (magics masked again) and parse on its own.
        masked, _ = mask_cell(source.splitlines())
        if _non_blank(masked) != _non_blank(lines) or not _parses("".join(line + "\n" for line in masked)):
            bad.add(span.cell)
            continue
        changed[span.cell] = source
    for cell in bad:
        changed.pop(cell, None)
    return Mapped(changed, frozenset(bad))


Opcode = Tuple[str, int, int, int, int]


def _slide(opcodes: Sequence[Opcode], old: Sequence[str], owner: Sequence[int]) -> List[Opcode]:
    """Deletions moved within runs of identical lines so that each stays inside one cell where it
    can: deleting cell 12's ``from m import (`` ... ``)`` after cell 10's closing ``)`` is the
    same edit whichever ``)`` the diff keeps, but only one choice leaves both cells whole."""
    tags = [op[0] for op in opcodes]
    spans = [[op[1], op[2], op[3], op[4]] for op in opcodes]
    index = 0
    while index < len(tags):
        i1, i2 = spans[index][0], spans[index][1]
        if tags[index] != "delete" or len(set(owner[i1:i2])) == 1:
            index += 1
            continue
        if index == 0 or tags[index - 1] != "equal":
            tags.insert(index, "equal")
            spans.insert(index, [i1, i1, spans[index][2], spans[index][2]])
            index += 1
        if index + 1 == len(tags) or tags[index + 1] != "equal":
            tags.insert(index + 1, "equal")
            spans.insert(index + 1, [i2, i2, spans[index][3], spans[index][3]])
        before, after = spans[index - 1], spans[index + 1]
        best, spread = 0, len(set(owner[i1:i2]))
        shift = 0
        while i2 + shift < after[1] and old[i1 + shift] == old[i2 + shift]:
            shift += 1
            if len(set(owner[i1 + shift : i2 + shift])) < spread:
                best, spread = shift, len(set(owner[i1 + shift : i2 + shift]))
        shift = 0
        while i1 - shift > before[0] and old[i1 - shift - 1] == old[i2 - shift - 1]:
            shift += 1
            if len(set(owner[i1 - shift : i2 - shift])) < spread:
                best, spread = -shift, len(set(owner[i1 - shift : i2 - shift]))
        # The equal runs on either side grow and shrink by the shift; the deletion moves with it.
        before[1], before[3] = before[1] + best, before[3] + best
        spans[index] = [i1 + best, i2 + best, spans[index][2] + best, spans[index][3] + best]
        after[0], after[2] = after[0] + best, after[2] + best
        index += 2
    return [(tag, span[0], span[1], span[2], span[3]) for tag, span in zip(tags, spans)]


def _align(old: Sequence[str], new: Sequence[str]) -> List[int]:
    """For each new line, the index of an old line, non-decreasing, maximising the summed
    similarity (a small dynamic programme: the blocks are the few lines of one change)."""
    if len(old) * len(new) > 40_000:
        return [min(j * len(old) // max(len(new), 1), len(old) - 1) for j in range(len(new))]
    scores = [[difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() for a in old] for b in new]
    best: List[List[float]] = []
    choice: List[List[int]] = []
    for j, row in enumerate(scores):
        prev_best, prev_at = -1.0, 0
        best_row: List[float] = []
        choice_row: List[int] = []
        for i, score in enumerate(row):
            if j:
                if best[j - 1][i] > prev_best:
                    prev_best, prev_at = best[j - 1][i], i
                best_row.append(prev_best + score)
                choice_row.append(prev_at)
            else:
                best_row.append(score)
                choice_row.append(i)
        best.append(best_row)
        choice.append(choice_row)
    if not new:
        return []
    at = max(range(len(old)), key=lambda i: best[-1][i])
    path = [at]
    for j in range(len(new) - 1, 0, -1):
        at = choice[j][at]
        path.append(at)
    return path[::-1]


def _place_top(top: List[str], cells: Sequence[Cell], code: NotebookCode, by_cell: Dict[int, List[str]],
               owner: Sequence[int], skip: Set[int]) -> None:
    """Lines a fix put above everything (``import logging`` when the notebook starts with a magic
    or code).  New imports go just above the first import of the first code cell that has
    imports; other lines (``logger = ...`` in a notebook without imports) to the top of the first
    cell the fixes may change (not a cell magic's body, not a cell that does not parse).  Either
    only when no cell above the target changed: nothing above it can use them then."""
    python = [c.number for c in cells if c.cell_type == "code" and c.number in by_cell and c.number not in skip]
    first_python = python[0] if python else owner[0]
    imports_only = all(_IMPORT.match(line) or not line.strip() for line in top)
    target = first_python
    if imports_only:
        target = next((c.number for c in cells if c.number in python
                       and any(_IMPORT.match(line) for line in c.source.splitlines())), first_python)
    unchanged_before = all(
        by_cell[span.cell] == list(code.lines[span.first - 1 : span.first - 1 + span.count])
        for span in code.spans if span.cell < target
    )
    if not unchanged_before:
        target = owner[0]
    lines = by_cell[target]
    if imports_only:
        at = next((i for i, line in enumerate(lines) if _IMPORT.match(line)), 0)
        by_cell[target] = lines[:at] + [line for line in top if line.strip()] + lines[at:]
    else:
        by_cell[target] = top + lines


def cell_sources(
    code: NotebookCode, cells: Sequence[Cell], fixed_text: str, broken: FrozenSet[int] = frozenset()
) -> Optional[Dict[int, str]]:
    """The new source of each cell the fixes changed, magics restored; ``None`` when some change
    could not be put back (see :func:`map_cells`)."""
    mapped = map_cells(code, cells, fixed_text, broken)
    return None if mapped.bad else mapped.changed


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _non_blank(lines: Sequence[str]) -> List[str]:
    return [line for line in lines if line.strip()]


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
