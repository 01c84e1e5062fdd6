"""GR411: ``scaler.fit_transform(X_test)`` -> ``scaler.transform(X_test)``.

UNSAFE (policy): the rule reports the call as fixable only when the same object was fitted
earlier in the scope on train-named data and the call passes the data alone; the test rows
are then transformed with the training statistics instead of refitting on them.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


class FitOnTestData(Fix):
    codes = ("GR411",)
    fix_class = FixClass.UNSAFE

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.flagged(original_node):
            return updated_node
        func = updated_node.func
        # ``a.fit_transform(X_test).mean()``: both calls start here; only the fit is renamed.
        if not isinstance(func, cst.Attribute) or func.attr.value != "fit_transform":
            return updated_node
        self.applied += 1
        return updated_node.with_changes(func=func.with_changes(attr=cst.Name("transform")))
