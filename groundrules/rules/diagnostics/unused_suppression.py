"""GR903: a GR code in ``# noqa`` that silences nothing."""

from __future__ import annotations

import re
from typing import FrozenSet, List, Mapping, Sequence, Tuple

from groundrules.rules.framework import Finding, Rule
from groundrules.rules.suppressions import CODE, Suppression
from groundrules.rules.suppressions import NOQA as NOQA  # re-exported for the fix
from groundrules.standards.model import FileStandards
from groundrules.standards.schema import Category, FixClass, Severity

# The same pattern the suppressions are read with, so the codes found here are the codes judged.
_CODE = re.compile(CODE, re.IGNORECASE)


def code_spans(text: str, start: int) -> List[Tuple[str, int]]:
    """The codes of the ``# noqa`` at character ``start`` of ``text``, each with its character
    column (0-based)."""
    match = NOQA.match(text, start)
    if match is None or match.group("codes") is None:
        return []
    offset = match.start("codes")
    return [(m.group(), offset + m.start()) for m in _CODE.finditer(match.group("codes"))]


def judged_codes(standards: FileStandards) -> FrozenSet[str]:
    """The codes a run judged this file with: the enabled ones, and those off in an exploration
    file by policy (not narrowed by the run: a code that did not fire there is as unused as in a
    run with every rule selected)."""
    off = standards.exploration_off if standards.exploration else frozenset()
    return standards.enabled | off


def every_rule_selected(enabled: FrozenSet[str]) -> bool:
    """True when the run selects every ``GR`` rule that is on by default: only then is a code that
    did not fire known to be unused (the fix removes codes only then)."""
    from groundrules.rules.registry import all_rules

    return all(r.code in enabled for r in all_rules() if r.default_enabled)


class UnusedSuppression(Rule):
    code = "GR903"
    name = "unused-suppression"
    category = Category.DIAGNOSTICS
    severity = Severity.WARNING
    fix = FixClass.SAFE
    message = "`# noqa: {code}` silences nothing on this line: {why}"
    what = """
Finds `GRnnn` codes in a `# noqa` comment that did not fire on that line, or that name no rule.
Only `GR` codes are judged (other tools' codes are theirs); codes deselected in the run are
skipped, since they could not have fired.
"""
    why = """
A stale suppression outlives the code it was written for and will silently hide the next real
finding on that line. An unknown code is usually a typo that suppresses nothing at all.
"""
    use_instead = "import yaml\nconfig = yaml.safe_load(s)\n"
    fix_safety = """
SAFE: remove the unused codes from the comment (other codes and the ` -- reason` stay), and the
whole comment when no code remains. Only in runs with every `GR` rule selected: in a narrower run a
code that did not fire may still be needed, so those findings are not marked fixable. The finding
is reported at the column of the unused code.
"""
    bad = (
        "x = 1  # noqa: GR206\n",
        "import yaml\nconfig = yaml.safe_load(s)  # noqa: GR206 -- was yaml.load\n",
        "y = 2  # noqa: GR999\n",
        "import yaml\nconfig = yaml.load(s)  # noqa: GR206, GR101\n",
    )
    good = (
        "import yaml\nconfig = yaml.load(s)  # noqa: GR206\n",
        "import yaml\nconfig = yaml.load(s)  # noqa: GR2\n",
        # Other tools' codes are not ours to judge; a blanket noqa names no code.
        "import os  # noqa: F401\n",
        "x = 1  # noqa\n",
    )

    def review(self, findings: Sequence[Finding], suppressions: Mapping[int, Suppression]) -> None:
        from groundrules.rules.registry import all_rules

        known = tuple(r.code for r in all_rules()) + tuple(
            b.code for b in self.ctx.standards.banned_api
        )
        enabled = self.ctx.standards.enabled
        fixable = every_rule_selected(judged_codes(self.ctx.standards))
        fired: dict[int, list[str]] = {}
        for finding in findings:
            fired.setdefault(finding.line, []).append(finding.code)
        for suppression in suppressions.values():
            codes_here = fired.get(suppression.line, [])
            text = self.ctx.line_text(suppression.line)
            spans = code_spans(text, suppression.column - 1)
            if [c for c, _ in spans] != list(suppression.codes):  # cannot happen; be safe
                spans = [(c, suppression.column - 1) for c in suppression.codes]
            for code, column in spans:
                if not code.startswith("GR"):
                    continue
                # ast columns (and so findings) count UTF-8 bytes.
                where = (suppression.line, len(text[:column].encode("utf-8", "surrogatepass")))
                if not any(k.startswith(code) for k in known):
                    self.report(where, fixable=fixable, code=code, why="no such rule")
                    continue
                if not any(c.startswith(code) for c in enabled):
                    continue  # deselected in this run: it could not have fired
                if not any(c.startswith(code) for c in codes_here):
                    self.report(
                        where,
                        fixable=fixable,
                        code=code,
                        why="the rule did not fire here; remove the code",
                    )
