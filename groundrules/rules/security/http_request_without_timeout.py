"""GR209: an HTTP request through requests or httpx with no timeout."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from groundrules.rules.context import has_kwargs_splat, keyword
from groundrules.rules.framework import Example, Rule
from groundrules.rules.security._http_clients import (
    HTTP_FUNCTIONS,
    HTTP_METHODS,
    ClientBindings,
    is_none,
)
from groundrules.rules.spelling import unparse
from groundrules.standards.schema import Category, FixClass, Severity, int_option

if TYPE_CHECKING:
    from groundrules.rules.context import Context

DEFAULT_TIMEOUT = int_option(
    "security",
    "default-timeout",
    30,
    "Seconds passed as `timeout=` when GR209's fix adds one to an HTTP request.",
)


class HttpRequestWithoutTimeout(Rule):
    code = "GR209"
    name = "http-request-without-timeout"
    category = Category.SECURITY
    severity = Severity.ERROR
    fix = FixClass.UNSAFE
    message = (
        "`{call}()` {problem}: pass `timeout={timeout}` (seconds) so a stalled server cannot hang "
        "the job"
    )
    what = """
Finds HTTP requests made without a timeout: `requests.get/post/put/patch/delete/head/options/
request`, the same `httpx` functions (and `httpx.stream`), and those methods called on a session
bound from `requests.Session()` or `httpx.Client()`/`httpx.AsyncClient()` in the same scope, when
the call passes no `timeout=` or passes `timeout=None`.

Methods of an `httpx` client built with its own `timeout=` inherit it and are not reported. Calls
passing `**kwargs` are not reported (the timeout may be in there). A `.get()` on anything else (a
dict, a local function named `get`) never fires.
"""
    why = """
`requests` waits forever by default, and `timeout=None` does the same in `httpx`: one server that
accepts the connection and never answers hangs a scheduled job, a worker or a notebook until
someone kills it, often while holding locks or connections.
"""
    use_instead = """\
import requests

response = requests.get("https://api.example.com/v1/items", timeout=30)
with requests.Session() as session:
    session.post("https://api.example.com/v1/items", json={}, timeout=(3.05, 30))
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes` or in `handoff`): adds `timeout=<default-timeout>`
(or replaces `timeout=None`); a slow but healthy endpoint may now raise a timeout error, which is
the intent. Calls passing `**kwargs` are never rewritten.
"""
    options = (DEFAULT_TIMEOUT,)
    requires = frozenset({"requests", "httpx"})
    bad = (
        'import requests\nr = requests.get("https://api.example.com/items")\n',
        'import requests\nrequests.post(url, json=payload, timeout=None)\n',
        'from requests import request as req\nreq("GET", "https://example.com")\n',
        'import requests\n\ndef fetch(url):\n    s = requests.Session()\n    return s.get(url)\n',
        'import httpx\n\nasync def fetch(url):\n'
        '    async with httpx.AsyncClient() as client:\n        return await client.get(url)\n',
        'import httpx\nhttpx.get("https://example.com", timeout=None)\n',
        Example(
            'import requests\nrequests.Session().get("https://example.com")\n',
            options={"security.default-timeout": 5},
        ),
    )
    good = (
        'import requests\nr = requests.get("https://api.example.com/items", timeout=30)\n',
        # A dict's .get, a local function named like the API.
        'import requests\nconfig = {}\nconfig.get("url")\n\ndef get(url):\n    return url\n\nget("x")\n',
        # An httpx client with its own timeout passes it to every request.
        'import httpx\nclient = httpx.Client(timeout=10)\nclient.get("https://example.com")\n',
        # The timeout may be inside **kwargs.
        'import requests\n\ndef fetch(url, **kw):\n    return requests.get(url, **kw)\n',
        # Not a session: rebound to something else in the same scope.
        'import requests\ns = requests.Session()\ns = {}\ns.get("k")\n',
        # A module that imports neither library.
        'import urllib.request\nurllib.request.urlopen("https://example.com", timeout=5)\n'
        'cache = {}\ncache.get("x")\n',
        # A session from another scope is out of reach of this rule's same-scope evidence.
        'import requests\nfrom aiohttp import ClientSession\n\n'
        'async def fetch(url):\n    async with ClientSession() as s:\n        return await s.get(url)\n',
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self.clients = ClientBindings(ctx)
        self.timeout = self.option(DEFAULT_TIMEOUT)

    def leave_Assign(self, node: ast.Assign) -> None:
        self.clients.assign(node)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.clients.assign(node)

    def leave_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.clients.assign(node)

    def visit_withitem(self, node: ast.withitem) -> None:
        self.clients.withitem(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            method = func.attr
        elif isinstance(func, ast.Name):
            method = None
        else:
            return
        if method is not None and method not in HTTP_METHODS:
            return
        call = self.ctx.qualname(func)
        if call not in HTTP_FUNCTIONS:
            if method is None or not isinstance(func, ast.Attribute):
                return
            client = self.clients.client_receiver(node)
            if client is None or client.has_timeout:
                return
            receiver = func.value
            shown = "Session()" if isinstance(receiver, ast.Call) else (
                unparse(receiver)
            )
            call = f"{shown}.{method}"
        if has_kwargs_splat(node):
            return
        timeout = keyword(node, "timeout")
        if timeout is None:
            problem = "has no timeout"
        elif is_none(timeout.value):
            problem = "passes `timeout=None`"
        else:
            return
        self.report(node, call=call, problem=problem, timeout=self.timeout)
