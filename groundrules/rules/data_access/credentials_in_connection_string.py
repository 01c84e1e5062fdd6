"""GR304: a password written into a connection string or connect call."""

from __future__ import annotations

import ast
import re
from typing import Optional

from groundrules.rules.context import literal_string
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

_HOLE = "\x00"
#: user:password@host in a URL; the password part must be literal.
_URL = re.compile(r"(?i)(?:^|[\s'\"(=])[a-z0-9+]+://([^:/@\s]+):([^@\s\x00]+)@")
#: ODBC `PWD=...` / `Password=...`, with a literal, non-empty value.
_ODBC = re.compile(r"(?i)(?:^|[;\s'\"])(?:pwd|password)\s*=\s*([^;\s\x00][^;\x00]*)")
#: Template holes that stand for a value supplied at run time.
_TEMPLATE = re.compile(r"^(\{\w*\}|%\(\w+\)s|%s|\$\{[^}]*\}|\$\w+|<[^>]*>|\*+|\?|:\w+)$")
_CONNECT_NAMES = frozenset({"connect", "create_engine", "create", "Connection", "URL"})
_PASSWORD_KEYWORDS = frozenset({"password", "passwd", "pwd"})


def _literal_secret(value: str) -> bool:
    value = value.strip().strip("'\"")
    return bool(value) and _TEMPLATE.match(value) is None and _HOLE not in value


def credentials_in(text: str) -> Optional[str]:
    """What kind of literal credential ``text`` holds (holes are ``\\x00``), if any."""
    if "://" in text:
        for match in _URL.finditer(text):
            # `scheme://[user:pass@]host` is usage text, not a credential.
            if "[" not in match.group(1) and _literal_secret(match.group(2)):
                return "user:password@host URL"
    if "=" in text and (";" in text or re.match(r"(?i)\s*(pwd|password)\s*=", text)):
        for match in _ODBC.finditer(text):
            if _literal_secret(match.group(1)):
                return "ODBC PWD="
    return None


class CredentialsInConnectionString(Rule):
    code = "GR304"
    name = "credentials-in-connection-string"
    category = Category.DATA_ACCESS
    severity = Severity.ERROR
    # The same place GR201 and GR311 send secrets: one config module reads the environment.
    message = (
        "password in a {kind}: read it in your config module (`config.py`, or one matching "
        "`config-modules`) and build the URL with `URL.create(..., password=db_password)`"
    )
    what = """
Finds string literals (and the literal parts of f-strings) holding a connection URL with a
literal password (`postgresql://user:secret@host/db`) or an ODBC `PWD=`/`Password=` value, and a
literal `password=` passed to `connect`, `create_engine` or `URL.create`. Template holes
(`{password}`, `%(pw)s`, `${PW}`, `<password>`) are not passwords.
"""
    why = """
Credentials in code end up in git history, notebook outputs and logs, where they outlive any
rotation and are readable by everyone with access to the repository.
"""
    use_instead = """\
from sqlalchemy import URL, create_engine

from acme_project.config import db_password, db_user

url = URL.create(
    "postgresql+psycopg2",
    username=db_user,
    password=db_password,
    host="db.internal",
    database="analytics",
)
engine = create_engine(url)
"""
    fix_safety = """
No automatic fix: a rewrite cannot provision the secret. Move it to the environment or a vault,
read it in the config module and build the URL with `URL.create(..., password=db_password)`.
"""
    bad = (
        "engine = create_engine('postgresql://analyst:hunter2@db.internal/analytics')\n",  # noqa: GR304 -- the rule's own example
        "DSN = 'DRIVER={ODBC Driver 18};SERVER=db;UID=etl;PWD=s3cret;'\n",  # noqa: GR304 -- the rule's own example
        "url = f'mysql+pymysql://etl:s3cret@{host}/sales'\n",  # noqa: GR304 -- the rule's own example
        "import psycopg2\n\nconn = psycopg2.connect(host='db', user='etl', password='s3cret')\n",
        "from sqlalchemy import URL\n\nurl = URL.create('postgresql', username='u', password='pw1')\n",
    )
    good = (
        "url = f'postgresql://{user}:{password}@{host}/analytics'\n",
        "DSN = 'DRIVER={{ODBC Driver 18}};SERVER=db;UID=etl;PWD={pwd}'\n",
        "url = 'postgresql://analyst@db.internal/analytics'\n",
        "import os\nimport psycopg2\n\nconn = psycopg2.connect(password=os.environ['DB_PASSWORD'])\n",
        # No password in the URL; an email address is not a credential.
        "link = 'https://docs.example.com/page?user=a@b.com'\n",
        "url = 'postgresql://%(user)s:%(password)s@db/analytics'\n",
        '"""Connect with postgresql://user:secret@host/db."""\n',  # noqa: GR304 -- the rule's own example
    )

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if not isinstance(value, str) or ("://" not in value and "=" not in value):
            return
        parent = self.ctx.parent
        if isinstance(parent, (ast.JoinedStr, ast.Expr)):
            return  # f-string parts are checked whole; a bare string is a docstring
        kind = credentials_in(value)
        if kind is not None:
            self.report(node, kind=kind)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if isinstance(self.ctx.parent, ast.FormattedValue):
            return
        parts = []
        for value in node.values:
            text = literal_string(value)
            parts.append(_HOLE if text is None else text)
        joined = "".join(parts)
        if "://" not in joined and "=" not in joined:
            return
        kind = credentials_in(joined)
        if kind is not None:
            self.report(node, kind=kind)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            last = func.attr
        elif isinstance(func, ast.Name):
            last = func.id
        else:
            return
        if last not in _CONNECT_NAMES or not node.keywords:
            return
        if last == "create" and not (
            isinstance(func, ast.Attribute)
            and (self.ctx.qualname(func) or "").endswith("URL.create")
            or isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "URL"
        ):
            return
        for kw in node.keywords:
            if kw.arg in _PASSWORD_KEYWORDS:
                text = literal_string(kw.value)
                if text is not None and _literal_secret(text):
                    self.report(kw.value, kind=f"literal `{kw.arg}=` argument")
