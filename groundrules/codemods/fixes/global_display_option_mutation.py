"""GR108: delete module-level pandas ``display.*`` option settings (UNSAFE: they change
what is printed and shown).

The rule marks fixable only ``pd.set_option("display.*", value)`` expression statements whose keys
are all display options, and single-target assignments to ``pd.options.display.*``, with values
that have no effects of their own (no calls).
"""

from __future__ import annotations

from groundrules.codemods.deletion import DeleteStatements
from groundrules.standards.schema import FixClass


class GlobalDisplayOptionMutation(DeleteStatements):
    codes = ("GR108",)
    fix_class = FixClass.UNSAFE
