"""GR105: delete module-level leftover cell outputs (``df``, ``df.shape``, ``df.head()``) (UNSAFE: a
cell's output and an expression's exceptions are behaviour; see docs/fix-audit.md).

The rule reports the expression statement; ``df.info()`` (it prints) is reported without a fix.
"""

from __future__ import annotations

from groundrules.codemods.deletion import DeleteStatements
from groundrules.standards.schema import FixClass


class CellOutputLeftoverExpression(DeleteStatements):
    codes = ("GR105",)
    fix_class = FixClass.UNSAFE
