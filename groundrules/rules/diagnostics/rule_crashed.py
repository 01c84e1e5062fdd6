"""GR900: an exception inside a rule is reported as a finding; the run goes on."""

from __future__ import annotations

from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity


class RuleCrashed(Rule):
    code = "GR900"
    name = "rule-crashed"
    category = Category.DIAGNOSTICS
    severity = Severity.ERROR
    message = "rule {code} crashed on this file: {error}"
    what = """
Reports that one of groundrules' own rules raised an exception on this file. The rule's other
findings for the file may be incomplete; every other rule's findings are kept.
"""
    why = """
A bug in one rule must not hide the findings of the others or stop a CI gate; reporting it names
the rule and the file so the bug can be filed.
"""
    use_instead = "# Report the file and the message to the groundrules maintainers.\n"
    # A crash cannot be provoked by a source example without a broken rule; the engine tests
    # install one. The good examples are ordinary files on which no rule crashes.
    bad = ()
    good = ("x = 1\n", "import os\nos.getcwd()\n", "class A:\n    pass\n")
