"""GR311: secrets read from the environment outside the configuration module."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Optional, Pattern

from groundrules.rules.context import CONFIG_MODULES, ENTRY_POINTS, keyword, literal_string
from groundrules.rules.framework import Example, Rule
from groundrules.rules.shared_options import SECRET_NAME_PATTERN
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.getenvb", "os.environb.get"})
_ENVIRONS = frozenset({"os.environ", "os.environb"})
_DOTENV = frozenset({"dotenv.load_dotenv", "dotenv.main.load_dotenv"})
_CALL_NAMES = frozenset({"getenv", "get", "getenvb", "load_dotenv"})


class SecretEnvAccessOutsideConfig(Rule):
    code = "GR311"
    name = "secret-env-access-outside-config"
    category = Category.DATA_ACCESS
    severity = Severity.WARNING
    #: `os.environ`, `os.getenv`, `load_dotenv` (and their imports) spell these words.
    text_gate = frozenset({"environ", "getenv", "load_dotenv"})
    message = "{what} outside the config module: {hint}"
    # GR201 sends a hard-coded secret to the same place, so following one message never
    # raises the other.
    what = """
Finds `os.environ[...]`, `os.getenv(...)` and `os.environ.get(...)` with a literal key matching
`secret-name-pattern` outside `config-modules`, and `load_dotenv()` outside entry points and
config modules.
"""
    why = """
Secret handling (vault client, rotation, redaction in logs) belongs in one module. Secrets
read ad hoc all over the code base cannot be rotated or audited, and `load_dotenv()` in a
library module changes the process environment as an import side effect.
"""
    use_instead = """\
from acme_project.config import db_password

engine = make_engine(password=db_password)
"""
    fix_safety = """
No automatic fix: the config module is the team's; the message says where the read belongs
(`config.py` or a module matching `config-modules`, the advice GR201 gives too).
"""
    options = (SECRET_NAME_PATTERN, CONFIG_MODULES, ENTRY_POINTS)
    bad = (
        "import os\n\npassword = os.environ['DB_PASSWORD']\n",
        "import os\n\ntoken = os.getenv('GITHUB_TOKEN')\n",
        "from os import environ\n\nkey = environ.get('OPENAI_API_KEY', '')\n",
        "from dotenv import load_dotenv\n\nload_dotenv()\n",
        Example("import os\n\nsecret = os.environ['AWS_SECRET_ACCESS_KEY']\n", path="src/etl/job.py"),
    )
    good = (
        Example("import os\n\npassword = os.environ['DB_PASSWORD']\n", path="src/app/settings.py"),
        "import os\n\nhome = os.environ['HOME']\nlevel = os.getenv('LOG_LEVEL', 'INFO')\n",
        Example("from dotenv import load_dotenv\n\nload_dotenv()\n", path="scripts/run.py"),
        "from dotenv import load_dotenv\n\nif __name__ == '__main__':\n    load_dotenv()\n",
        # A dict named environ is not os.environ.
        "environ = {'DB_PASSWORD': 'x'}\nvalue = environ['DB_PASSWORD']\n",
        # A non-literal key, and setting (not reading) a variable.
        "import os\n\nvalue = os.environ[name]\nos.environ['API_TOKEN_FILE'] = path\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._pattern: Optional[Pattern[str]] = None
        self._config: Optional[bool] = None

    def _in_config(self) -> bool:
        if self._config is None:
            self._config = self.ctx.is_config_module()
        return self._config

    def _secret(self, key: Optional[str]) -> bool:
        if not key:
            return False
        if self._pattern is None:
            self._pattern = re.compile(self.option(SECRET_NAME_PATTERN))
        return self._pattern.search(key) is not None

    def visit_Subscript(self, node: ast.Subscript) -> None:
        value = node.value
        if not isinstance(node.ctx, ast.Load):
            return
        if not (
            isinstance(value, ast.Attribute)
            and value.attr in ("environ", "environb")
            or isinstance(value, ast.Name)
            and value.id in ("environ", "environb")
        ):
            return
        if self.ctx.qualname(value) not in _ENVIRONS:
            return
        key = literal_string(node.slice)
        if self._secret(key) and not self._in_config():
            self.report(node, what=f"secret `{key}` read from `os.environ`", hint=_hint(key))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr not in _CALL_NAMES:
                return
        elif not isinstance(func, ast.Name):
            return
        qualname = self.ctx.qualname(func)
        if qualname in _GETTERS:
            key_node = node.args[0] if node.args else None
            if key_node is None:
                kw = keyword(node, "key")
                key_node = kw.value if kw is not None else None
            key = literal_string(key_node)
            if self._secret(key) and not self._in_config():
                self.report(node, what=f"secret `{key}` read with `{qualname}()`", hint=_hint(key))
        elif qualname in _DOTENV:
            if self._in_config() or self.ctx.is_entry_point():
                return
            self.report(node, what="`load_dotenv()`",
                        hint="load the environment in the entry point or the settings module")


def _hint(key: Optional[str]) -> str:
    """The advice GR201 gives too: one config module reads the environment, the rest imports."""
    return (
        f"move the read into your config module (`config.py`, or one matching `config-modules`) "
        f"and import `{str(key).lower()}` from there"
    )
