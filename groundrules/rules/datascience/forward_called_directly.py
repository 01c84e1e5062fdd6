"""GR420: ``module.forward(x)`` instead of ``module(x)``."""

from __future__ import annotations

import ast

from groundrules.rules.datascience.train_eval_mode_not_toggled import _EVAL_FUNCTION, _NO_GRAD
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity


_MODULE_LIBRARIES = ("torch.", "pytorch_lightning.", "lightning.")


class ForwardCalledDirectly(Rule):
    code = "GR420"
    name = "forward-called-directly"
    category = Category.DATA_SCIENCE
    severity = Severity.WARNING
    fix = FixClass.UNSAFE
    message = "`{recv}.forward(...)` bypasses the module's hooks: call `{recv}(...)` instead"
    what = """
Finds `<expr>.forward(...)` calls in modules importing PyTorch, except `super().forward(...)` and
`Base.forward(self, ...)` inside a `forward` method (the legitimate way to extend a parent's
forward) and unbound calls on a class (`MyFunction.forward(ctx, x)`).
"""
    why = """
`nn.Module.__call__` runs forward and backward hooks, and wrappers such as `DataParallel`,
`DistributedDataParallel` or autocast-decorated modules do their work there. Calling `forward`
directly silently skips all of it.
"""
    use_instead = """\
import torch

model = torch.nn.Linear(4, 2)
out = model(torch.ones(1, 4))
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes`): `m.forward(x)` -> `m(x)`; hooks registered on the
module start running, which is the intended semantics. Only the `.forward` is dropped: the
receiver and the arguments are kept as written. Not rewritten (SUGGEST) under `torch.no_grad()` /
`inference_mode()` or in an evaluation-named function, where the model may first need `.eval()`
(GR422).
"""
    requires = frozenset({"torch"})
    bad = (
        "import torch\nmodel = torch.nn.Linear(4, 2)\nout = model.forward(torch.ones(1, 4))\n",
        "import torch.nn as nn\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        return self.body.forward(x)\n",
        "import torch\n\ndef predict(net, x):\n    with torch.no_grad():\n        return net.forward(x)\n",
        "import torch\n\nclass Net(torch.nn.Module):\n    def predict(self, x):\n        return self.forward(x)\n",
    )
    good = (
        "import torch.nn as nn\n\nclass Net(nn.Linear):\n    def forward(self, x):\n"
        "        return super().forward(x) * 2\n",
        "import torch.nn as nn\n\nclass Net(nn.Linear):\n    def forward(self, x):\n"
        "        return nn.Linear.forward(self, x) * 2\n",
        # An autograd Function's static forward, called unbound on the class.
        "import torch\n\nclass Clip(torch.autograd.Function):\n    @staticmethod\n"
        "    def forward(ctx, x):\n        return x\n\ny = Clip.forward(None, 1)\n",
        "import torch\nmodel = torch.nn.Linear(4, 2)\nout = model(torch.ones(1, 4))\n",
        # A module not importing torch.
        "import tensorflow as tf\nlayer.forward(x)\n",
    )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr != "forward":
            return
        receiver = func.value
        if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name):
            if receiver.func.id == "super":
                return
        if isinstance(receiver, (ast.Name, ast.Attribute)):
            last = receiver.id if isinstance(receiver, ast.Name) else receiver.attr
            if last[:1].isupper():
                # `Base.forward(self, x)` or `Function.forward(ctx, x)`: an unbound call on a class.
                return
        if isinstance(receiver, ast.Name) and receiver.id == "self" and not self._in_module_class():
            return
        recv = receiver.id if isinstance(receiver, ast.Name) else "module"
        if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name):
            recv = f"{receiver.value.id}.{receiver.attr}"
        self.report(node, recv=recv, fixable=not self._in_eval_context())

    def _in_eval_context(self) -> bool:
        """Where GR422 judges model calls (under ``no_grad``, in an evaluation-named function):
        ``m(x)`` there may need an earlier ``m.eval()`` that ``m.forward(x)`` hid from it, so the
        rewrite is left to the author."""
        for node in self.ctx.ancestors:
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    expr = item.context_expr
                    func = expr.func if isinstance(expr, ast.Call) else expr
                    if self.ctx.qualname(func) in _NO_GRAD:
                        return True
        function = self.ctx.enclosing_function()
        if function is None:
            return False
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if self.ctx.qualname(target) in _NO_GRAD:
                return True
        return _EVAL_FUNCTION.search(function.name) is not None

    def _in_module_class(self) -> bool:
        """``self.forward()`` counts in a class whose bases may be an ``nn.Module``.

        A base from another library (``yaml.Scanner``) or no base at all rules it out; a base
        defined or unresolved locally, or one from torch or Lightning, keeps it.
        """
        for node in reversed(self.ctx.ancestors):
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    qualname = self.ctx.qualname(base)
                    if qualname is None or qualname.startswith(_MODULE_LIBRARIES):
                        return True
                return False
        return False
