"""GR201: a secret (password, token, API key, private key) written into the source."""

from __future__ import annotations

import ast
import fnmatch
import re
from typing import TYPE_CHECKING, List, Optional, Pattern, Set, Tuple

from groundrules.rules.framework import Example, Rule
from groundrules.rules.shared_options import SECRET_NAME_PATTERN
from groundrules.standards.schema import Category, Severity, strs_option

if TYPE_CHECKING:
    from groundrules.rules.context import Context

SECRET_PLACEHOLDERS = strs_option(
    "security",
    "secret-placeholders",
    ("changeme", "<*>", "${*}"),
    "Values (globs, case-insensitive) that stand in for a secret and are not one: "
    "`changeme`, `<your-token>`, `${DB_PASSWORD}`.",
)

#: Literals that are credentials whatever name holds them: (kind, pattern, shown prefix group).
_KNOWN_SECRETS: Tuple[Tuple[str, Pattern[str]], ...] = (
    # Long-term (AKIA) and temporary (ASIA) access keys, and the other IAM unique-id prefixes.
    ("AWS access key", re.compile(r"(?<![A-Z0-9])(AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[0-9A-Z]{16}(?![A-Z0-9])")),
    (
        "private key",
        re.compile(r"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)[\s\S]*?[A-Za-z0-9+/]{20}"),
    ),
    ("GitHub token", re.compile(r"\b(gh[pousr]_)[A-Za-z0-9]{30,}\b")),
    ("GitHub token", re.compile(r"\b(github_pat_)[A-Za-z0-9_]{30,}\b")),
    ("Slack token", re.compile(r"\b(xox[baprs]-)[0-9A-Za-z-]{10,}")),
    # A real key body is random and carries digits; `sk-toggleable__label-arrow` (a CSS class)
    # is a word-like identifier with none.
    (
        "API key",
        re.compile(r"(?<![A-Za-z0-9_-])(sk-)(?:[a-z]+-)?(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{20,}"),
    ),
    ("JWT", re.compile(r"\b(eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
)
#: Cheap substring test before the regular expressions run on a string constant.
_HINTS = ("AKIA", "ASIA", "ABIA", "ACCA", "A3T", "PRIVATE KEY", "gh", "xox", "sk-", "eyJ")

#: Last word of a name that says the value is about a secret, not the secret itself.
_METADATA_WORDS = frozenset(
    """name names url urls uri endpoint type types kind field fields header headers env var vars
    variable path file filename dir directory prompt label length len count size min max limit
    pattern regex re format fmt id ids param params arg attr column col mode style policy expiry
    expires ttl seconds secs duration timeout version prefix suffix template placeholder location loc
    hint help message msg description doc title""".split()
)
#: ``pad_token``, ``eos_token``...: a tokenizer's special tokens.
#: ``next_token``, ``page_token``...: pagination and sync cursors.
_SPECIAL_TOKEN_WORDS = frozenset(
    """pad eos bos unk sep cls mask start end special additional image audio video next page
    pagination continuation input output cancel cancellation sync resume update""".split()
)
#: Words that may follow the secret word in a name that still holds the secret
#: (``password_prod``, ``api_key_value``, ``token2``).
_QUALIFIER_WORDS = frozenset(
    """prod production dev development staging stage test testing qa live default value val str
    string raw plain plaintext b64 base64 hex bytes encoded key keys""".split()
)
#: Enum-like values that a secret-named field may hold without being a secret.
_NON_SECRET_VALUES = frozenset(
    "true false none null yes no on off required optional enabled disabled default auto".split()
)
#: Words that make a name a password: then any literal but a placeholder or mask is one (ruff's
#: S105): `"root"`, `"1234"` and `"Hunter2pass"` are real passwords.
_PASSWORD_WORDS = frozenset({"pass", "password", "passwd", "passphrase", "pwd", "passwords"})
_REGEX_HINTS = ("\\w", "\\d", "\\s", "[^", "(?")
#: An environment-variable name held as a value (``"DB_PASSWORD"``) labels a secret.
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
#: Mask strings (``"****"``, ``"xxxx"``) are not secrets.
_MASK = re.compile(r"[*xX.#_:\-]+")
#: ``"Bearer <token>"``: the scheme word does not make the value prose.
_AUTH_SCHEME = re.compile(r"^(?i:bearer|basic|token)\s+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_WORD_SPLIT = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def _words(name: str) -> List[str]:
    return [w.lower() for w in _WORD_SPLIT.findall(name)]


def mask(value: str, keep: str = "") -> str:
    """What a message shows of a secret: a recognised prefix at most, never the value."""
    return f"{keep}…" if keep else f"… ({len(value)} chars)"


def env_name(name: str) -> str:
    return "_".join(w.upper() for w in _words(name)) or "SECRET"


class HardcodedSecret(Rule):
    code = "GR201"
    name = "hardcoded-secret"
    category = Category.SECURITY
    severity = Severity.ERROR
    message = (
        "hardcoded secret in `{name}` ('{masked}'): read `os.environ[\"{env}\"]` in your config "
        "module (`config.py`, or one matching `config-modules`) and import it from there"
    )
    known_message = (
        "{kind} literal ('{masked}') in source: load it from the environment or a secrets manager"
    )
    what = """
Finds secrets written into the source: an assignment, keyword argument, parameter default,
comparison or dict key (`"api-key"`, `"X-API-Key"` too) whose name matches `secret-name-pattern`
with a non-empty string literal that is not a placeholder (`secret-placeholders`), and any
literal shaped like a known credential (an AWS access key `AKIA…`/`ASIA…`, a PEM private key, a GitHub `ghp_…` token, a Slack `xoxb-…` token, an `sk-…` API key,
a JWT) wherever it appears.

Names that describe a secret rather than hold one (`token_url`, `password_env_var`,
`secret_name`), tokenizer vocabulary (`pad_token="[PAD]"`, `tokenizer_name`), environment-variable
names as values (`"DB_PASSWORD"`) and masks (`"****"`) are not reported. A name that says
password (`password`, `passwd`, `pwd`, `passphrase`) is evidence enough: any literal but a
placeholder, a mask or an empty string is reported, as ruff's S105 does. Messages never show the
value: only its recognised prefix.
"""
    why = """
A secret in source is in git history for good, in every clone, fork and notebook output, and in
every log that prints the file. Rotating it is the only cure; reading it from the environment or a
secrets manager keeps it out of the repository in the first place.
"""
    use_instead = """\
import os

db_password = os.environ["DB_PASSWORD"]
api_key = os.environ.get("API_KEY", "changeme")
"""
    fix_safety = """
No automatic fix (SUGGEST): replace the literal with `os.environ["<NAME>"]` or a settings
attribute; a rewrite cannot provision the secret where the code runs, so the change is left to a
person, who must also rotate the leaked value.
"""
    options = (SECRET_NAME_PATTERN, SECRET_PLACEHOLDERS)
    bad = (
        'db_password = "hunter2!"\n',
        'import psycopg2\nconn = psycopg2.connect(host="db", password="s3cr3t-pw")\n',
        'CONFIG = {"user": "etl", "api_key": "0123456789abcdef"}\n',
        'class Settings:\n    SECRET_KEY = "django-insecure-abc123"\n',
        'def connect(user, token="tok_live_9f8e7d6c"):\n    return user, token\n',
        # Split with `+` so this module does not carry a credential-shaped literal itself.
        'AWS = "AKIA' + 'Z7QW3ERTYUIOPASD"\n',
        'import openai\nclient = openai.OpenAI("sk-' + 'proj-abcdefghijklmnop1234567890")\n',
        'HEADERS = {"Authorization": "Bearer eyJ' + 'hbGciOiJIUzI1NiJ9.eyJ' + 'zdWIiOiIxMjM0NTY3ODkwIn0.'
        'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"}\n',
        'cfg["password"] = "p@ssw0rd"\n',
        # A name that says password makes any real literal one (ruff S105), and so does a check.
        'PASSWORD = "Hunter2pass"\n',  # noqa: GR304 -- the rule's own example
        'def login(user):\n    return user.password != "root"\n',
        'passphrase = "1234"\n',
        'my_password_for_email = "d6s$f9g!j8mg7hw?n&2"\n',
        # Hyphenated keys, as HTTP headers and JSON configs spell them.
        'HEADERS = {"X-API-Key": "3f9a8b7c6d5e4f3a"}\n',
        'settings = {"api-key": "0123456789abcdef"}\n',
        # A temporary AWS key under a name that says nothing, inside an f-string.
        'url = f"https://s3.example.com/?id=ASIA' + 'Q7W3ERTYUIOPASDF&x={x}"\n',
    )
    good = (
        'import os\npassword = os.environ["DB_PASSWORD"]\n',
        # Placeholders and empty values.
        'password = "changeme"\napi_key = "<your-api-key>"\ntoken = "${GITHUB_TOKEN}"\nsecret = ""\n',  # noqa: GR304 -- example text
        # CSS classes and ids prefixed `sk-` (scikit-learn's HTML repr) are not API keys.
        'p = r\'<label for="sk-estimator-id-0" class="sk-toggleable__label  sk-toggleable__label-arrow">\'\n',
        # Names that describe a secret, values that name one.
        'token_url = "https://auth.example.com/oauth/token"\n'
        'password_env_var = "DB_PASSWORD"\nsecret_name = "prod/db"\n',
        # Tokenizer vocabulary in ML code.
        'from transformers import AutoTokenizer\n'
        'tok = AutoTokenizer.from_pretrained("gpt2", pad_token="[PAD]")\n'
        'tokenizer_name = "bert-base-uncased"\neos_token = "</s>"\n',
        # Names not matching the pattern, masks, and the AWS documentation's example key.
        'user = "etl"\npassword = "********"\nkey = "AKIAIOSFODNN7EXAMPLE"\n',
        # A PEM header alone (as a parser's constant) holds no key material.
        'HEADER = "-----BEGIN RSA PRIVATE KEY-----"\n',
        # `pwd` alone is the working directory.
        'import os\npwd = "/home/etl/jobs"\nos.chdir(pwd)\n',
        # Checking for an empty password, and a field label.
        'def f(password):\n    if password == "":\n        return None\n'
        'PASSWORD_FIELD = "password"\n',
        Example(
            'password = "dev-only"\n',  # noqa: GR304 -- example text
            options={"security.secret-placeholders": ["dev-*"]},
        ),
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._names = re.compile(self.option(SECRET_NAME_PATTERN))
        self._placeholders = tuple(p.lower() for p in self.option(SECRET_PLACEHOLDERS))
        #: Constants already reported through their name, so the literal check skips them.
        self._reported: Set[int] = set()

    # -- name-based secrets -------------------------------------------------------------
    def _matches_words(self, text: str) -> bool:
        """The pattern matches whole words of ``text`` (``passed`` and ``bypass`` hold no ``pass``)."""
        return any(
            _starts_word(text, m.start()) and _ends_word(text, m.end())
            for m in self._names.finditer(text)
            if m.end() > m.start()
        )

    def _spans(self, first: str, second: str) -> bool:
        """The pattern matches across two words ending at the second (``access_key``)."""
        pair = f"{first}_{second}"
        return any(
            m.start() < len(first) and m.end() == len(pair) for m in self._names.finditer(pair)
        )

    def _is_secret_name(self, name: str, value: str = "") -> bool:
        words = _words(name)
        if _abbreviated_password(words, value):
            return True
        if name.lower() == "pass" or not self._matches_words(name):
            return False
        if not words:
            return True
        # The secret word ends the name, or only qualifiers follow it (`password_enabled` and
        # `token_ref` describe a secret; `db_password` and `api_key_prod` hold one).
        last = 0
        for i, word in enumerate(words):
            if self._matches_words(word) or (i and self._spans(words[i - 1], word)):
                last = i + 1
        tail = words[last:]
        if not last:
            return False
        if any(not (w.isdigit() or w in _QUALIFIER_WORDS) for w in tail):
            # `my_password_for_email = "d6s$f9g!..."`: the name describes, the value proves.
            if not (_says_password(words) and _looks_random(value)):
                return False
        if words[-1] in _METADATA_WORDS:
            return False
        if any(w.startswith("tokeniz") for w in words):
            return False
        if words[-1] in ("token", "tokens") and len(words) > 1 and words[-2] in _SPECIAL_TOKEN_WORDS:
            return False
        return True

    def _is_secret_value(self, value: str, password: bool = False) -> bool:
        stripped = _AUTH_SCHEME.sub("", value.strip(), count=1)
        if password and stripped:
            # A name that says password is evidence enough: only placeholders, masks and
            # enum-like values are not one.
            lowered = stripped.lower()
            return not (
                _MASK.fullmatch(stripped)
                or _ENV_NAME.fullmatch(stripped)
                or lowered in _NON_SECRET_VALUES
                or any(fnmatch.fnmatchcase(lowered, p) for p in self._placeholders)
            )
        if not stripped or any(ch.isspace() for ch in stripped):
            return False
        if len(stripped) < 4 or stripped.isdigit() or _MASK.fullmatch(stripped):
            return False
        if not any(ch.isalnum() for ch in stripped):
            return False
        if _ENV_NAME.fullmatch(stripped) or stripped.lower() in _NON_SECRET_VALUES:
            return False
        if any(hint in stripped for hint in _REGEX_HINTS):
            return False
        # A value that is itself a secret's name (`"password"`, `"SecretAccessKey"`) labels one.
        if _IDENTIFIER.fullmatch(stripped) and self._matches_words(stripped):
            return False
        lowered = stripped.lower()
        return not any(fnmatch.fnmatchcase(lowered, p) for p in self._placeholders)

    def _check(self, name: Optional[str], value: Optional[ast.AST], where: ast.AST) -> None:
        if name is None or not isinstance(value, ast.Constant):
            return
        text = value.value
        if not isinstance(text, str) or not self._is_secret_name(name, text):
            return
        if not self._is_secret_value(text, _says_password(_words(name))):
            return
        self._reported.add(id(value))
        known = _known_secret(text)
        self.report(
            where,
            name=name,
            masked=mask(text, known[1] if known else ""),
            env=env_name(name),
        )

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check(_target_name(target), node.value, node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._check(_target_name(node.target), node.value, node)

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg is not None:
            self._check(node.arg, node.value, node)

    def visit_Compare(self, node: ast.Compare) -> None:
        """``if password == "root":``: the literal is the password the code accepts."""
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            return
        left, right = node.left, node.comparators[0]
        if isinstance(left, ast.Constant):
            left, right = right, left
        name = _target_name(left)
        if name is not None and _says_password(_words(name)):
            self._check(name, right, node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values):
            # Only name-like keys: ``"AWS::AppSync::ApiKey"`` or prose is not a field name.
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                if _IDENTIFIER.fullmatch(key.value):
                    self._check(key.value, value, key)

    def visit_arguments(self, node: ast.arguments) -> None:
        positional = node.posonlyargs + node.args
        for arg, default in zip(positional[len(positional) - len(node.defaults) :], node.defaults):
            self._check(arg.arg, default, default)
        for arg, kw_default in zip(node.kwonlyargs, node.kw_defaults):
            if kw_default is not None:
                self._check(arg.arg, kw_default, kw_default)

    # -- credential-shaped literals -----------------------------------------------------
    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if not isinstance(value, str) or len(value) < 16 or id(node) in self._reported:
            return
        if not any(hint in value for hint in _HINTS):
            return
        known = _known_secret(value)
        if known is not None:
            self.report(node, self.known_message, kind=known[0], masked=mask(value, known[1]))


def _abbreviated_password(words: List[str], value: str) -> bool:
    """``email_pwd``, ``db_pwd``: `pwd` is a password beside another word; alone it is as often
    the working directory (`pwd = os.getcwd()`), so the shared name pattern leaves it out."""
    return (
        "pwd" in words
        and len(words) > 1
        and words[-1] in ("pwd", *_QUALIFIER_WORDS)
        and not value.startswith(("/", "~", "."))
        and "/" not in value
        and "\\" not in value
    )


def _says_password(words: List[str]) -> bool:
    return any(w in _PASSWORD_WORDS for w in words)


def _looks_random(value: str) -> bool:
    """Eight or more characters mixing at least three of lower, upper, digits and symbols."""
    if len(value) < 8 or any(ch.isspace() for ch in value):
        return False
    classes = (str.islower, str.isupper, str.isdigit, lambda ch: not ch.isalnum())
    return sum(any(test(ch) for ch in value) for test in classes) >= 3


def _boundary(text: str, i: int) -> bool:
    """A word boundary in snake, kebab, dotted or camelCase text, or between letters and digits."""
    if i <= 0 or i >= len(text):
        return True
    before, after = text[i - 1], text[i]
    if not before.isalnum() or not after.isalnum():
        return True
    if before.isalpha() != after.isalpha():
        return True
    if before.islower() and after.isupper():
        return True
    # The end of an acronym: ``AWSAccess`` splits before ``Access``.
    return before.isupper() and after.isupper() and i + 1 < len(text) and text[i + 1].islower()


def _starts_word(text: str, i: int) -> bool:
    return _boundary(text, i)


def _ends_word(text: str, i: int) -> bool:
    # A plural still names the secret: ``credentials``, ``tokens``.
    if i < len(text) and text[i] in "sS":
        return _boundary(text, i) or _boundary(text, i + 1)
    return _boundary(text, i)


def _known_secret(value: str) -> Optional[Tuple[str, str]]:
    """(kind, recognised prefix) of a credential-shaped literal, or None."""
    for kind, pattern in _KNOWN_SECRETS:
        match = pattern.search(value)
        if match is None:
            continue
        if kind == "AWS access key" and match.group(0).endswith("EXAMPLE"):
            continue
        return kind, match.group(1)
    return None


def _target_name(target: ast.AST) -> Optional[str]:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript):
        key = target.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return None
