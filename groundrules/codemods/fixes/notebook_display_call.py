"""GR104: delete ``display(...)`` expression statements and their then-unused imports (UNSAFE:
``display`` is output).

The rule marks fixable only ``display(...)`` calls (IPython's injected name or
``IPython.display.display``) that are whole expression statements.
"""

from __future__ import annotations

from groundrules.codemods.deletion import DeleteStatements
from groundrules.standards.schema import FixClass


class NotebookDisplayCall(DeleteStatements):
    codes = ("GR104",)
    fix_class = FixClass.UNSAFE
