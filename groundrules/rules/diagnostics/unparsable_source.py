"""GR901: a file the parser rejects is reported, never crashes the run."""

from __future__ import annotations

from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity


class UnparsableSource(Rule):
    code = "GR901"
    name = "unparsable-source"
    category = Category.DIAGNOSTICS
    severity = Severity.ERROR
    message = "cannot parse this file: {error}"
    what = """
Reports a file that cannot be decoded or parsed as Python (a syntax error, a wrong encoding,
null bytes), at the position the parser gives, with the parser's message. The other rules skip
the file; the run goes on with the other files.
"""
    why = """
A file that does not parse cannot be checked, imported or tested; letting it pass silently would
hide every other problem in it.
"""
    use_instead = "def load(path: str) -> str:\n    return path\n"
    bad = (
        "def f(:\n    pass\n",
        "x = (1,\n",
        "print 'hello'\n",
        # A lone surrogate stands for an undecodable byte (examples are encoded with
        # surrogateescape), here 0xFF in a file that declares UTF-8.
        "# -*- coding: utf-8 -*-\nx = '\udcff'\n",
    )
    good = (
        "x = 1\n",
        "def f() -> None:\n    pass\n",
        "# -*- coding: latin-1 -*-\nx = 'caf\u00e9'\n",
    )
