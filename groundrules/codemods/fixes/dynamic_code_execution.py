"""GR207: ``df[c].apply(eval)`` -> ``df[c].apply(ast.literal_eval)`` (UNSAFE: for review).

The rule marks fixable only the builtin ``eval`` handed to ``.apply``/``.map``/``.applymap`` or to
``map(eval, ...)``, in a module where ``ast`` names nothing else.  ``ast.literal_eval`` gives the
same values for literal data and raises on anything else, which is why the fix needs
``--unsafe-fixes``: whether the data is only literals cannot be proven statically.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


class LiteralEval(Fix):
    codes = ("GR207",)
    fix_class = FixClass.UNSAFE

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if original_node.value != "eval" or not self.flagged(original_node):
            return updated_node
        AddImportsVisitor.add_needed_import(self.context, "ast")
        self.applied += 1
        return cst.Attribute(value=cst.Name("ast"), attr=cst.Name("literal_eval"))
