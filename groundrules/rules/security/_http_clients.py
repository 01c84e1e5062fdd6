"""Helpers shared by the HTTP rules GR209, GR210 and GR216 (not a rule module).

``ClientBindings`` remembers, scope by scope, which names (``s``, ``self.session``) were bound from
``requests.Session()`` or ``httpx.Client()``, so a rule can tell ``s.get(url)`` on such a session
from ``d.get(key)`` on a dict.  Rules feed it from ``leave_Assign`` and ``visit_withitem``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, Optional

from groundrules.rules.context import keyword

if TYPE_CHECKING:
    from groundrules.rules.context import Context

#: HTTP verbs and helpers of ``requests`` (module functions and ``Session`` methods).
REQUESTS_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
#: ``httpx`` has the same plus ``stream``.
HTTPX_METHODS = REQUESTS_METHODS | {"stream"}
#: Every method name worth resolving in a hot ``visit_Call``.
HTTP_METHODS = HTTPX_METHODS

REQUESTS_FUNCTIONS = frozenset(
    {f"requests.{m}" for m in REQUESTS_METHODS} | {f"requests.api.{m}" for m in REQUESTS_METHODS}
)
HTTPX_FUNCTIONS = frozenset({f"httpx.{m}" for m in HTTPX_METHODS})
HTTP_FUNCTIONS = REQUESTS_FUNCTIONS | HTTPX_FUNCTIONS

SESSION_CONSTRUCTORS = frozenset(
    {
        "requests.Session",
        "requests.session",
        "requests.sessions.Session",
        "httpx.Client",
        "httpx.AsyncClient",
    }
)
_CONSTRUCTOR_NAMES = frozenset(q.rsplit(".", 1)[1] for q in SESSION_CONSTRUCTORS)


@dataclass(frozen=True)
class Client:
    """A session object: what built it and the defaults its constructor set."""

    constructor: str  # qualified name, "requests.Session"
    has_timeout: bool  # an httpx client built with a non-None ``timeout=``


def target_key(node: ast.AST) -> Optional[str]:
    """``s`` -> "s", ``self.session`` -> "self.session"; other shapes -> None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def is_none(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class ClientBindings:
    """Names bound from a requests/httpx session constructor, per scope."""

    def __init__(self, ctx: "Context") -> None:
        self.ctx = ctx
        self._scopes: Dict[Optional[ast.AST], Dict[str, Client]] = {}

    def client_of_call(self, value: ast.AST) -> Optional[Client]:
        if not isinstance(value, ast.Call):
            return None
        func = value.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if last not in _CONSTRUCTOR_NAMES:
            return None
        qualname = self.ctx.qualname(func)
        if qualname not in SESSION_CONSTRUCTORS:
            return None
        timeout = keyword(value, "timeout")
        has_timeout = qualname.startswith("httpx.") and timeout is not None and not is_none(
            timeout.value
        )
        return Client(qualname, has_timeout)

    def _bind(self, target: ast.AST, value: Optional[ast.AST]) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._bind(elt, None)
            return
        if isinstance(target, ast.Starred):
            self._bind(target.value, None)
            return
        key = target_key(target)
        if key is None:
            return
        scope = self.ctx.enclosing_scope()
        client = self.client_of_call(value) if value is not None else None
        names = self._scopes.get(scope)
        if client is not None:
            if names is None:
                names = self._scopes[scope] = {}
            names[key] = client
        elif names is not None:
            names.pop(key, None)

    def assign(self, node: ast.AST) -> None:
        """Record an ``Assign``/``AnnAssign``/``NamedExpr`` (call from ``leave_*``)."""
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._bind(target, node.value)
        elif isinstance(node, ast.AnnAssign):
            self._bind(node.target, node.value)
        elif isinstance(node, ast.NamedExpr):
            self._bind(node.target, node.value)

    def withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self._bind(node.optional_vars, node.context_expr)

    def lookup(self, receiver: ast.AST) -> Optional[Client]:
        """The client ``receiver`` names in the current scope, if it was bound from one there."""
        names = self._scopes.get(self.ctx.enclosing_scope())
        if not names:
            return None
        key = target_key(receiver)
        return names.get(key) if key is not None else None

    def client_receiver(self, call: ast.Call) -> Optional[Client]:
        """For ``s.get(...)``/``Session().get(...)``: the client the method is called on."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return None
        receiver = func.value
        if isinstance(receiver, ast.Call):
            return self.client_of_call(receiver)
        return self.lookup(receiver)
