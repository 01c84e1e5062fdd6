"""GR204: ``torch.load`` without an explicit ``weights_only=True``."""

from __future__ import annotations

import ast

from groundrules.rules.context import has_kwargs_splat, keyword
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

_TORCH_LOADS = frozenset({"torch.load", "torch.serialization.load"})


class TorchLoadWithoutWeightsOnly(Rule):
    code = "GR204"
    name = "torch-load-without-weights-only"
    category = Category.SECURITY
    severity = Severity.ERROR
    fix = FixClass.UNSAFE
    message = (
        "`{call}()` without `weights_only=`: pass `weights_only=True` so loading a checkpoint "
        "cannot run code (the default changed in PyTorch 2.6)"
    )
    unsafe_message = (
        "`{call}(..., weights_only=False)` unpickles arbitrary objects and can run code: "
        "load only tensors (`weights_only=True`) or use safetensors"
    )
    what = """
Finds `torch.load(...)` and `torch.serialization.load(...)` calls that do not pass
`weights_only`, or pass `weights_only=False`.
"""
    why = """
A PyTorch checkpoint is a pickle: loading one with `weights_only=False` runs any code it carries.
PyTorch 2.6 flipped the default to `True`, so code that relies on the default loads differently,
and fails or starts trusting its input, depending on the installed version. Saying it explicitly
makes the behaviour the same everywhere.
"""
    use_instead = """\
import torch

state = torch.load("model.pt", map_location="cpu", weights_only=True)
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes` or in `handoff`): add `weights_only=True` when the
keyword is absent and no `pickle_module` (by keyword, positionally or maybe in `*args`) or
`**kwargs` is passed (TorchFix's TOR102 rewrite, which its authors call somewhat unsafe:
checkpoints holding arbitrary objects stop loading).
An explicit `weights_only=False` is never rewritten (SUGGEST).
"""
    requires = frozenset({"torch"})
    bad = (
        'import torch\nstate = torch.load("model.pt")\n',
        'import torch\nstate = torch.load("model.pt", map_location="cpu", weights_only=False)\n',
        "from torch import load\n\ndef restore(path):\n    return load(path)\n",
        'import torch.serialization\nsd = torch.serialization.load(open("m.pt", "rb"))\n',
    )
    good = (
        'import torch\nstate = torch.load("model.pt", weights_only=True)\n',
        # Unknown keywords: the value may well be True.
        'import torch\n\ndef restore(path, **kw):\n    return torch.load(path, **kw)\n',
        "import torch\n\ndef restore(path, safe):\n    return torch.load(path, weights_only=safe)\n",
        # A local function and another library's load.
        "import torch\nimport json\n\ndef load(p):\n    return p\n\nload('x')\njson.load(open('c.json', encoding='utf-8'))\n",
        # A module not importing torch.
        "from mylib import torch_like\nstate = torch_like.load('model.pt')\n",
    )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr != "load":
            return
        call = self.ctx.qualname(func)
        if call not in _TORCH_LOADS:
            return
        flag = keyword(node, "weights_only")
        if flag is None:
            if not has_kwargs_splat(node):
                # `weights_only=True` with a `pickle_module` (by keyword, third positional or
                # maybe in `*args`) raises, so those calls are not rewritten.
                pickle_module = (
                    keyword(node, "pickle_module") is not None
                    or len(node.args) >= 3
                    or any(isinstance(arg, ast.Starred) for arg in node.args)
                )
                self.report(node, call=call, fixable=not pickle_module)
            return
        if isinstance(flag.value, ast.Constant) and flag.value.value is False:
            self.report(node, self.unsafe_message, fixable=False, call=call)
