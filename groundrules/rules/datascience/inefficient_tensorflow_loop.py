"""GR425: TensorFlow code that leaks memory or slows graphs in loops."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Set

from groundrules.rules.datascience._tracking import ScopedFlags, enclosing_loops, target_names
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_MODELS = frozenset(
    f"{prefix}{name}"
    for prefix in ("tensorflow.keras.", "tensorflow.keras.models.", "keras.", "keras.models.")
    for name in ("Sequential", "Model")
)
_APPLICATIONS = ("tensorflow.keras.applications.", "keras.applications.")
_CLEAR_SESSION = frozenset(
    {
        "tensorflow.keras.backend.clear_session",
        "tensorflow.keras.utils.clear_session",
        "tensorflow.compat.v1.keras.backend.clear_session",
        "keras.backend.clear_session",
        "keras.utils.clear_session",
    }
)
_TF_FUNCTION = frozenset({"tensorflow.function"})
_TILES = frozenset({"tensorflow.tile", "tensorflow.repeat"})
_ELEMENTWISE_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_ELEMENTWISE_CALLS = frozenset(
    f"tensorflow.{ns}{name}"
    for ns in ("", "math.")
    for name in ("add", "subtract", "multiply", "divide", "maximum", "minimum", "pow", "truediv")
)

_MODEL_IN_LOOP = (
    "Keras model built in a loop without `tf.keras.backend.clear_session()`: each iteration "
    "keeps the previous graph in memory; clear the session at the top of the loop"
)
_LIST_IN_TF_FUNCTION = (
    "`{name}.append(...)` in a loop inside a `tf.function`: use `tf.TensorArray` (`ta = "
    "ta.write(i, x)`) so the loop stays in the graph"
)
_TILE = (
    "`{call}` result used in an element-wise operation: broadcasting does this without "
    "materialising the copies"
)


@dataclass
class _Loop:
    node: ast.AST
    builds: List[ast.Call] = field(default_factory=list)
    cleared: bool = False


class InefficientTensorflowLoop(Rule):
    code = "GR425"
    name = "inefficient-tensorflow-loop"
    category = Category.DATA_SCIENCE
    severity = Severity.INFO
    message = _MODEL_IN_LOOP
    what = """
Finds (i) Keras models (`Sequential`, `Model`, `keras.applications.*`) built in a loop that never
calls `tf.keras.backend.clear_session()` (not `Model(inputs=base.input, outputs=layer.output)`,
a view on an existing model); (ii) Python lists created in a `tf.function` and appended to in a
loop over a tensor there (`tf.range`, a tensor argument; a Python `range`, literal or attribute is
unrolled at trace time), instead of a `tf.TensorArray`; (iii) `tf.tile`/`tf.repeat` results
used directly in an element-wise operation, where broadcasting would do.
"""
    why = """
Every model built keeps its layers in the global Keras state, so memory grows and layer names
drift with each iteration. Python lists inside `tf.function` unroll the loop at trace time or
fail. Tiling materialises copies that broadcasting avoids.
"""
    use_instead = """\
import tensorflow as tf

for units in (32, 64):
    tf.keras.backend.clear_session()
    model = tf.keras.Sequential([tf.keras.layers.Dense(units)])

y = x + tf.reshape(bias, (1, -1))
"""
    fix_safety = "No automatic fix (SUGGEST): each case needs a restructuring."
    requires = frozenset({"tensorflow"})
    bad = (
        "import tensorflow as tf\nfor units in (32, 64):\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Dense(units)])\n",
        "import tensorflow as tf\nfrom tensorflow.keras.models import Sequential\nwhile trying:\n"
        "    m = Sequential()\n",
        "import tensorflow as tf\n\n@tf.function\ndef f(xs):\n    out = []\n    for x in xs:\n"
        "        out.append(x * 2)\n    return tf.stack(out)\n",
        "import tensorflow as tf\n\n@tf.function\ndef g(n):\n    out = []\n    for i in tf.range(n):\n"
        "        out.append(i)\n    return out\n",
        "import tensorflow as tf\ny = tf.tile(b, [4, 1]) + x\n",
        "import tensorflow as tf\nbt = tf.repeat(b, 3, axis=0)\nz = x * bt\n",
    )
    good = (
        "import tensorflow as tf\nfor units in (32, 64):\n    tf.keras.backend.clear_session()\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Dense(units)])\n",
        # A list outside tf.function is plain Python.
        "import tensorflow as tf\n\ndef f(xs):\n    out = []\n    for x in xs:\n"
        "        out.append(x * 2)\n    return tf.stack(out)\n",
        "import tensorflow as tf\n\n@tf.function\ndef f(xs):\n    ta = tf.TensorArray(tf.float32, size=3)\n"
        "    for i in tf.range(3):\n        ta = ta.write(i, xs[i])\n    return ta.stack()\n",
        # Tiling for a concatenation is not an element-wise operation.
        "import tensorflow as tf\ny = tf.concat([tf.tile(b, [4, 1]), x], axis=1)\n",
        "import tensorflow as tf\nmodel = tf.keras.Sequential()\nfor epoch in range(3):\n    model.fit(x, y)\n",
        # A module not importing tensorflow.
        "import keras\nfor u in (1, 2):\n    m = keras.Sequential()\n",
        # Feature extractors over an existing model's layers: views, not new models.
        "import tensorflow as tf\nfor layer in base.layers:\n"
        "    probe = tf.keras.Model(inputs=base.input, outputs=layer.output)\n",
        # Unrolled at trace time: appending over a Python range or a module's blocks is fine.
        "import tensorflow as tf\n\n@tf.function\ndef f(x):\n    feats = []\n"
        "    for block in self.blocks:\n        x = block(x)\n        feats.append(x)\n"
        "    for i in range(3):\n        feats.append(x * i)\n    return feats\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._loops: List[_Loop] = []
        self._lists: Dict[int, Set[str]] = {}
        self._tiled = ScopedFlags(ctx)

    # -- (i) models in loops --------------------------------------------------------------
    def _enter(self, node: ast.AST) -> None:
        self._loops.append(_Loop(node))

    def _leave(self, node: ast.AST) -> None:
        if not self._loops or self._loops[-1].node is not node:
            return
        loop = self._loops.pop()
        if loop.builds and not loop.cleared:
            self.report(loop.builds[0])

    visit_For = _enter
    visit_AsyncFor = _enter
    visit_While = _enter
    leave_For = _leave
    leave_AsyncFor = _leave
    leave_While = _leave

    def _is_model_build(self, qualname: str) -> bool:
        if qualname in _MODELS:
            return True
        return qualname.startswith(_APPLICATIONS) and qualname.rsplit(".", 1)[1][:1].isupper()

    # -- (ii) lists in tf.function --------------------------------------------------------
    def _tf_function(self) -> Optional[ast.AST]:
        function = self.ctx.enclosing_function()
        if function is None:
            return None
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if self.ctx.qualname(target) in _TF_FUNCTION:
                return function
        return None

    def leave_Assign(self, node: ast.Assign) -> None:
        value = node.value
        tiled = self._is_tile(value)
        for target in node.targets:
            for name in target_names(target):
                self._tiled.set(name, tiled and isinstance(target, ast.Name))
        is_list = (isinstance(value, ast.List) and not value.elts) or (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "list"
            and not value.args
        )
        function = self._tf_function()
        if function is None:
            return
        names = self._lists.setdefault(id(function), set())
        for target in node.targets:
            if isinstance(target, ast.Name):
                if is_list:
                    names.add(target.id)
                else:
                    names.discard(target.id)

    # -- (iii) tiling ---------------------------------------------------------------------
    def _is_tile(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            return name in ("tile", "repeat") and self.ctx.qualname(func) in _TILES
        if isinstance(node, ast.Name):
            return self._tiled.get(node.id)
        return False

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if not isinstance(node.op, _ELEMENTWISE_OPS):
            return
        for side in (node.left, node.right):
            if self._is_tile(side):
                self.report(node, _TILE, call=_tile_name(side))
                return

    # -- calls ----------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name == "append" and isinstance(func, ast.Attribute):
            self._check_append(node, func)
            return
        if name is None or not (
            name in ("Sequential", "Model", "clear_session")
            or name[:1].isupper()
            or name in ("add", "subtract", "multiply", "divide", "maximum", "minimum", "pow", "truediv")
        ):
            return
        qualname = self.ctx.qualname(func)
        if qualname is None:
            return
        if qualname in _CLEAR_SESSION:
            for loop in self._loops:
                loop.cleared = True
        elif self._loops and self._is_model_build(qualname) and not _view_of_model(node):
            self._loops[-1].builds.append(node)
        elif qualname in _ELEMENTWISE_CALLS:
            for arg in node.args:
                if self._is_tile(arg):
                    self.report(node, _TILE, call=_tile_name(arg))
                    return

    def _check_append(self, node: ast.Call, func: ast.Attribute) -> None:
        receiver = func.value
        loops = enclosing_loops(self.ctx)
        if not isinstance(receiver, ast.Name) or not loops:
            return
        # A loop over a Python `range`, list or attribute (`self.blocks`) is unrolled at trace
        # time, where appending to a list is fine; only a loop over a tensor becomes a graph loop.
        if all(_python_iterable(loop) for loop in loops):
            return
        function = self._tf_function()
        if function is not None and receiver.id in self._lists.get(id(function), set()):
            self.report(node, _LIST_IN_TF_FUNCTION, name=receiver.id)


_VIEW_ATTRS = frozenset({"input", "inputs", "output", "outputs"})


def _view_of_model(call: ast.Call) -> bool:
    """``Model(inputs=base.input, outputs=layer.output)``: a view on an existing model's layers
    (feature extraction), which `clear_session()` would destroy; not a new model."""
    values = list(call.args) + [kw.value for kw in call.keywords]
    for value in values:
        for sub in ast.walk(value):
            if isinstance(sub, ast.Attribute) and sub.attr in _VIEW_ATTRS:
                return True
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "get_layer":
                return True
    return False


def _python_iterable(loop: ast.AST) -> bool:
    """A ``for`` over ``range(...)``, ``enumerate``/``zip`` of those, a literal or an attribute."""
    if not isinstance(loop, (ast.For, ast.AsyncFor)):
        return False
    it = loop.iter
    while isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id in ("enumerate", "zip", "reversed") and it.args:
        it = it.args[0]
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range":
        return True
    return isinstance(it, (ast.List, ast.Tuple, ast.Attribute))


def _tile_name(node: ast.AST) -> str:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return f"tf.{node.func.attr}"
    if isinstance(node, ast.Name):
        return f"{node.id} (from tf.tile/tf.repeat)"
    return "tf.tile"
