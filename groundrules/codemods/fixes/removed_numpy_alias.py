"""GR426: ``np.float`` -> ``float``, ``np.NaN`` -> ``np.nan``, ``np.product`` -> ``np.prod``...

SAFE: each replacement is the very object the removed alias was (see the rule's table), valid on
NumPy 1.x too; the rule marks a builtin alias fixable only where the module does not rebind the
builtin's name, and never marks a ``from numpy import`` of a removed name.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.rules.datascience.removed_numpy_alias import SAFE_REPLACEMENTS
from groundrules.standards.schema import FixClass


class RemovedNumpyAlias(Fix):
    codes = ("GR426",)
    fix_class = FixClass.SAFE

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        old = updated_node.attr.value
        if old not in SAFE_REPLACEMENTS or not self.flagged(original_node):
            return updated_node
        kind, new = SAFE_REPLACEMENTS[old]
        self.applied += 1
        if kind == "numpy":
            return updated_node.with_changes(attr=cst.Name(new))
        if kind == "builtin":
            return cst.Name(new, lpar=updated_node.lpar, rpar=updated_node.rpar)
        return cst.Float(new, lpar=updated_node.lpar, rpar=updated_node.rpar)
