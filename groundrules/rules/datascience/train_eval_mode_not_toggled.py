"""GR422: evaluation without ``model.eval()``, or training after it without ``model.train()``."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from groundrules.rules.datascience._tracking import dotted, parameter_names
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_NO_GRAD = frozenset(
    {"torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad", "torch.autograd.grad_mode.no_grad"}
)
_EVAL_FUNCTION = re.compile(
    r"(?i)(^|_)(eval|evaluate|evaluation|predict|prediction|inference|infer|validate|validation|test)(_|$)"
)
_MODEL_NAME = re.compile(r"(?i)^(model|net|network)$|^[a-z0-9]+_model$")
#: ``load_model(...)``, ``build_model(...)``: functions returning a model, not a model.
_VERBS = frozenset(
    """get load build make create validate init train fit save return to from update check run
    compile export evaluate predict""".split()
)
_MODULE_FACTORIES = ("torch.nn.Sequential", "torchvision.models.", "timm.create_model")
_LIGHTNING = frozenset({"pytorch_lightning", "lightning"})
#: Losses and metrics: calling one under `no_grad` evaluates nothing with dropout.
_LOSS = re.compile(r"(?i)(loss|criterion|metric)")


def _ends_in_eval(value: ast.AST) -> bool:
    """``X().eval()`` or ``X().eval().to(device)``/``.cuda()``: the bound model is in eval mode."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        if value.func.attr == "eval" and not value.args:
            return True
        if value.func.attr not in ("to", "cuda", "cpu", "half", "float", "requires_grad_"):
            return False
        value = value.func.value
    return False

_TRAIN_AFTER_EVAL = (
    "training step after `{model}.eval()` without `{model}.train()`: dropout and batch norm "
    "stay in inference mode; call `{model}.train()` before training"
)


@dataclass
class _Loop:
    node: ast.AST
    backward: bool = False
    trains: int = 0
    evals: List[Tuple[ast.Call, str]] = field(default_factory=list)


class TrainEvalModeNotToggled(Rule):
    code = "GR422"
    name = "train-eval-mode-not-toggled"
    category = Category.DATA_SCIENCE
    severity = Severity.WARNING
    message = (
        "`{model}` is evaluated without an earlier `{model}.eval()`: dropout and batch norm "
        "behave as in training; call `{model}.eval()` first"
    )
    what = """
Finds calls of a PyTorch model inside `with torch.no_grad()` / `torch.inference_mode()` (or in
a function named like `evaluate`, `predict`, `validate`, `inference`) with no earlier
`model.eval()` in scope, and training steps (`.backward()`) that follow a `model.eval()` with no
`model.train()` in between, including on the next pass of a loop. A model is a name bound from
`torch.nn.Sequential`, `torchvision.models.*`, `timm.create_model` or a local `nn.Module`
subclass, or named `model`, `net`, `network` or `<noun>_model`; not a loss or metric
(`nn.MSELoss()`, `criterion`, `loss_model`). A model put in eval mode anywhere in the module (a
setup function, `model = Net().eval()`) is not reported where its mode cannot be followed.
"""
    why = """
Dropout and batch normalisation behave differently in training and evaluation. Evaluating in
training mode gives noisy, too-pessimistic metrics; training in eval mode silently disables
dropout and freezes batch-norm statistics.
"""
    use_instead = """\
import torch

def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        return [model(x) for x in loader]
"""
    fix_safety = "No automatic fix (SUGGEST): where the toggle belongs depends on the loop."
    requires = frozenset({"torch"})
    bad = (
        "import torch\n\ndef evaluate(model, loader):\n    with torch.no_grad():\n"
        "        return [model(x) for x in loader]\n",
        "import torch\nmodel = torch.nn.Sequential(torch.nn.Dropout())\nwith torch.no_grad():\n"
        "    out = model(x)\n",
        "import torch\nmodel.train()\nfor epoch in range(3):\n    for x in loader:\n"
        "        model(x).sum().backward()\n        opt.step()\n        opt.zero_grad()\n"
        "    model.eval()\n    with torch.no_grad():\n        val = model(v)\n",
        "import torch\n\ndef predict(net, x):\n    return net(x).argmax(1)\n",
    )
    good = (
        "import torch\n\ndef evaluate(model, loader):\n    model.eval()\n    with torch.no_grad():\n"
        "        return [model(x) for x in loader]\n",
        "import torch\nfor epoch in range(3):\n    model.train()\n    for x in loader:\n"
        "        model(x).sum().backward()\n        opt.step()\n        opt.zero_grad()\n"
        "    model.eval()\n    with torch.no_grad():\n        val = model(v)\n",
        # Not a model: a tensor function under no_grad.
        "import torch\nwith torch.no_grad():\n    y = torch.relu(x)\n    z = scale(y)\n",
        # eval() earlier in the module for a global model.
        "import torch\nmodel = load()\nmodel.eval()\n\ndef predict(x):\n    with torch.no_grad():\n        return model(x)\n",
        # A module not importing torch.
        "import tensorflow as tf\n\ndef predict(model, x):\n    return model(x)\n",
        # Eval mode set elsewhere: in a setup function, or where the model is built.
        "import torch\nmodel = build()\n\ndef predict(x):\n    with torch.no_grad():\n"
        "        return model(x)\n\ndef setup():\n    model.eval()\n",
        "import torch\nmodel = torch.load('m.pt', weights_only=True).to('cuda').eval()\n"
        "with torch.no_grad():\n    out = model(x)\n",
        # A loss, not a network.
        "import torch\n\nclass Trainer:\n    def validate(self, x, y):\n        with torch.no_grad():\n"
        "            return self.loss_model(x, y)\n",
        "import torch\nloss_model = torch.nn.MSELoss()\n\ndef validate(pred, y):\n"
        "    with torch.no_grad():\n        return loss_model(pred, y)\n",
        # Lightning toggles the mode itself.
        "import torch\nimport lightning as L\n\nclass M(L.LightningModule):\n"
        "    def validation_step(self, batch, i):\n        return self.model(batch)\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._state: Dict[Tuple[int, str], str] = {}
        self._last: Dict[int, Tuple[str, str]] = {}  # function -> (mode, model) of the last toggle
        self._global: Dict[str, str] = {}
        self._no_grad: List[ast.AST] = []
        self._loops: List[_Loop] = []
        self._modules: Set[str] = set()
        self._module_classes: Set[str] = set()
        self._reported: Set[Tuple[int, str]] = set()
        #: Model calls in an evaluation context whose mode is unknown where they are made.
        self._pending: List[Tuple[ast.Call, str, int]] = []
        #: Models put in eval mode anywhere in the module.
        self._evaled_anywhere: Set[str] = set()
        #: Names bound to loss functions and metrics (`nn.CrossEntropyLoss()`): not models.
        self._losses: Set[str] = set()
        self._lightning = ctx.imports.imports_any(_LIGHTNING)
        self._test_module = ctx.is_test_module()

    # -- bookkeeping --------------------------------------------------------------------
    def _function_key(self) -> int:
        function = self.ctx.enclosing_function()
        return id(function) if function is not None else 0

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            qualname = self.ctx.qualname(base) or ""
            name = base.id if isinstance(base, ast.Name) else ""
            if qualname.startswith("torch.nn.") or name in self._module_classes:
                self._module_classes.add(node.name)

    def leave_Assign(self, node: ast.Assign) -> None:
        value = node.value
        is_module = False
        if isinstance(value, ast.Call):
            qualname = self.ctx.qualname(value.func) or ""
            is_module = qualname.startswith(_MODULE_FACTORIES) or (
                isinstance(value.func, ast.Name) and value.func.id in self._module_classes
            )
        evaled = _ends_in_eval(value)
        is_loss = isinstance(value, ast.Call) and _LOSS.search(self.ctx.qualname(value.func) or "") is not None
        for target in node.targets:
            key = dotted(target)
            if key is not None:
                if is_module:
                    self._modules.add(key)
                else:
                    self._modules.discard(key)
                if evaled:  # `model = Net().eval()`, `model = torch.load(p).to(dev).eval()`
                    if self._shared(key):
                        self._evaled_anywhere.add(key)
                    self._state[(self._function_key(), key)] = "eval"
                    self._global[key] = "eval"
                if is_loss:
                    self._losses.add(key)
                else:
                    self._losses.discard(key)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            expr = item.context_expr
            func = expr.func if isinstance(expr, ast.Call) else expr
            if self.ctx.qualname(func) in _NO_GRAD:
                self._no_grad.append(node)
                return

    def leave_With(self, node: ast.With) -> None:
        if self._no_grad and self._no_grad[-1] is node:
            self._no_grad.pop()

    def _enter_loop(self, node: ast.AST) -> None:
        self._loops.append(_Loop(node))

    def _leave_loop(self, node: ast.AST) -> None:
        if not self._loops or self._loops[-1].node is not node:
            return
        loop = self._loops.pop()
        if loop.backward and loop.evals and not loop.trains:
            call, model = loop.evals[0]
            self._report_once(call, model, "loop", _TRAIN_AFTER_EVAL)

    visit_For = _enter_loop
    visit_AsyncFor = _enter_loop
    visit_While = _enter_loop
    leave_For = _leave_loop
    leave_AsyncFor = _leave_loop
    leave_While = _leave_loop

    def _report_once(self, node: ast.AST, model: str, kind: str, message: Optional[str] = None) -> None:
        key = (self._function_key() if kind != "loop" else id(node), kind + ":" + model)
        if key in self._reported:
            return
        self._reported.add(key)
        self.report(node, message, model=model)

    # -- calls ----------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in ("eval", "train"):
                self._toggle(node, func)
            elif func.attr == "backward":
                self._backward(node)
            elif func.attr not in ("forward",):
                key = dotted(func)
                if key is not None and key.startswith("self.") and key.count(".") == 1:
                    self._model_call(node, key)
        elif isinstance(func, ast.Name):
            self._model_call(node, func.id)

    def _toggle(self, node: ast.Call, func: ast.Attribute) -> None:
        model = dotted(func.value)
        if model is None or node.keywords and func.attr == "eval":
            return
        if func.attr == "eval":
            if node.args:
                return
            mode = "eval"
        else:
            flag: Optional[ast.AST] = node.args[0] if node.args else None
            if flag is None and node.keywords:
                flag = node.keywords[0].value if node.keywords[0].arg == "mode" else None
                if flag is None:
                    return
            if flag is None or (isinstance(flag, ast.Constant) and flag.value is True):
                mode = "train"
            elif isinstance(flag, ast.Constant) and flag.value is False:
                mode = "eval"
            else:
                return
        fkey = self._function_key()
        if mode == "eval" and self._shared(model):
            self._evaled_anywhere.add(model)
        self._state[(fkey, model)] = mode
        self._last[fkey] = (mode, model)
        self._global[model] = mode
        for loop in self._loops:
            if mode == "train":
                loop.trains += 1
            else:
                loop.evals.append((node, model))

    def _backward(self, node: ast.Call) -> None:
        for loop in self._loops:
            loop.backward = True
        last = self._last.get(self._function_key())
        if last is not None and last[0] == "eval":
            self._report_once(node, last[1], "train", _TRAIN_AFTER_EVAL)

    def _shared(self, key: str) -> bool:
        """``self.model`` or a module-level model: the same object wherever the name is used."""
        if key.startswith("self."):
            return True
        function = self.ctx.enclosing_function()
        if function is None:
            return True
        root = key.split(".")[0]
        if root in parameter_names(function):
            return False
        return not any(
            isinstance(n, ast.Name) and n.id == root and isinstance(n.ctx, ast.Store)
            for n in ast.walk(function)
        )

    def _is_model(self, key: str) -> bool:
        if key in self._losses:
            return False
        if key in self._modules:
            return True
        last = key.rsplit(".", 1)[-1]
        if _LOSS.search(last):
            return False  # `loss_model`, `criterion`, `metric_model`: a loss, not a network
        return _MODEL_NAME.search(last) is not None and last.split("_")[0].lower() not in _VERBS

    def _in_eval_context(self) -> bool:
        if self._no_grad:
            return True
        function = self.ctx.enclosing_function()
        if function is None or self._lightning or self._test_module:
            return False
        if function.name.endswith("_step"):
            return False
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if self.ctx.qualname(target) in _NO_GRAD:
                return True
        return _EVAL_FUNCTION.search(function.name) is not None

    def _mode_of(self, key: str) -> Optional[str]:
        fkey = self._function_key()
        if (fkey, key) in self._state:
            return self._state[(fkey, key)]
        function = self.ctx.enclosing_function()
        if function is not None and key.split(".")[0] in parameter_names(function):
            if not key.startswith("self."):
                return None
        return self._global.get(key)

    def _model_call(self, node: ast.Call, key: str) -> None:
        if not self._is_model(key) or not self._in_eval_context():
            return
        mode = self._mode_of(key)
        if mode == "eval":
            return
        if mode == "train":
            self._report_once(node, key, "eval")
        else:
            # Unknown here: `model.eval()` may be set elsewhere in the module (a setup
            # function, `__init__`, `model = Net().eval()`); decided at the end. A model passed
            # in by the caller is the caller's: another function's toggle says nothing about it.
            shared = self._shared(key)
            self._pending.append((node, key if shared else f"<local>{key}", self._function_key()))

    def end(self) -> None:
        for node, key, fkey in self._pending:
            if key in self._evaled_anywhere:
                continue
            shown = key[len("<local>"):] if key.startswith("<local>") else key
            if (fkey, "eval:" + shown) not in self._reported:
                self._reported.add((fkey, "eval:" + shown))
                self.report(node, model=shown)
