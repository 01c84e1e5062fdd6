"""GR216: cleartext network protocols (``http://`` URLs, FTP, telnet) and unchecked URL schemes."""

from __future__ import annotations

import ast
import ipaddress
from typing import TYPE_CHECKING, Dict, Optional

from groundrules.rules.context import keyword, literal_string
from groundrules.rules.framework import Example, Rule
from groundrules.rules.security._http_clients import (
    HTTP_FUNCTIONS,
    HTTP_METHODS,
    ClientBindings,
    target_key,
)
from groundrules.standards.schema import Category, FixClass, Severity, strs_option

if TYPE_CHECKING:
    from groundrules.rules.context import Context

HTTPS_HOSTS = strs_option(
    "security",
    "https-hosts",
    (),
    "Hosts known to serve HTTPS: GR216's fix rewrites `http://` to `https://` only for these.",
)

_URLLIB = frozenset(
    {
        "urllib.request.urlopen",
        "urllib.request.Request",
        "urllib.request.urlretrieve",
        "urllib.urlopen",
        "urllib2.urlopen",
        "urllib2.Request",
    }
)
#: Open whatever scheme the URL names, ``file://`` included.
_URLOPEN = frozenset(
    {"urllib.request.urlopen", "urllib.urlopen", "urllib2.urlopen", "urllib.request.urlretrieve",
     "urllib.urlretrieve"}
)
#: Deprecated opener classes: any scheme, whatever URL they are later given.
_OPENERS = frozenset(
    {"urllib.request.URLopener", "urllib.request.FancyURLopener", "urllib.URLopener",
     "urllib.FancyURLopener"}
)
_REQUEST_OBJECTS = frozenset({"urllib.request.Request", "urllib2.Request"})
_FTP = frozenset({"ftplib.FTP"})
_TELNET = frozenset({"telnetlib.Telnet"})
_CHEAP_NAMES = (
    HTTP_METHODS
    | frozenset(q.rsplit(".", 1)[1] for q in _URLLIB | _URLOPEN | _OPENERS | _FTP | _TELNET)
)
_URL_KEYWORDS = ("url", "filepath_or_buffer", "io", "path", "path_or_buf", "fullurl", "uri")
_LOCAL_HOSTS = frozenset({"localhost", "0.0.0.0", "host.docker.internal"})
_PLACEHOLDER = "\x00"


def url_host(url: str) -> Optional[str]:
    """The host of an ``http://`` URL (no user info, no port); ``""`` when not literal."""
    if not url[:7].lower() == "http://":
        return None
    rest = url[7:]
    for stop in "/?#":
        rest = rest.split(stop, 1)[0]
    rest = rest.rsplit("@", 1)[-1]  # never keep user:password
    if rest.startswith("["):
        host = rest[1:].split("]", 1)[0]
    else:
        host = rest.split(":", 1)[0]
    return "" if _PLACEHOLDER in host else host.lower()


def is_local(host: str) -> bool:
    if host in _LOCAL_HOSTS or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class UnencryptedOrUnauthenticatedTransport(Rule):
    code = "GR216"
    name = "unencrypted-or-unauthenticated-transport"
    category = Category.SECURITY
    severity = Severity.ERROR
    message = (
        "cleartext `http://{host}` URL passed to `{call}`: use `https://` so data and credentials "
        "are encrypted and the server is authenticated"
    )
    ftp_message = (
        "`ftplib.FTP` sends the login and data in cleartext: use `ftplib.FTP_TLS`, SFTP or HTTPS"
    )
    telnet_message = (
        "`telnetlib.Telnet` is an unencrypted, unauthenticated protocol (and the module is gone "
        "in Python 3.13): use SSH (paramiko, fabric)"
    )
    opener_message = (
        "`{call}` opens any scheme, `file://` included, and is deprecated: use "
        "`urllib.request.urlopen` on a URL checked to start with `https://`, or `requests`"
    )
    urlopen_message = (
        "`{call}` with a URL that is not a literal also opens `file://` and other schemes: check "
        "the URL starts with `https://` first, or use `requests`"
    )
    what = """
Finds cleartext transport: an `http://` URL to a host other than localhost/loopback passed to a
`requests` or `httpx` call (module functions and methods of a session bound from
`requests.Session()`/`httpx.Client()` in the same scope), to `urllib.request.urlopen`/`Request`/
`urlretrieve`, or to a `pd.read_*` function, whether written in place, as an f-string or `+`
starting with it, or through a name bound to such a string in the same scope or at module level;
`ftplib.FTP(...)`; `telnetlib.Telnet(...)`; `urllib.request.urlopen(...)`/`urlretrieve(...)` with
a URL that is not a literal or not `http(s)://` (they accept `file://` and custom schemes); and the
deprecated `URLopener`/`FancyURLopener` (also through `six.moves`).

`https://` URLs, `http://localhost`/`127.0.0.1` and URLs in strings that are not passed to those
calls are not reported. The message shows the host only, never user info in the URL.
"""
    why = """
Over plain HTTP, FTP or telnet, anyone on the network path can read the data and any credentials
sent with it, and can swap the response: a dataset or model fetched that way can be altered in
flight. `urlopen` on an unchecked URL can also be steered to read local files.
"""
    use_instead = """\
import pandas as pd
import requests

rates = pd.read_csv("https://data.acme.internal/rates.csv")
response = requests.get("https://api.example.com/v1/items", timeout=30)
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): `https://` is a different connection: TLS certificate checks
can fail, proxies and redirects differ, and the server may answer differently. With
`--unsafe-fixes`:
`http://` -> `https://` only for hosts listed in `https-hosts` (known to serve HTTPS), and
only where the URL is written in the call (a string, or an f-string, `+`, `%` or `.format()`
starting with one). A URL reached through a name, other hosts, FTP, telnet and `urlopen` with a
variable URL have no automatic fix (SUGGEST).
"""
    fix = FixClass.UNSAFE
    options = (HTTPS_HOSTS,)
    requires = frozenset({"requests", "httpx", "urllib", "urllib2", "pandas", "ftplib", "telnetlib", "six"})
    bad = (
        'import requests\nrequests.get("http://api.example.com/items", timeout=5)\n',
        'import pandas as pd\ndf = pd.read_csv("http://data.example.org/rates.csv")\n',
        'import requests\nBASE = "http://api.example.com"\n\n'
        'def f():\n    return requests.post(BASE + "/x", timeout=5)\n',
        'import ftplib\nftp = ftplib.FTP("ftp.example.com")\n',
        'from telnetlib import Telnet\ntn = Telnet("router.lan")\n',
        'import urllib.request\n\ndef fetch(url):\n    return urllib.request.urlopen(url)\n',
        "import urllib.request\nurllib.request.urlretrieve('file:///etc/passwd', 'x')\n",
        "import six\nopener = six.moves.urllib.request.FancyURLopener()\n",
        'import httpx\nwith httpx.Client() as c:\n    c.get(f"http://{host}/api", timeout=3)\n',
        # A listed host, but the URL comes through a name: reported without a fix.
        Example(
            'import requests\nBASE = "http://data.acme.internal"\n'
            'requests.get(BASE + "/x", timeout=5)\n',
            options={"security.https-hosts": ["data.acme.internal"]},
        ),
    )
    good = (
        'import requests\nrequests.get("https://api.example.com/items", timeout=5)\n',
        # Local services.
        'import requests\nrequests.get("http://localhost:8080/health", timeout=1)\n'
        'requests.get("http://127.0.0.1:5000/", timeout=1)\n',
        # An http:// string that is not requested, and a dict's .get with an http key.
        'import requests\nSCHEMA = "http://json-schema.org/draft-07/schema#"\n'
        'links = {}\nlinks.get("http://example.com")\n',
        # A literal https URL to urlopen, and FTP over TLS.
        'import urllib.request, ftplib\nurllib.request.urlopen("https://example.com", timeout=5)\n'
        'ftp = ftplib.FTP_TLS("ftp.example.com")\n',
        # A module importing none of the libraries: a local get.
        'def get(url):\n    return url\n\nget("http://example.com")\n',
        # A polars-only module.
        'import polars as pl\ndf = pl.read_csv("http://data.example.org/rates.csv")\n',
        # A urllib Request built from a literal https URL.
        'import urllib.request\nreq = urllib.request.Request("https://example.com")\n'
        'urllib.request.urlopen(req, timeout=5)\n',
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self.clients = ClientBindings(ctx)
        self._https_hosts = frozenset(h.lower() for h in self.option(HTTPS_HOSTS))
        #: scope -> name -> the string (or f-string text) it was bound to, or "" for a safe
        #: urllib Request object.
        self._strings: Dict[Optional[ast.AST], Dict[str, str]] = {}

    # -- bindings --------------------------------------------------------------------------
    def _bind(self, target: ast.AST, value: Optional[ast.AST]) -> None:
        key = target_key(target)
        if key is None:
            return
        strings = self._strings.setdefault(self.ctx.enclosing_scope(), {})
        text = self._url_text(value) if value is not None else None
        if text is None and isinstance(value, ast.Call):
            if self.ctx.qualname(value.func) in _REQUEST_OBJECTS and value.args:
                text = self._url_text(value.args[0])
        if text is not None:
            strings[key] = text
        else:
            strings.pop(key, None)

    def leave_Assign(self, node: ast.Assign) -> None:
        self.clients.assign(node)
        for target in node.targets:
            self._bind(target, node.value)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.clients.assign(node)
        self._bind(node.target, node.value)

    def visit_withitem(self, node: ast.withitem) -> None:
        self.clients.withitem(node)

    def _lookup(self, key: str) -> Optional[str]:
        for where in (self.ctx.enclosing_scope(), None):
            strings = self._strings.get(where)
            if strings and key in strings:
                return strings[key]
        return None

    def _url_text(self, node: ast.AST, depth: int = 0) -> Optional[str]:
        """The literal text of a URL expression, fields as placeholders; None if unknown."""
        if depth > 8:
            return None
        text = literal_string(node)
        if text is not None:
            return text
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                part = literal_string(value)
                parts.append(_PLACEHOLDER if part is None else part)
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            left = self._url_text(node.left, depth + 1)
            if left is None:
                return None
            if isinstance(node.op, ast.Add):
                right = self._url_text(node.right, depth + 1)
                return left + (right if right is not None else _PLACEHOLDER)
            return left
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "format":
                return self._url_text(node.func.value, depth + 1)
            return None
        key = target_key(node)
        if key is not None:
            return self._lookup(key)
        return None

    # -- the check -------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr not in _CHEAP_NAMES and not func.attr.startswith("read_"):
                return
        elif not isinstance(func, ast.Name):
            return
        qualname = self.ctx.qualname(func)
        if qualname is not None and qualname.startswith("six.moves."):
            qualname = qualname[len("six.moves.") :]  # six's aliases of the same functions
        if qualname in _OPENERS:
            self.report(node, self.opener_message, call=f"{qualname}()", fixable=False)
            return
        if qualname in _FTP:
            self.report(node, self.ftp_message, fixable=False)
            return
        if qualname in _TELNET:
            self.report(node, self.telnet_message, fixable=False)
            return
        call: Optional[str] = None
        if qualname is not None and (
            qualname in HTTP_FUNCTIONS
            or qualname in _URLLIB
            or (qualname.startswith("pandas.read_") and qualname.count(".") == 1)
        ):
            call = f"{qualname}()"
        elif isinstance(func, ast.Attribute) and func.attr in HTTP_METHODS:
            if self.clients.client_receiver(node) is not None:
                call = f"session.{func.attr}()"
        if call is None:
            return
        url = self._url_argument(node, qualname)
        if url is None:
            return
        text = self._url_text(url)
        if text is None:
            if qualname in _URLOPEN and literal_string(url) is None:
                self.report(node, self.urlopen_message, call=f"{qualname}()", fixable=False)
            return
        host = url_host(text)
        if host is None or (host and is_local(host)):
            if qualname in _URLOPEN and not text.lower().startswith(("https://", "http://")):
                self.report(node, self.urlopen_message, call=f"{qualname}()", fixable=False)
            return
        self.report(
            node,
            call=call,
            host=host or "…",
            fixable=bool(host) and host in self._https_hosts and _written_in_call(url),
        )

    @staticmethod
    def _url_argument(node: ast.Call, qualname: Optional[str]) -> Optional[ast.AST]:
        args = [a for a in node.args if not isinstance(a, ast.Starred)]
        func = node.func
        if qualname is not None and qualname.startswith(("requests.", "httpx.")):
            method_first = qualname.rsplit(".", 1)[1] in ("request", "stream")
        else:  # a session method
            method_first = isinstance(func, ast.Attribute) and func.attr in ("request", "stream")
        if method_first:
            if len(args) >= 2:
                return args[1]
        elif args:
            return args[0]
        for name in _URL_KEYWORDS:
            kw = keyword(node, name)
            if kw is not None:
                return kw.value
        return None


def _written_in_call(node: ast.AST) -> bool:
    """The URL's leading string is written in the call (not reached through a name)."""
    while True:
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            node = node.left
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
        ):
            node = node.func.value
        else:
            break
    if isinstance(node, ast.JoinedStr):
        return bool(node.values) and literal_string(node.values[0]) is not None
    return literal_string(node) is not None
