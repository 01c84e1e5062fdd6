"""GR903: a GR code in ``# noqa`` that silences nothing."""

from __future__ import annotations

from typing import Mapping, Sequence

from groundrules.rules.framework import Finding, Rule
from groundrules.rules.suppressions import Suppression
from groundrules.standards.schema import Category, Severity


class UnusedSuppression(Rule):
    code = "GR903"
    name = "unused-suppression"
    category = Category.DIAGNOSTICS
    severity = Severity.WARNING
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
SAFE (once codemods land): remove the unused codes, and the whole comment when none remain, only
in runs with every `GR` rule selected.
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
        fired: dict[int, list[str]] = {}
        for finding in findings:
            fired.setdefault(finding.line, []).append(finding.code)
        for suppression in suppressions.values():
            codes_here = fired.get(suppression.line, [])
            for code in suppression.codes:
                if not code.startswith("GR"):
                    continue
                if not any(k.startswith(code) for k in known):
                    self.report((suppression.line, suppression.column - 1), code=code, why="no such rule")
                    continue
                if not any(c.startswith(code) for c in enabled):
                    continue  # deselected in this run: it could not have fired
                if not any(c.startswith(code) for c in codes_here):
                    self.report(
                        (suppression.line, suppression.column - 1),
                        code=code,
                        why="the rule did not fire here; remove the code",
                    )
