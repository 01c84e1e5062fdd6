"""GR215: a secret or personal data written to logs or printed."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterator, List, Optional, Pattern, Set, Tuple

from groundrules.rules.context import literal_string
from groundrules.rules.framework import Example, Rule
from groundrules.rules.security._http_clients import target_key
from groundrules.rules.shared_options import PII_COLUMNS, SECRET_NAME_PATTERN
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}
)
_LOGGING_FUNCTIONS = frozenset(f"logging.{m}" for m in _LOG_METHODS)
_PRINTERS = frozenset({"print", "pprint.pprint", "pprint.pp", "IPython.display.display"})
#: Receivers that are loggers by convention (``logger.info``, ``self.log.warning``).
_LOGGER_NAME = re.compile(r"(?i)^_*(logger|log|logging_?\w*|\w*_logger|\w*_log)$")
_LOGGER_FACTORIES = frozenset({"logging.getLogger", "structlog.get_logger", "loguru.logger"})
#: Keywords of print/logging calls that carry no message text.
_QUIET_KEYWORDS = frozenset({"exc_info", "stack_info", "stacklevel", "file", "sep", "end", "flush"})
#: Last words of a name that describe a secret rather than hold it (``token_count``).
_METADATA_WORDS = frozenset(
    """name names url urls uri endpoint type types kind field fields header headers env var vars
    variable path file filename dir prompt label length len count counts size min max limit pattern
    regex format fmt id ids param params arg attr column col mode policy expiry expires ttl timeout
    version prefix suffix template placeholder hint help message msg description doc title set
    valid present exists ok required file location source provider manager store vault hash
    hashes pos position range span start end offset index idx stream list iter type""".split()
)
_BOOLEAN_PREFIXES = frozenset({"is", "has", "use", "should", "needs", "need", "require", "num", "n"})
#: Words before ``token`` that make it a lexer, tokenizer, pagination or lock token.
_SPECIAL_TOKEN_WORDS = frozenset(
    """pad eos bos unk sep cls mask start end special additional image audio video max next
    page pagination continuation starting cancel cancellation acquire sync resume current prev
    previous last first stop lexer parser word sub subword""".split()
)
_WORD_SPLIT = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
#: Calls whose result still shows the value they are given.
_SHOWING_CALLS = frozenset({"str", "repr", "format", "bytes"})
_FRAME_SHOWING_METHODS = frozenset(
    {"head", "tail", "sample", "to_string", "to_markdown", "to_dict", "to_json", "to_html"}
)
_SQL_SELECT = re.compile(r"(?is)\bselect\b(.*?)\bfrom\b")
_MAX_DEPTH = 6


def _words(name: str) -> List[str]:
    return [w.lower() for w in _WORD_SPLIT.findall(name)]


class SecretInLogOrPrint(Rule):
    code = "GR215"
    name = "secret-in-log-or-print"
    category = Category.SECURITY
    severity = Severity.ERROR
    message = (
        "`{call}` writes `{name}`, which holds a secret, to {where}: log whether it is set or a "
        "masked prefix, never the value"
    )
    pii_message = (
        "`{call}` writes a DataFrame holding personal data ({columns}) to {where}: show counts, "
        "a masked copy or non-personal columns"
    )
    what = """
Finds `print(...)`, `pprint(...)`, `display(...)`, `logging.<level>(...)` and `<logger>.<level>(...)`
calls (a logger is a name bound from `logging.getLogger(...)` or conventionally named `logger`/
`log`/`*_logger`) whose arguments show a value named like a secret (`secret-name-pattern`): a
name or attribute (`password`, `self.api_key`), an f-string field, a `%`/`.format()`/`+` operand,
`str(...)`/`repr(...)` of one, or a subscript with such a key (`os.environ["API_TOKEN"]`,
`creds["password"]`).

It also finds a whole pandas DataFrame printed or logged (`print(df)`, `print(df.head())`,
`display(df)`) when the frame was read or built in the file with a `pii-columns` column (in
`usecols=`/`columns=`, a dict key of `pd.DataFrame({...})` or the select list of a SQL query),
and a PII column printed on its own (`print(df["email"])`).

Names that describe a secret rather than hold it (`token_count`, `password_url`, `n_tokens`,
`is_password_set`, tokenizer vocabulary like `pad_token`), sliced values (`token[:4]`), and
expressions of a secret that do not show it (`len(token)`, `token is None`) are not reported.
The message names the variable, never its value.
"""
    why = """
Logs and notebook outputs are copied to log stores, CI artefacts, chat and git (committed
outputs), and are read by many more people than the secret store. A credential or a customer's
personal data that reaches them has leaked: the secret must be rotated and the PII exposure may
have to be reported.
"""
    use_instead = """\
import logging
import os

logger = logging.getLogger(__name__)
api_key = os.environ["API_KEY"]
logger.info("API key set: %s", bool(api_key))
logger.info("using key %s…", api_key[:4])
"""
    fix_safety = """
No automatic fix (SUGGEST): mask the value (log that it is set, or a short prefix), or print
counts or non-personal columns of the frame; which form is right is the author's call.
"""
    options = (SECRET_NAME_PATTERN, PII_COLUMNS)
    bad = (
        "import logging\nlogger = logging.getLogger(__name__)\n"
        "logger.info('connecting with %s', db_password)\n",
        "print(f'token={api_token}')\n",
        "import logging\nlogging.debug('key: ' + settings.API_KEY)\n",
        "import os\nprint(os.environ['GITHUB_TOKEN'])\n",
        "def connect(log, creds):\n    log.warning('login failed for {}'.format(creds['password']))\n",
        "import pandas as pd\nusers = pd.read_csv('users.csv', usecols=['id', 'email'])\n"
        "print(users.head())\n",
        "import pandas as pd\ndf = pd.read_sql('SELECT id, email, plan FROM users', conn)\n"
        "display(df)\n",
        "import pandas as pd\ndf = pd.read_parquet('users.parquet')\nprint(df['ssn'])\n",
        Example(
            "print(f'{dsn}')\n",
            options={"security.secret-name-pattern": "(?i)dsn"},
        ),
    )
    good = (
        # Presence, a prefix, a length: the value itself is not shown.
        "import logging\nlogging.info('token set: %s', token is not None)\n"
        "print(f'key {api_key[:4]}...', len(password))\n",
        # Names that describe secrets, NLP token counts, tokenizer vocabulary, passengers.
        "print(token_count, n_tokens, max_tokens, password_url)\n"
        "print(tokenizer.pad_token, passenger_id, passengers, tokens)\n",
        # Loop variables over a document's tokens, pagination tokens.
        "for token in doc:\n    print(token)\nprint(next_token, token_pos)\n",
        # Not a print or a logger: a local function named print, a dict's .get.
        "def print(*a):\n    return a\n\nprint(password)\ncache.info(password)\n",
        # A DataFrame without personal columns, and one whose PII was not selected.
        "import pandas as pd\ndf = pd.read_csv('sales.csv', usecols=['id', 'amount'])\n"
        "print(df)\nprint(df['amount'])\n",
        # A polars-only module: not a pandas frame.
        "import polars as pl\ndf = pl.read_csv('users.csv', columns=['email'])\nprint(df)\n",
        # The secret is passed on, not logged.
        "import logging\nlogger = logging.getLogger(__name__)\n"
        "client = connect(password=password)\nlogger.info('connected as %s', user)\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._pattern: Pattern[str] = re.compile(self.option(SECRET_NAME_PATTERN))
        self._pii: FrozenSet[str] = frozenset(c.lower() for c in self.option(PII_COLUMNS))
        #: scope -> name -> the PII columns the frame holds.
        self._pii_frames: Dict[Optional[ast.AST], Dict[str, Tuple[str, ...]]] = {}
        #: scope -> names bound from ``logging.getLogger(...)``.
        self._loggers: Dict[Optional[ast.AST], Dict[str, bool]] = {}
        self._cache: Dict[str, bool] = {}
        #: scope -> names bound as loop or comprehension targets (`for token in doc`).
        self._loop_vars: Dict[Optional[ast.AST], Set[str]] = {}

    # -- names ---------------------------------------------------------------------------
    def is_secret_name(self, name: str) -> bool:
        cached = self._cache.get(name)
        if cached is None:
            cached = self._cache[name] = self._secret_name(name)
        return cached

    def _secret_name(self, name: str) -> bool:
        if not self._pattern.search(name):
            return False
        words = _words(name)
        if not words:
            return False
        if words[-1] in _METADATA_WORDS or words[0] in _BOOLEAN_PREFIXES:
            return False
        if any(w.startswith("tokeniz") for w in words):
            return False
        if "token" in words:
            at = words.index("token")
            if at > 0 and words[at - 1] in _SPECIAL_TOKEN_WORDS:
                return False
        # Some run of whole words must match the pattern, so `passenger` or `tokens` do not.
        for start in range(len(words)):
            for stop in range(start + 1, len(words) + 1):
                run = words[start:stop]
                for text in ("_".join(run), "".join(run)):
                    if self._pattern.fullmatch(text):
                        return True
                    if text.endswith("s") and text != "tokens" and self._pattern.fullmatch(text[:-1]):
                        return True
        return False

    # -- what an argument shows ----------------------------------------------------------
    def _secrets_in(self, node: ast.AST, depth: int = 0) -> Iterator[str]:
        """Names of secrets whose value ``node`` shows (a bounded look at the expression)."""
        if depth > _MAX_DEPTH:
            return
        if isinstance(node, ast.Name):
            if self.is_secret_name(node.id) and not self._is_loop_var(node.id):
                yield node.id
        elif isinstance(node, ast.Attribute):
            if self.is_secret_name(node.attr):
                yield target_key(node) or node.attr
        elif isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Slice):
                return  # token[:4]: a masked prefix
            key = literal_string(node.slice)
            if key is not None and self.is_secret_name(key):
                yield key
        elif isinstance(node, ast.JoinedStr):
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    yield from self._secrets_in(value.value, depth + 1)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            yield from self._secrets_in(node.left, depth + 1)
            right = node.right
            if isinstance(node.op, ast.Mod) and isinstance(right, (ast.Tuple, ast.List)):
                for elt in right.elts:
                    yield from self._secrets_in(elt, depth + 1)
            elif isinstance(node.op, ast.Mod) and isinstance(right, ast.Dict):
                for value in right.values:
                    yield from self._secrets_in(value, depth + 1)
            else:
                yield from self._secrets_in(right, depth + 1)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("get", "getenv"):
                # os.environ.get("API_TOKEN"), os.getenv("API_TOKEN"), creds.get("password")
                key = literal_string(node.args[0]) if node.args else None
                if key is not None and self.is_secret_name(key):
                    yield key
                return
            if isinstance(func, ast.Name) and func.id == "getenv" or (
                isinstance(func, ast.Name) and func.id in _SHOWING_CALLS
            ) or (isinstance(func, ast.Attribute) and func.attr == "format"):
                if isinstance(func, ast.Name) and func.id == "getenv":
                    key = literal_string(node.args[0]) if node.args else None
                    if key is not None and self.is_secret_name(key):
                        yield key
                    return
                for arg in node.args:
                    yield from self._secrets_in(arg, depth + 1)
                for kw in node.keywords:
                    yield from self._secrets_in(kw.value, depth + 1)
                if isinstance(func, ast.Attribute):
                    yield from self._secrets_in(func.value, depth + 1)
        elif isinstance(node, ast.Starred):
            yield from self._secrets_in(node.value, depth + 1)
        elif isinstance(node, ast.Dict):
            for key_node, value in zip(node.keys, node.values):
                key = literal_string(key_node) if key_node is not None else None
                if key is not None and self.is_secret_name(key):
                    yield key
                else:
                    yield from self._secrets_in(value, depth + 1)

    # -- which calls write out -----------------------------------------------------------
    def _writer(self, node: ast.Call) -> Optional[Tuple[str, str]]:
        """(shown call, where it writes) for a print or logging call, else None."""
        func = node.func
        if isinstance(func, ast.Name):
            if func.id == "display" and func.id not in self.ctx.imports.local:
                qualname = self.ctx.qualname(func)
                if qualname is None or qualname == "IPython.display.display":
                    return "display()", "the notebook output"
            qualname = self.ctx.qualname(func)
            if qualname in _PRINTERS:
                return f"{func.id}()", "standard output"
            if qualname in _LOGGING_FUNCTIONS:
                return f"{func.id}()", "the logs"
            return None
        if not isinstance(func, ast.Attribute):
            return None
        if func.attr in ("pprint", "pp", "display"):
            qualname = self.ctx.qualname(func)
            if qualname in _PRINTERS:
                return f"{qualname}()", "standard output"
            return None
        if func.attr not in _LOG_METHODS:
            return None
        qualname = self.ctx.qualname(func)
        if qualname in _LOGGING_FUNCTIONS:
            return f"{qualname}()", "the logs"
        receiver = func.value
        key = target_key(receiver)
        if key is None:
            if isinstance(receiver, ast.Call) and self.ctx.qualname(receiver.func) in (
                _LOGGER_FACTORIES
            ):
                return f"getLogger().{func.attr}()", "the logs"
            return None
        if self._is_logger(key) or _LOGGER_NAME.match(key.rsplit(".", 1)[-1]):
            return f"{key}.{func.attr}()", "the logs"
        return None

    def _is_logger(self, key: str) -> bool:
        scope = self.ctx.enclosing_scope()
        for where in (scope, None):
            names = self._loggers.get(where)
            if names and key in names:
                return names[key]
        return False

    # -- bindings ------------------------------------------------------------------------
    def visit_For(self, node: ast.For) -> None:
        self._loop_target(node.target)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._loop_target(node.target)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self._loop_target(node.target)

    def _loop_target(self, target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self._loop_vars.setdefault(self.ctx.enclosing_scope(), set()).add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._loop_target(elt)

    def _is_loop_var(self, name: str) -> bool:
        names = self._loop_vars.get(self.ctx.enclosing_scope())
        return names is not None and name in names

    def leave_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind(target, node.value)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._bind(node.target, node.value)

    def _bind(self, target: ast.AST, value: Optional[ast.AST]) -> None:
        key = target_key(target)
        if key is None:
            return
        scope = self.ctx.enclosing_scope()
        is_logger = (
            isinstance(value, ast.Call) and self.ctx.qualname(value.func) in _LOGGER_FACTORIES
        )
        loggers = self._loggers.setdefault(scope, {})
        loggers[key] = is_logger
        columns = self._pii_columns(value) if value is not None else ()
        frames = self._pii_frames.setdefault(scope, {})
        if columns:
            frames[key] = columns
        else:
            frames.pop(key, None)

    def _pii_columns(self, value: ast.AST) -> Tuple[str, ...]:
        """The PII columns a pandas expression's result holds, when the file shows them."""
        if not self._pii or not self.ctx.pandas.is_pandas(value):
            return ()
        node = value
        for _ in range(50):
            if isinstance(node, ast.Call):
                qualname = self.ctx.qualname(node.func)
                if qualname is not None and qualname.startswith("pandas."):
                    return self._source_columns(node)
                if not isinstance(node.func, ast.Attribute):
                    return ()
                node = node.func.value
            elif isinstance(node, (ast.Attribute, ast.Subscript)):
                node = node.value
            elif isinstance(node, ast.Name):
                return self._frame_columns(node.id)
            else:
                return ()
        return ()

    def _frame_columns(self, name: str) -> Tuple[str, ...]:
        for where in (self.ctx.enclosing_scope(), None):
            frames = self._pii_frames.get(where)
            if frames and name in frames:
                return frames[name]
        return ()

    def _source_columns(self, call: ast.Call) -> Tuple[str, ...]:
        """PII columns named by a pandas constructor or reader call."""
        qualname = self.ctx.qualname(call.func) or ""
        if not qualname.startswith("pandas."):
            return ()
        found: List[str] = []
        for kw in call.keywords:
            if kw.arg in ("usecols", "columns") and isinstance(kw.value, (ast.List, ast.Tuple)):
                found.extend(self._labels(kw.value.elts))
        first = call.args[0] if call.args else None
        if isinstance(first, ast.Dict):
            found.extend(self._labels([k for k in first.keys if k is not None]))
        sql = literal_string(first)
        if sql is None:
            for kw in call.keywords:
                if kw.arg in ("sql", "query"):
                    sql = literal_string(kw.value)
        if sql is not None and qualname.startswith("pandas.read_"):
            match = _SQL_SELECT.search(sql)
            if match:
                words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", match.group(1))
                found.extend(w for w in words if w.lower() in self._pii)
        return tuple(dict.fromkeys(c.lower() for c in found))

    def _labels(self, nodes: List[ast.expr]) -> List[str]:
        labels = (literal_string(n) for n in nodes)
        return [label for label in labels if label is not None and label.lower() in self._pii]

    # -- the check ------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        writer = self._writer(node)
        if writer is None:
            return
        call, where = writer
        args: List[ast.AST] = list(node.args)
        args.extend(kw.value for kw in node.keywords if kw.arg not in _QUIET_KEYWORDS)
        for arg in args:
            for name in self._secrets_in(arg):
                self.report(node, call=call, name=name.replace("`", ""), where=where)
                return
        for arg in args:
            columns = self._shown_pii(arg)
            if columns:
                self.report(
                    node,
                    self.pii_message,
                    call=call,
                    where=where,
                    columns=", ".join(f"`{c}`" for c in columns),
                )
                return

    def _shown_pii(self, node: ast.AST) -> Tuple[str, ...]:
        if not self._pii or not self.ctx.pandas.active:
            return ()
        if isinstance(node, ast.Subscript):
            label = literal_string(node.slice)
            if label is not None and label.lower() in self._pii and self.ctx.pandas.is_pandas(
                node.value
            ):
                return (label.lower(),)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in _FRAME_SHOWING_METHODS:
                return self._shown_pii(node.func.value)
            return ()
        if isinstance(node, ast.Name):
            return self._frame_columns(node.id)
        return ()

