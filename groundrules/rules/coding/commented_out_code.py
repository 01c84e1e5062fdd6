"""GR117: code kept in comments."""

from __future__ import annotations

import ast
import keyword
import re
import textwrap
import warnings
from typing import List, Optional, Sequence, Set, Tuple

from groundrules.rules.context import Context
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, FixClass, Severity, bool_option

REMOVE_COMMENTED_CODE = bool_option(
    "coding",
    "remove-commented-code",
    False,
    "Let `groundrules fix` delete commented-out code (GR117); off by default because the "
    "comment may be the only copy of an idea.",
)

#: Comments that are directives or notebook structure, never code.
_DIRECTIVE = re.compile(
    r"""^\#\s*(
        %|!|In\s*\[|Out\s*\[|\[magic\]|-\*-|noqa\b|nosec\b|
        (type|pragma|pylint|mypy|pyright|fmt|isort|flake8|ruff|coverage|ty|vim?)\s*:
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_BLOCKS = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)
_CELL_MARKER = re.compile(r"^#\s*(%%|In\s*\[)")
_MARKDOWN_CELL = re.compile(r"^#\s*%%\s*\[?markdown\]?", re.IGNORECASE)
_FENCE = re.compile(r"^#\s*(```|~~~)")
#: `name(` or `.name(` written without a space: a call, not prose with a parenthesis.
_TIGHT_CALL = re.compile(r"[\w\])]\(")
#: `e.g. a = b` parses (`e.g.a = b`), but code never puts a space after an attribute dot.
_SPACED_DOT = re.compile(r"[A-Za-z_]\.\s+[A-Za-z_]")
_TRAILING_COMMENT = re.compile(r"\s#.*$")
#: How many comment lines one statement may span.
_MAX_SPAN = 12
#: Two names side by side (`this is`, `the data`): outside strings and comments, Python never
#: accepts that unless one is a keyword, so such text is prose without a parse.  (A lookahead for
#: the second name, so that `if x y` also tries `x y`.)
_NAME_PAIR = re.compile(r"(?<!\w)([^\W\d]\w*)(?=[ \t]+([^\W\d]\w*)(?!\w))")
#: What any statement ``_looks_like_code`` accepts must contain: `=` (assignments), `(` (calls,
#: `raise E(...)`) or one of these keywords; a block counts only through such a statement inside.
_CODE_MARK = re.compile(r"[=(]|\b(?:import|def|class|assert|del|return|yield)\b")
_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"match", "case", "type", "_"}


def _cannot_parse(text: str) -> bool:
    """Prose no parse can accept: two adjacent non-keyword names, in text with no string or
    comment where such a pair could hide.  Most comment lines are prose: this spares a parse each."""
    if "#" in text or "'" in text or '"' in text:
        return False
    return any(first not in _KEYWORDS and second not in _KEYWORDS
               for first, second in (m.groups() for m in _NAME_PAIR.finditer(text)))


def _is_code(text: str) -> bool:
    """Does ``text`` (comment bodies, dedented) parse as statements that look like code?"""
    if not _CODE_MARK.search(text) or _SPACED_DOT.search(text) or _cannot_parse(text):
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in prose
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    if not tree.body:
        return False
    return any(_looks_like_code(stmt, text) for stmt in tree.body) and not any(
        _prose_shaped(stmt) for stmt in tree.body
    )


def _prose_shaped(stmt: ast.stmt) -> bool:
    """Statements English text parses to: `Note: see below`, `global warming`, `raise it`."""
    if isinstance(stmt, ast.AnnAssign):
        return True
    if isinstance(stmt, (ast.Global, ast.Nonlocal)):
        return True
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        return isinstance(value, (ast.Name, ast.Constant, ast.Attribute, ast.UnaryOp)) or (
            isinstance(value, ast.BinOp)
            and isinstance(value.left, ast.Name)
            and isinstance(value.right, ast.Name)
        )
    return False


def _looks_like_code(stmt: ast.stmt, text: str) -> bool:
    if isinstance(stmt, (ast.Pass, ast.Break, ast.Continue)):
        return False
    if isinstance(stmt, ast.Raise):
        return stmt.exc is not None and isinstance(stmt.exc, ast.Call)
    if isinstance(stmt, ast.Return):
        return stmt.value is not None and not isinstance(stmt.value, ast.Name)
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call):
            # `print(x)`, `df.head()` -- not `Step (1)` or `see (below)`.
            return bool(_TIGHT_CALL.search(text))
        # Comparisons and subscripts (`0x100 == FLAG`, `table[14]`) are usually explanations.
        return isinstance(value, (ast.Yield, ast.YieldFrom))
    if isinstance(stmt, _BLOCKS):
        # `if so: done` is prose; `if x:` over `    run(x)` is code.
        inner: List[ast.stmt] = list(stmt.body) + list(getattr(stmt, "orelse", []))
        for handler in getattr(stmt, "handlers", []):
            inner.extend(handler.body)
        inner.extend(getattr(stmt, "finalbody", []))
        return any(_looks_like_code(s, text) for s in inner) and not any(
            _prose_shaped(s) for s in inner
        )
    return isinstance(
        stmt,
        (
            ast.Assign,
            ast.AugAssign,
            ast.Import,
            ast.ImportFrom,
            ast.FunctionDef,
            ast.AsyncFunctionDef,
            ast.ClassDef,
            ast.Assert,
            ast.Delete,
        ),
    )


def _may_continue(text: str) -> bool:
    """Could a statement starting on this line go on to the next one?"""
    stripped = _TRAILING_COMMENT.sub("", text).rstrip()
    if stripped.endswith((":", "\\", ",", "(", "[", "{")) or '"""' in text or "'''" in text:
        return True
    opened = sum(stripped.count(c) for c in "([{")
    return opened > sum(stripped.count(c) for c in ")]}")


def _body(line: str) -> str:
    """The comment's text without `#` and the one space after it."""
    text = line.lstrip()[1:]
    return text[1:] if text.startswith(" ") else text


class CommentedOutCode(Rule):
    code = "GR117"
    name = "commented-out-code"
    category = Category.CODING
    severity = Severity.WARNING
    message = "commented-out code{span}: delete it; version control keeps the history"
    what = """
Finds comment blocks that parse as Python statements and look like code (an assignment, an
import, a call such as `print(x)` or `df.head()`, a `for`/`if`/`def` block), as eradicate does.
Cell markers (`# %%`, `# In[3]:`), magics, pragmas (`# type:`, `# noqa`, `# pragma:`,
`# fmt:` ...), jupytext markdown cells, fenced examples and English prose are never reported.
"""
    why = """
Commented-out code is a dead experimental path: nobody knows whether it still works or whether
it should come back, and it drifts out of date with the code around it (Sculley et al.,
"Hidden Technical Debt in Machine Learning Systems").
"""
    use_instead = """\
# Scale before fitting: the model is sensitive to feature ranges.
scaled = scaler.fit_transform(features)
model.fit(scaled, target)
"""
    fix_safety = """
SAFE, but only with `remove-commented-code = true`: the comment lines are deleted. Deleting
loses information the author may have meant to keep, so the fix is off by default.
"""
    fix = FixClass.SAFE
    options = (REMOVE_COMMENTED_CODE,)
    bad = (
        "x = 1\n# print(x)\n",
        "import pandas as pd\ndf = pd.DataFrame()\n# df.head()\n# df = df.dropna()\n",
        "def f(rows):\n    # for row in rows:\n    #     handle(row)\n    return rows\n",
        "# import seaborn as sns\nvalue = 2\n",
        "# Load the data\n# data = load('train.csv')\nresult = 1\n",
        "model = make()\n# model.fit(X_train, y_train)\n",
        Example("# x = 1\n", path="src/x.py", options={"coding.remove-commented-code": True}),
    )
    good = (
        "# Load the data and fit the model.\nx = 1\n",
        # Pragmas, cell markers and magics.
        "x = []  # type: list\n# type: ignore\n# noqa: E501\n# %%\n# %% [markdown]\n",
        "# %matplotlib inline\n# !pip install pandas\n# In[3]:\ny = 2\n",
        # Prose that happens to parse.
        "# TODO: tidy\n# Note: see below\n# global warming\n# done\n# Step (1)\nz = 3\n",
        "# return early\n# raise it\n# pass\n# if so: done\nz = 3\n",
        # Inside a string, not a comment.
        "doc = '''\n# x = 1\n# print(x)\n'''\n",
        # jupytext markdown cell with a fenced example.
        "# %% [markdown]\n# Use it like this:\n# ```python\n# model.fit(X)\n# ```\n\n# %%\n"
        "x = 1\n",
        "# e.g. a = b\n# see https://example.com/a?b=c\n# -*- coding: utf-8 -*-\nq = 1\n",
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        #: Lines inside multi-line string literals, where `#` starts no comment.
        self._in_string: Set[int] = set()

    def visit_Constant(self, node: ast.Constant) -> None:
        end = node.end_lineno
        if end is not None and end > node.lineno and isinstance(node.value, (str, bytes)):
            self._in_string.update(range(node.lineno + 1, end + 1))

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        end = node.end_lineno
        if end is not None and end > node.lineno:
            self._in_string.update(range(node.lineno + 1, end + 1))

    def end(self) -> None:
        fixable = self.option(REMOVE_COMMENTED_CODE)
        for number, column, count in code_spans(self.ctx.source.lines, self._in_string):
            span = f" ({count} lines)" if count > 1 else ""
            self.report((number, column), fixable=fixable, span=span)


def string_lines(tree: ast.AST) -> Set[int]:
    """Lines inside multi-line string literals, where `#` starts no comment (as the rule finds them)."""
    out: Set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) or (
            isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))
        ):
            end = node.end_lineno
            if end is not None and end > node.lineno:
                out.update(range(node.lineno + 1, end + 1))
    return out


def code_spans(lines: Sequence[str], in_string: Set[int]) -> List[Tuple[int, int, int]]:
    """(1-based line, column, line count) of each span of commented-out code."""
    spans: List[Tuple[int, int, int]] = []
    block: List[Tuple[int, str]] = []  # (1-based line, text) of one comment block
    indent: Optional[int] = None
    markdown = False
    fenced = False
    # Only the lines starting with `#` are looked at one by one: most lines of a file are code,
    # and for the others only whether a non-blank one stands between two comments matters.
    comments = [
        number for number, line in enumerate(lines, start=1)
        if line.lstrip()[:1] == "#" and number not in in_string
    ]
    previous = 0
    for number in comments:
        if number != previous + 1:
            # Lines between two comments: code (or a string) ends markdown and fences; any of
            # them, blank or not, ends the comment block.
            if any(lines[index].strip() for index in range(previous, number - 1)):
                markdown = fenced = False
            if block:
                spans.extend(_block_spans(block))
            block, indent = [], None
        previous = number
        line = lines[number - 1]
        stripped = line.lstrip()
        is_comment = True
        if _CELL_MARKER.match(stripped):
            markdown = bool(_MARKDOWN_CELL.match(stripped))
        fence = _FENCE.match(stripped)
        if fence:
            fenced = not fenced
        if fence or markdown or fenced:
            is_comment = False
        elif _DIRECTIVE.match(stripped) or stripped.rstrip().endswith("#"):
            # Directives, and the sides of a `#  ...  #` box banner.
            is_comment = False
        column = len(line) - len(stripped)
        if is_comment and (indent is None or column == indent):
            block.append((number, line))
            indent = column
            continue
        if block:
            spans.extend(_block_spans(block))
        block, indent = ([(number, line)], column) if is_comment else ([], None)
    if block:
        spans.extend(_block_spans(block))
    return spans


def _block_spans(block: Sequence[Tuple[int, str]]) -> List[Tuple[int, int, int]]:
    out: List[Tuple[int, int, int]] = []
    bodies = [_body(text) for _, text in block]
    spans: List[Tuple[int, int]] = []  # [start, stop) indexes of code, adjacent ones merged
    start = 0
    while start < len(block):
        # The longest span starting here that parses and looks like code. A first line that
        # cannot go on (no `:`, open bracket or backslash) is tried alone.
        longest = len(block) if _may_continue(bodies[start]) else start + 1
        found = 0
        for stop in range(start + 1, min(longest, start + _MAX_SPAN) + 1):
            if _is_code(textwrap.dedent("\n".join(bodies[start:stop]))):
                found = stop
        if not found:
            start += 1
            continue
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], found)
        else:
            spans.append((start, found))
        start = found
    for first, stop in spans:
        number, text = block[first]
        out.append((number, len(text) - len(text.lstrip()), stop - first))
    return out
