"""GR121: ``open(path)`` -> ``open(path, encoding="utf-8")`` (and ``Path.open/read_text/write_text``).

UNSAFE (policy): what is read or written changes where the locale's encoding was not UTF-8.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import PickedCallFix, set_keyword
from groundrules.standards.schema import FixClass

_METHODS = frozenset({"open", "read_text", "write_text"})


class OpenEncoding(PickedCallFix):
    codes = ("GR121",)
    fix_class = FixClass.UNSAFE

    methods = _METHODS

    def rewrite(self, updated_node: cst.Call) -> cst.BaseExpression:
        self.applied += 1
        return set_keyword(updated_node, "encoding", cst.SimpleString('"utf-8"'))
