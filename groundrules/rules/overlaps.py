"""One problem, one finding: rules that overlap on a line, and which finding the user sees.

Some rules look at the same code from two sides (`!pip install` is both an IPython escape and a
run-time install; `except: pass` is both bare and silent).  Reported as they are, one line gets two
findings for one cause.  Each entry below names the finding that stays (the more specific rule)
and what becomes of the other on the same line (same file, cell and line):

- ``drop``: the winner's message already says everything the loser would;
- ``name``: the loser's advice is different and still true, so the winner names it, and takes
  the higher of the two severities.

Advice about a habit of the whole file (``ONCE_PER_FILE``) is one finding per file.

Only reports are merged: fixes still see every finding (``check_source(as_reported=False)``), so
the loser's fix is still applied.  Entries apply in order, so a chain (GR308 into GR307, then
GR307 into GR114) ends in one finding.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from groundrules.rules.framework import Finding


@dataclass(frozen=True)
class Overlap:
    winner: str
    loser: str
    mode: str  # "drop" or "name"
    why: str


#: (winner, loser, mode, why), applied in this order.
_TABLE = (
    ("GR214", "GR103", "drop", "`!pip install`: the run-time install is the problem, not the escape"),
    ("GR112", "GR111", "name", "`except: pass` is silent and bare: one handler, one finding"),
    ("GR401", "GR402", "drop", "an unseeded legacy draw: GR401 names the seeded Generator GR402 asks for"),
    ("GR401", "GR409", "name", "an estimator without `random_state` and other defaults: one call, one finding"),
    ("GR307", "GR308", "name", "one read without `dtype=` and `usecols=`"),
    ("GR309", "GR114", "drop", "a literal dataset path: the catalog is the fix for both"),
    ("GR114", "GR307", "name", "a read of a hard-coded path: the path first, the read's advice named"),
    ("GR114", "GR308", "name", "a read of a hard-coded path: the path first, the read's advice named"),
)
#: The table as values (built from literals, so importing this module runs nothing).
OVERLAPS: Tuple[Overlap, ...] = tuple(Overlap(*row) for row in _TABLE)

#: Advice about a habit of the whole file (legacy ``np.random``, ``inplace=True``, ``.values``,
#: ``np.dot``): one finding, at the first occurrence, counting the others.  The fix still
#: rewrites every occurrence.
ONCE_PER_FILE = frozenset({"GR402", "GR405", "GR415", "GR417"})

Where = Tuple[str, Optional[int], int]


def _where(finding: Finding) -> Where:
    return (finding.path, finding.cell, finding.line)


def one_per_cause(findings: Sequence[Finding], overlaps: Sequence[Overlap] = OVERLAPS) -> List[Finding]:
    """``findings`` with the overlapping ones merged; order kept."""
    current = list(findings)
    for overlap in overlaps:
        winners: Dict[Where, int] = {}
        for index, finding in enumerate(current):
            if finding.code == overlap.winner:
                winners.setdefault(_where(finding), index)
        if not winners:
            continue
        dropped = set()
        for index, finding in enumerate(current):
            if finding.code != overlap.loser or _where(finding) not in winners:
                continue
            dropped.add(index)
            if overlap.mode == "name":
                at = winners[_where(finding)]
                winner = current[at]
                current[at] = dataclasses.replace(
                    winner,
                    message=f"{winner.message}; also {finding.code}: {finding.message}",
                    severity=max(winner.severity, finding.severity),
                )
        current = [finding for index, finding in enumerate(current) if index not in dropped]
    return _once_per_file(current)


def _once_per_file(findings: List[Finding]) -> List[Finding]:
    first: Dict[Tuple[str, str], int] = {}
    more: Dict[int, int] = {}
    kept: List[Finding] = []
    for finding in findings:
        if finding.code not in ONCE_PER_FILE:
            kept.append(finding)
            continue
        key = (finding.path, finding.code)
        if key in first:
            more[first[key]] += 1
            continue
        first[key] = len(kept)
        more[len(kept)] = 0
        kept.append(finding)
    for index, count in more.items():
        if count:
            finding = kept[index]
            kept[index] = dataclasses.replace(
                finding, message=f"{finding.message} ({count} more like it in this file)"
            )
    return kept
