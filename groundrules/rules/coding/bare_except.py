"""GR111: ``except:`` without an exception type."""

from __future__ import annotations

import ast

from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity


class BareExcept(Rule):
    code = "GR111"
    name = "bare-except"
    category = Category.CODING
    severity = Severity.WARNING
    fix = FixClass.UNSAFE
    message = (
        "bare `except:` also catches KeyboardInterrupt and SystemExit: "
        "write `except Exception:` or, better, the exceptions you expect"
    )
    what = """
Finds `except:` clauses that name no exception type.
"""
    why = """
A bare `except:` catches `BaseException`: Ctrl-C, `sys.exit()` and generator shutdown are swallowed
along with real errors, so a job cannot be stopped cleanly and failures look like successes.
"""
    use_instead = """\
import logging

logger = logging.getLogger(__name__)


def load(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        logger.exception("cannot read %s", path)
        raise
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes`): `except:` -> `except Exception:`. KeyboardInterrupt
and SystemExit then propagate instead of being swallowed, which changes behaviour.
"""
    options = ()
    bad = (
        "try:\n    x = 1\nexcept:\n    pass\n",
        "def f():\n    try:\n        return g()\n    except ValueError:\n        return 0\n"
        "    except:\n        raise\n",
        "for i in range(3):\n    try:\n        work(i)\n    except:\n        continue\n",
    )
    good = (
        "try:\n    x = 1\nexcept Exception:\n    pass\n",
        "try:\n    x = 1\nexcept (ValueError, KeyError) as exc:\n    raise RuntimeError() from exc\n",
        "try:\n    x = 1\nexcept BaseException:\n    raise\n",
        "try:\n    x = 1\nfinally:\n    y = 2\n",
    )

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is None:
            self.report(node)
