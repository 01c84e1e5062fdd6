"""GR423: PyTorch training that cannot be reproduced."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, List, Optional, Tuple

from groundrules.rules.context import has_kwargs_splat, keyword
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_DETERMINISTIC = frozenset({"torch.use_deterministic_algorithms"})
_CUDNN_DETERMINISTIC = frozenset({"torch.backends.cudnn.deterministic"})
_MANUAL_SEEDS = frozenset({"torch.manual_seed", "torch.random.manual_seed"})
_LOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})

_SHUFFLE = (
    "`DataLoader(shuffle=True)` without `generator=` and no `torch.manual_seed(...)` here: pass "
    "`generator=torch.Generator().manual_seed(SEED)` for a reproducible order"
)
_WORKERS = (
    "`DataLoader(num_workers={workers})` without `worker_init_fn=` or `generator=`: seed the "
    "workers so their random augmentations are reproducible"
)


class NondeterministicTorchTraining(Rule):
    code = "GR423"
    name = "nondeterministic-torch-training"
    category = Category.DATA_SCIENCE
    severity = Severity.WARNING
    message = (
        "training (`.backward()`) in a module that never enables determinism: call "
        "`torch.use_deterministic_algorithms(True)` and set `torch.backends.cudnn.benchmark = False`"
    )
    what = """
Finds modules calling `.backward()` that never enable determinism
(`torch.use_deterministic_algorithms(True)` or `torch.backends.cudnn.deterministic = True`), and
`DataLoader(shuffle=True)` without `generator=` (unless the module calls `torch.manual_seed`),
or `DataLoader(num_workers=N)` with `N > 0` without `worker_init_fn=` or `generator=`.
"""
    why = """
Non-deterministic CUDA kernels, cuDNN autotuning, an unseeded shuffle order and unseeded worker
processes each make two runs of the same code train different models, so results cannot be
reproduced or compared.
"""
    use_instead = """\
import torch
from torch.utils.data import DataLoader

torch.manual_seed(0)
torch.use_deterministic_algorithms(True)
torch.backends.cudnn.benchmark = False
loader = DataLoader(data, batch_size=32, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
for x, y in loader:
    loss_fn(model(x), y).backward()
"""
    fix_safety = "No automatic fix (SUGGEST): deterministic kernels can be much slower."
    requires = frozenset({"torch"})
    bad = (
        "import torch\nfor x, y in loader:\n    loss = loss_fn(model(x), y)\n    loss.backward()\n",
        "import torch\nfrom torch.utils.data import DataLoader\nloader = DataLoader(ds, shuffle=True)\n",
        "import torch.utils.data as tud\nloader = tud.DataLoader(ds, batch_size=8, num_workers=4)\n",
        "import torch\ntorch.use_deterministic_algorithms(False)\nloss.backward()\n",
    )
    good = (
        "import torch\ntorch.use_deterministic_algorithms(True)\nfor x, y in loader:\n"
        "    loss_fn(model(x), y).backward()\n",
        "import torch\ntorch.backends.cudnn.deterministic = True\ntorch.backends.cudnn.benchmark = False\n"
        "loss.backward()\n",
        "import torch\nfrom torch.utils.data import DataLoader\ng = torch.Generator()\ng.manual_seed(0)\n"
        "loader = DataLoader(ds, shuffle=True, num_workers=2, generator=g)\n",
        "import torch\nfrom torch.utils.data import DataLoader\ntorch.manual_seed(0)\n"
        "loader = DataLoader(ds, shuffle=True)\n",
        # Options passed through **kwargs may hold the generator.
        "import torch\nfrom torch.utils.data import DataLoader\nloader = DataLoader(ds, shuffle=True, **opts)\n",
        # A module not importing torch.
        "import tensorflow as tf\nloss.backward()\n",
        # An evaluation loader: no shuffling, no workers.
        "import torch\nfrom torch.utils.data import DataLoader\nloader = DataLoader(ds, shuffle=False, num_workers=0)\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._backward: Optional[ast.Call] = None
        self._deterministic = False
        self._seeded = False
        self._shuffles: List[ast.Call] = []
        self._workers: List[Tuple[ast.Call, int]] = []

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        attr = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if attr == "backward":
            receiver = func.value if isinstance(func, ast.Attribute) else None
            if self._backward is None and receiver is not None and not (
                isinstance(receiver, ast.Name) and receiver.id == "self"
            ):
                self._backward = node
        elif attr == "use_deterministic_algorithms":
            if self.ctx.qualname(func) in _DETERMINISTIC:
                flag = node.args[0] if node.args else None
                if flag is None:
                    kw = keyword(node, "mode")
                    flag = kw.value if kw is not None else None
                if not (isinstance(flag, ast.Constant) and flag.value is False):
                    self._deterministic = True
        elif attr == "manual_seed":
            if self.ctx.qualname(func) in _MANUAL_SEEDS:
                self._seeded = True
        elif attr == "DataLoader" and self.ctx.qualname(func) in _LOADERS:
            self._loader(node)

    def _loader(self, node: ast.Call) -> None:
        if has_kwargs_splat(node) or keyword(node, "generator") is not None:
            return
        shuffle = keyword(node, "shuffle")
        if shuffle is not None and isinstance(shuffle.value, ast.Constant) and shuffle.value.value is True:
            self._shuffles.append(node)
        workers = keyword(node, "num_workers")
        if (
            workers is not None
            and keyword(node, "worker_init_fn") is None
            and isinstance(workers.value, ast.Constant)
            and isinstance(workers.value.value, int)
            and not isinstance(workers.value.value, bool)
            and workers.value.value > 0
        ):
            self._workers.append((node, workers.value.value))

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        if not (isinstance(value, ast.Constant) and value.value is True):
            return
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "deterministic":
                if self.ctx.qualname(target) in _CUDNN_DETERMINISTIC:
                    self._deterministic = True

    def end(self) -> None:
        if self._backward is not None and not self._deterministic:
            self.report(self._backward)
        if not self._seeded:
            for node in self._shuffles:
                self.report(node, _SHUFFLE)
        for node, workers in self._workers:
            self.report(node, _WORKERS, workers=workers)
