"""Where a finding's rule is documented, for every source a report may carry."""

from __future__ import annotations

from typing import Optional, Type

from groundrules.rules.framework import Finding, Rule
from groundrules.rules.registry import by_code

#: The project's home; the rule docs are ``docs/rules.md`` in it.
PROJECT_URL = "https://github.com/groundrules/groundrules"
RULES_DOC_URL = f"{PROJECT_URL}/blob/main/docs/rules.md"

#: Findings from other tools link to those tools' own rule lists.
SOURCE_DOCS = {
    "bandit": "https://bandit.readthedocs.io/en/latest/plugins/index.html",
    "mypy": "https://mypy.readthedocs.io/en/stable/error_code_list.html",
}


def rule_for(finding: Finding) -> Optional[Type[Rule]]:
    """The groundrules rule behind ``finding``; ``None`` for other tools' codes."""
    if finding.source != "groundrules":
        return None
    return by_code().get(finding.code)


def anchor(rule: Type[Rule]) -> str:
    """GitHub's anchor for the heading ``## GR201 `hardcoded-secret``` in docs/rules.md."""
    return f"{rule.code.lower()}-{rule.name}"


def help_uri(finding: Finding) -> Optional[str]:
    rule = rule_for(finding)
    if rule is not None:
        return f"{RULES_DOC_URL}#{anchor(rule)}"
    return SOURCE_DOCS.get(finding.source)


def title(finding: Finding) -> str:
    """``GR201 hardcoded-secret``, or the bare code when the tool gives no separate name."""
    if finding.name and finding.name != finding.code:
        return f"{finding.code} {finding.name}"
    return finding.code


def location(finding: Finding) -> str:
    """``path:line`` with the notebook cell when there is one: ``nb.ipynb:cell 3:2``."""
    cell = f"cell {finding.cell}:" if finding.cell is not None else ""
    return f"{finding.path}:{cell}{finding.line}"


def in_notebook(finding: Finding) -> bool:
    """Notebook findings count lines within a cell, which are not lines of the .ipynb file."""
    return finding.cell is not None


def with_cell(finding: Finding) -> str:
    """The message, led by the cell and line for a notebook finding."""
    if finding.cell is None:
        return finding.message
    return f"cell {finding.cell}, line {finding.line}: {finding.message}"
