"""GR119: `assert` used to validate data or arguments at run time."""

from __future__ import annotations

import ast
import builtins

from groundrules.rules.context import TEST_PATHS, Context
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, FixClass, Severity, str_option

ASSERT_EXCEPTION = str_option(
    "coding",
    "assert-exception",
    "AssertionError",
    "Exception GR119's fix raises in place of `assert`: `AssertionError` keeps behaviour (SAFE); "
    "another, such as `ValueError`, is a POLICY fix applied only with `--unsafe-fixes`.",
)


class AssertAsRuntimeValidation(Rule):
    code = "GR119"
    name = "assert-as-runtime-validation"
    category = Category.CODING
    severity = Severity.WARNING
    fix = FixClass.UNSAFE
    message = (
        "`assert` outside tests vanishes under `python -O`: test explicitly and raise {exception}"
    )
    what = """
Finds `assert` statements in modules outside `test-paths`.
"""
    why = """
`python -O` (and `PYTHONOPTIMIZE`, set by some schedulers and images) strips `assert` statements,
so the data checks they express silently stop running and bad data flows on.
"""
    use_instead = """\
def normalise(rows: list) -> list:
    if not rows:
        raise ValueError("no rows to normalise")
    return rows
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): `assert c, m` -> `if not c: raise AssertionError(m)` is the
point of the rule, and it changes behaviour: under `python -O` (or `PYTHONOPTIMIZE`) the assert
did not run and the `if` does, so code that passed with `-O` may now raise, and the test is now
evaluated (its cost and effects) there too. Type checkers also read the two differently: mypy
treats `assert sys.platform == "win32"` as a platform check that makes the rest of the block
unreachable on other platforms; `if` with a negated test is not understood that way (3 new mypy
errors in click). So the fix is never in the safe tier.
With `--unsafe-fixes` the rewrite reads as a person would write it: negations are simplified
where that is exact (`assert x is not None` -> `if x is None:`, `assert a in b` ->
`if a not in b:`, `assert not y` -> `if y:`), parentheses only where `not` needs them, a message
keeps its text without doubled parentheses, and `assert False, m` becomes `raise AssertionError(m)`.
`==`/`<` and the like are not inverted (`!=` and `>=` call other methods, and NaN compares false
both ways). No fix for asserts that test `sys.platform`, `sys.version_info`, `os.name` or
`TYPE_CHECKING` (type checkers narrow on them), nor for a rewritten line longer than the file's
longest line.
POLICY: when `assert-exception` names another built-in exception such as `ValueError`, the same
rewrite raises that exception (callers catching `AssertionError` no longer catch it). A name that
is not a built-in exception, or one the module rebinds, is SUGGEST.
"""
    options = (TEST_PATHS, ASSERT_EXCEPTION)
    bad = (
        "def normalise(rows):\n    assert rows, 'no rows'\n    return rows\n",
        "import pandas as pd\ndf = pd.read_csv('x.csv')\nassert df.shape[0] > 0\n",
        Example("assert isinstance(x, int)\n", path="src/pkg/model.py"),
        Example(
            "assert len(batch) == 32\n",
            path="src/pkg/train.py",
            options={"coding.assert-exception": "ValueError"},
        ),
    )
    good = (
        Example("def test_mean():\n    assert mean([1, 3]) == 2\n", path="tests/test_stats.py"),
        Example("assert compute() == 4\n", path="src/pkg/test_compute.py"),
        Example("def fixture():\n    assert True\n", path="tests/conftest.py"),
        "if not rows:\n    raise ValueError('no rows')\n",
        # Calls named assert-something are not the statement.
        "import numpy.testing as npt\nnpt.assert_allclose(a, b)\n",
        Example("assert x\n", path="checks/x.py", options={"test-paths": ["checks/**"]}),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._exempt = ctx.is_test_module()

    def visit_Assert(self, node: ast.Assert) -> None:
        if self._exempt:
            return
        exception = self.option(ASSERT_EXCEPTION)
        if self._narrows_for_type_checkers(node.test):
            self.report(node, fixable=False, exception=f"`{exception}`")
        elif exception == "AssertionError":
            self.report(node, exception=f"`{exception}`")
        elif builtin_exception(exception) and exception not in self.ctx.imports.local and (
            exception not in self.ctx.imports.aliases
        ):
            self.report(node, fix_class=FixClass.UNSAFE, exception=f"`{exception}`")
        else:
            self.report(node, fixable=False, exception=f"`{exception}`")

    def _narrows_for_type_checkers(self, test: ast.expr) -> bool:
        """The test is one mypy evaluates statically (platform, version, `TYPE_CHECKING`)."""
        for sub in ast.walk(test):
            if isinstance(sub, (ast.Name, ast.Attribute)):
                qualname = self.ctx.qualname(sub) or ""
                if qualname in _STATIC_CHECKS or qualname.rpartition(".")[2] == "TYPE_CHECKING":
                    return True
        return False


#: Values mypy evaluates when it checks a program: an assert on them narrows for the checker.
_STATIC_CHECKS = frozenset({"sys.platform", "sys.version_info", "os.name", "typing.TYPE_CHECKING"})


def builtin_exception(name: str) -> bool:
    """``name`` is a built-in exception class (``ValueError``), raisable with a message."""
    value = getattr(builtins, name, None) if name.isidentifier() else None
    return isinstance(value, type) and issubclass(value, Exception)
