"""GR421: a training loop that never clears the gradients it accumulates."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional

from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_INTERESTING = frozenset({"backward", "step", "zero_grad", "zero_"})


@dataclass
class _Loop:
    node: ast.AST
    backward: Optional[ast.Call] = None
    step: bool = False
    cleared: bool = False
    covered: bool = False  # an inner loop already reported the same problem


class GradientsNotCleared(Rule):
    code = "GR421"
    name = "gradients-not-cleared"
    category = Category.DATA_SCIENCE
    severity = Severity.ERROR
    message = (
        "loop calls `.backward()` and `.step()` but never `zero_grad()`: gradients accumulate "
        "across steps; call `optimizer.zero_grad()` in the loop"
    )
    what = """
Finds a loop whose body (at any depth) calls `<loss>.backward()` and `<optimizer>.step()` but
never `<optimizer>.zero_grad()`, `model.zero_grad()`, `p.grad.zero_()` or `p.grad = None`.
The innermost such loop is reported, at its `backward()` call.
"""
    why = """
PyTorch adds each `backward()` into `.grad`; without clearing, every step applies the sum of all
previous gradients, and training diverges or silently learns the wrong thing.
"""
    use_instead = """\
import torch

for x, y in loader:
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
"""
    fix_safety = """
No automatic fix: inserting `opt.zero_grad()` before `backward()` would break deliberate
gradient accumulation, which clears only every k steps.
"""
    requires = frozenset({"torch"})
    bad = (
        "import torch\nfor x, y in loader:\n    loss = crit(model(x), y)\n    loss.backward()\n    opt.step()\n",
        "import torch\n\ndef train(model, opt, loader, epochs):\n    for epoch in range(epochs):\n"
        "        opt.zero_grad()\n        for x, y in loader:\n            loss = model(x).sum()\n"
        "            loss.backward()\n            opt.step()\n",
        "import torch\nstep = 0\nwhile step < 100:\n    out = net(batch)\n    out.mean().backward()\n"
        "    optimizer.step()\n    step += 1\n",
    )
    good = (
        "import torch\nfor x, y in loader:\n    opt.zero_grad()\n    loss = crit(model(x), y)\n"
        "    loss.backward()\n    opt.step()\n",
        # Deliberate accumulation: cleared every k steps.
        "import torch\nfor i, (x, y) in enumerate(loader):\n    crit(model(x), y).backward()\n"
        "    if (i + 1) % 4 == 0:\n        opt.step()\n        opt.zero_grad(set_to_none=True)\n",
        "import torch\nfor x in loader:\n    model.zero_grad()\n    model(x).sum().backward()\n    opt.step()\n",
        "import torch\nfor x in loader:\n    for p in model.parameters():\n        p.grad = None\n"
        "    model(x).sum().backward()\n    opt.step()\n",
        # No optimizer step: e.g. computing saliency.
        "import torch\nfor x in images:\n    model(x).max().backward()\n    maps.append(x.grad)\n",
        # A module not importing torch.
        "for x, y in loader:\n    loss.backward()\n    opt.step()\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._loops: List[_Loop] = []

    def _enter(self, node: ast.AST) -> None:
        self._loops.append(_Loop(node))

    def _leave(self, node: ast.AST) -> None:
        if not self._loops or self._loops[-1].node is not node:
            return
        loop = self._loops.pop()
        if loop.covered:
            for outer in self._loops:
                outer.covered = True
            return
        if loop.backward is not None and loop.step and not loop.cleared:
            self.report(loop.backward)
            for outer in self._loops:
                outer.covered = True

    visit_For = _enter
    visit_AsyncFor = _enter
    visit_While = _enter
    leave_For = _leave
    leave_AsyncFor = _leave
    leave_While = _leave

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not self._loops or not isinstance(func, ast.Attribute):
            return
        attr = func.attr
        if attr not in _INTERESTING:
            return
        if attr == "backward":
            for loop in self._loops:
                if loop.backward is None:
                    loop.backward = node
        elif attr == "step":
            receiver = func.value
            label = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", "")
            if "sched" in label.lower():
                return
            for loop in self._loops:
                loop.step = True
        elif attr == "zero_grad" or (
            attr == "zero_" and isinstance(func.value, ast.Attribute) and func.value.attr == "grad"
        ):
            for loop in self._loops:
                loop.cleared = True

    def visit_Assign(self, node: ast.Assign) -> None:
        if not self._loops:
            return
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "grad":
                for loop in self._loops:
                    loop.cleared = True
