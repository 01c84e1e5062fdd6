"""GR313's entry in the fix registry.  The fix rewrites a notebook's JSON, not Python, so it is
applied by :func:`groundrules.codemods.notebooks.fix_notebook` when ``fix_source`` is given an
``.ipynb`` file; as a LibCST transformer it has nothing to do."""

from __future__ import annotations

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


class StripNotebookOutputs(Fix):
    codes = ("GR313",)
    fix_class = FixClass.SAFE
