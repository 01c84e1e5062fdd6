"""GR902: a ``# noqa`` that silences a code the standards want a reason for, without one."""

from __future__ import annotations

from typing import Mapping, Sequence

from groundrules.rules.framework import Example, Finding, Rule
from groundrules.rules.suppressions import Suppression
from groundrules.standards.schema import Category, Severity

_RR = {"reason-required": ["GR2"]}


class SuppressionWithoutReason(Rule):
    code = "GR902"
    name = "suppression-without-reason"
    category = Category.DIAGNOSTICS
    severity = Severity.ERROR
    message = "`# noqa` silences {code} without a reason: write `# noqa: {code} -- why it is safe here`"
    what = """
Finds a `# noqa` comment that silences a finding whose code starts with one of the
`reason-required` prefixes but gives no reason after ` -- `, and a blanket `# noqa` (no codes)
on a line where such a code fires.
"""
    why = """
Security and data-access findings are the ones reviewers must be able to trust. A suppression
that says why (`# noqa: GR203 -- model produced by our own training job`) can be reviewed; a bare
one hides a decision nobody can check, and a blanket `# noqa` hides every future finding too.
"""
    use_instead = "import yaml\nconfig = yaml.load(s)  # noqa: GR206 -- FullLoader needed for our tags\n"
    fix_safety = "No automatic fix: only the author knows the reason."
    bad = (
        Example("import yaml\nconfig = yaml.load(s)  # noqa: GR206\n", options=_RR),
        Example("import yaml\nconfig = yaml.load(s)  # noqa: GR2\n", options=_RR),
        # A blanket noqa where a reason-required code fires, even with a reason.
        Example("import yaml\nconfig = yaml.load(s)  # noqa -- trusted\n", options=_RR),
        Example("import pickle\nm = pickle.loads(b)  # NOQA:GR203\n", options=_RR),
    )
    good = (
        Example("import yaml\nconfig = yaml.load(s)  # noqa: GR206 -- our own file\n", options=_RR),
        # Codes outside reason-required need no reason.
        Example("print('x')  # noqa: GR101\n", options=_RR),
        # Nothing fires on the line: that is GR903's business, not a missing reason.
        Example("x = 1  # noqa: GR206\n", options=_RR),
        # Without reason-required nothing is required.
        "import yaml\nconfig = yaml.load(s)  # noqa: GR206\n",
    )

    def review(self, findings: Sequence[Finding], suppressions: Mapping[int, Suppression]) -> None:
        required = self.ctx.standards.reason_required
        if not required:
            return
        reported = set()
        for finding in findings:
            suppression = suppressions.get(finding.line)
            if suppression is None or not suppression.covers(finding.code):
                continue
            if not finding.code.startswith(tuple(required)) or finding.line in reported:
                continue
            if suppression.blanket or suppression.reason is None:
                reported.add(finding.line)
                self.report((suppression.line, suppression.column - 1), code=finding.code)
