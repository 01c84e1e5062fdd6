"""GR109: ``from module import *``."""

from __future__ import annotations

import ast

from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity


class StarImport(Rule):
    code = "GR109"
    name = "star-import"
    category = Category.CODING
    severity = Severity.WARNING
    message = "`from {module} import *` hides where names come from: import the names you use"
    what = """
Finds `from module import *` statements, relative ones included.
"""
    why = """
A star import makes every name's origin invisible: readers, linters and type checkers cannot tell
where `train` or `df` comes from, a later import silently shadows an earlier one, and anything the
target module adds to its namespace lands in yours.
"""
    use_instead = """\
from sklearn.metrics import accuracy_score, f1_score

score = f1_score([1, 0], [1, 1])
"""
    fix_safety = """
COND: `*` is replaced by the names the module uses that it does not bind itself (scope analysis),
intersected with what the target module exports, read statically from its source (`__all__`, else
its public top-level names), never by importing it. Applied only when the target's source file is
found (in the project or an installed package); otherwise the finding is only reported.
"""
    options = ()
    bad = (
        "from sklearn.metrics import *\n\nscore = f1_score([1], [1])\n",
        "from os.path import *\n",
        "from .helpers import *\n",
        "def f():\n    return 1\n\nfrom numpy import *\n",
    )
    good = (
        "from sklearn.metrics import f1_score\n\nscore = f1_score([1], [1])\n",
        "import os.path\n",
        "from .helpers import load, save\n",
        # Keyword-only marker and unpacking are not star imports.
        "def f(*, a=1):\n    return [*range(a)]\n",
        "from typing import List as star\n",
    )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if any(alias.name == "*" for alias in node.names):
            module = "." * (node.level or 0) + (node.module or "")
            self.report(node, module=module)
