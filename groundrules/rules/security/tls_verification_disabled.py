"""GR210: TLS certificate verification switched off."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from groundrules.rules.context import keyword
from groundrules.rules.framework import Example, Rule
from groundrules.rules.security._http_clients import ClientBindings
from groundrules.standards.schema import Category, Severity, str_option

if TYPE_CHECKING:
    from groundrules.rules.context import Context

CA_BUNDLE = str_option(
    "security",
    "ca-bundle",
    "",
    "Path of the organisation's CA bundle, suggested as `verify=` by GR210 (empty: none).",
)

_VERIFY_ROOTS = ("requests.", "httpx.")
_BOTO3 = frozenset({"boto3.client", "boto3.resource", "boto3.session.Session.client"})
_BOTO3_METHODS = frozenset({"client", "resource"})
_UNVERIFIED = frozenset({"ssl._create_unverified_context"})
_DISABLE_WARNINGS = frozenset(
    {"urllib3.disable_warnings", "requests.packages.urllib3.disable_warnings"}
)


def _is_false(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


class TlsVerificationDisabled(Rule):
    code = "GR210"
    name = "tls-verification-disabled"
    category = Category.SECURITY
    severity = Severity.ERROR
    message = "{call} turns off TLS certificate checks: {fix}"
    what = """
Finds TLS certificate verification turned off: `verify=False` on a `requests` or `httpx` call
(module functions, `httpx.Client(...)`, and methods of a session bound from `requests.Session()`
or `httpx.Client()` in the same scope), `session.verify = False` on such a session, `verify=False`
on `boto3.client(...)`/`boto3.resource(...)` (or a boto3 session's `.client(...)`), any use of
`ssl._create_unverified_context`, and `urllib3.disable_warnings(...)`, which hides the warnings
unverified requests raise.

`verify=` set to a CA bundle path or left out is fine, as is `verify=False` on unrelated calls.
"""
    why = """
Without certificate checks anyone on the network path (a hotel Wi-Fi, a compromised proxy) can
impersonate the server, read the credentials and data sent and feed back altered data. It is
usually added to get past a corporate CA; the bundle fixes that without the exposure.
"""
    use_instead = """\
import requests

response = requests.get(
    "https://data.acme.internal/export", verify="certs/corp-ca.pem", timeout=30
)
"""
    fix_safety = """
No automatic fix (SUGGEST): set `verify=` to the CA bundle (`ca-bundle`) instead. Just dropping
`verify=False` can break calls to servers signed by an internal CA, so the change is left to a
person.
"""
    options = (CA_BUNDLE,)
    requires = frozenset({"requests", "httpx", "boto3", "ssl", "urllib3"})
    bad = (
        'import requests\nrequests.get("https://example.com", verify=False, timeout=5)\n',
        'import httpx\nclient = httpx.Client(verify=False)\n',
        'import requests\ns = requests.Session()\ns.verify = False\n',
        'import requests\n\ndef f(u):\n    s = requests.Session()\n    return s.post(u, verify=False)\n',
        'import boto3\ns3 = boto3.client("s3", verify=False)\n',
        'import ssl\nctx = ssl._create_unverified_context()\n',
        'import ssl\nssl._create_default_https_context = ssl._create_unverified_context\n',
        'import urllib3\nurllib3.disable_warnings()\n',
        Example(
            'import requests\nrequests.get("https://x.internal", verify=False)\n',
            options={"security.ca-bundle": "certs/corp-ca.pem"},
        ),
    )
    good = (
        'import requests\nrequests.get("https://example.com", verify="certs/ca.pem", timeout=5)\n',
        'import requests\nrequests.get("https://example.com", timeout=5)\n',
        # verify=False on calls of other libraries or local functions.
        'import requests\n\ndef check(data, verify=True):\n    return data\n\n'
        'check([], verify=False)\nparser = {}\nparser.get("x", verify=False)\n',
        # A module importing none of the libraries.
        'from mylib import client\nclient.get("x", verify=False)\n',
        # A normal, verifying SSL context.
        'import ssl\nctx = ssl.create_default_context(cafile="certs/ca.pem")\n',
        # `.verify` on something that is not a session.
        'import requests\nopts = Options()\nopts.verify = False\n',
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self.clients = ClientBindings(ctx)
        bundle = self.option(CA_BUNDLE)
        self._fix_text = (
            f'pass `verify="{bundle}"` (the CA bundle) instead'
            if bundle
            else "pass `verify=` the path of your CA bundle instead"
        )

    def leave_Assign(self, node: ast.Assign) -> None:
        self.clients.assign(node)
        if _is_false(node.value):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == "verify"
                    and self.clients.lookup(target.value) is not None
                ):
                    self.report(node, call="`session.verify = False`", fix=self._fix_text)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.clients.assign(node)

    def leave_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.clients.assign(node)

    def visit_withitem(self, node: ast.withitem) -> None:
        self.clients.withitem(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr != "_create_unverified_context":
            return
        if self.ctx.qualname(node) in _UNVERIFIED:
            self.report(
                node,
                call="`ssl._create_unverified_context`",
                fix="use `ssl.create_default_context(cafile=...)` with your CA bundle",
            )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "disable_warnings":
            name = self.ctx.qualname(func)
            if name in _DISABLE_WARNINGS:
                self.report(
                    node,
                    f"`{name}()` silences the warnings about unverified TLS requests: "
                    "fix verification (a CA bundle) instead of hiding it",
                )
            return
        verify = keyword(node, "verify")
        if verify is None or not _is_false(verify.value):
            return
        qualname = self.ctx.qualname(func)
        if qualname is not None and (qualname.startswith(_VERIFY_ROOTS) or qualname in _BOTO3):
            self.report(node, call=f"`{qualname}(verify=False)`", fix=self._fix_text)
            return
        if not isinstance(func, ast.Attribute):
            return
        if self.clients.client_receiver(node) is not None:
            self.report(node, call=f"`.{func.attr}(verify=False)`", fix=self._fix_text)
        elif func.attr in _BOTO3_METHODS and self._is_boto3_session(func.value):
            self.report(node, call=f"`.{func.attr}(verify=False)`", fix=self._fix_text)

    def _is_boto3_session(self, receiver: ast.AST) -> bool:
        if isinstance(receiver, ast.Call):
            return self.ctx.qualname(receiver.func) in ("boto3.Session", "boto3.session.Session")
        return False
