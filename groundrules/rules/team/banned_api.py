"""GR801-GR899: team-declared banned APIs (``[[tool.groundrules.banned-api]]``)."""

from __future__ import annotations

import ast
import dataclasses
from typing import Optional, Union

from groundrules.rules.framework import Example, Rule
from groundrules.standards.globs import matches
from groundrules.standards.model import BannedApi
from groundrules.standards.schema import Category, Severity

_BAN = {"banned-api": [{"code": "GR801", "name": "pandas.read_sql", "message": "use acme.data.read_table"}]}
_BAN_ALLOWED = {
    "banned-api": [
        {"code": "GR801", "name": "pandas.read_sql", "message": "use acme.data.read_table",
         "allowed-in": ["src/acme/data/**"]}
    ]
}


class BannedApiUse(Rule):
    """Carries every team-declared rule; each finding takes the code its declaration gives."""

    code = "GR800"
    name = "banned-api"
    category = Category.TEAM
    severity = Severity.ERROR
    message = "`{name}` is banned here: {message}"
    carries_team_rules = True
    what = """
Reports uses of the qualified names the team bans in `[[tool.groundrules.banned-api]]`, each under
the code (GR801-GR899) and with the message its declaration gives, except in files matching its
`allowed-in` globs. Names are matched through imports, so `import pandas as pd; pd.read_sql(...)`
and `from pandas import read_sql` both match `pandas.read_sql`; banning a module bans its members.
"""
    why = """
Teams route some operations through one approved module (a data-access layer, a secrets client).
Declaring the ban once in the standards enforces it in every repository without writing a rule.
"""
    use_instead = "from acme.data import read_table\n\nframe = read_table('sales')\n"
    bad = (
        Example("import pandas as pd\nframe = pd.read_sql(q, conn)\n", options=_BAN),
        Example("from pandas import read_sql\n", options=_BAN),
        Example("from pandas import read_sql as rs\nframe = rs(q, conn)\n", path="src/acme/jobs/x.py", options=_BAN_ALLOWED),
    )
    good = (
        Example("import pandas as pd\nframe = pd.read_csv(p)\n", options=_BAN),
        Example("import pandas as pd\nframe = pd.read_sql(q, conn)\n", path="src/acme/data/io.py", options=_BAN_ALLOWED),
        # A local function of the same name is not the banned API.
        Example("def read_sql(q):\n    return q\n\nread_sql('x')\n", options=_BAN),
        "import pandas as pd\nframe = pd.read_sql(q, conn)\n",
    )

    def _check(self, node: ast.AST, qualname: Optional[str]) -> None:
        if qualname is None:
            return
        for ban in self.ctx.standards.banned_api:
            if qualname == ban.name or qualname.startswith(ban.name + "."):
                if ban.allowed_in and matches(self.ctx.source.rel_path, ban.allowed_in):
                    continue
                self._report_ban(node, ban)
                return

    def _report_ban(self, node: Union[ast.AST, tuple[int, int]], ban: BannedApi) -> None:
        self.report(node, name=ban.name, message=ban.message)
        finding = self.findings[-1]
        self.findings[-1] = dataclasses.replace(
            finding,
            code=ban.code,
            severity=self.ctx.standards.severity_of(ban.code, Severity.ERROR),
            message=f"{ban.message} (`{ban.name}` is banned here)",
        )

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if not isinstance(self.ctx.parent, ast.Attribute) and isinstance(node.ctx, ast.Load):
            self._check(node, self.ctx.qualname(node))

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(self.ctx.parent, ast.Attribute) and isinstance(node.ctx, ast.Load):
            self._check(node, self.ctx.imports.aliases.get(node.id))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            for alias in node.names:
                self._check(node, f"{node.module}.{alias.name}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check(node, alias.name)
