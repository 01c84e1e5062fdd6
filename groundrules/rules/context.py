"""What a rule can ask about the file being checked, as the engine's walk goes."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple, Union

from groundrules.rules.imports import ImportTracker
from groundrules.rules.pandas_types import PandasTypes
from groundrules.standards.globs import matches
from groundrules.standards.model import FileStandards
from groundrules.standards.schema import FixClass, Option, globs_option

if TYPE_CHECKING:
    from groundrules.rules.framework import Finding, Rule

SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)

#: Module roles (rules.md section 3), shared by several rules, so declared once here.
ENTRY_POINTS = globs_option(
    None,
    "entry-points",
    ("**/__main__.py", "**/cli.py", "scripts/**"),
    "Modules run as programs; a module with a `__main__` guard is one too.",
)
CONFIG_MODULES = globs_option(
    None,
    "config-modules",
    ("**/__init__.py", "**/config.py", "**/settings.py"),
    "Modules that legitimately run setup code at import and read secrets.",
)
TEST_PATHS = globs_option(
    None,
    "test-paths",
    ("tests/**", "**/test_*.py", "**/*_test.py", "**/conftest.py"),
    "Test modules, where `assert` and fixtures are expected.",
)


@dataclass(frozen=True)
class Source:
    """One file's text and where it lives."""

    path: str  # as shown to the user
    rel_path: str  # relative to the standards' root, POSIX, for path-scoped options
    text: str
    lines: Sequence[str]
    module: Optional[str] = None  # dotted module name, when the file is inside a package
    #: For a notebook's joined cells: (cell number, line in the cell) of a line of ``text``, so
    #: a message can name a place the reader sees.
    locate: Optional[Callable[[int], Tuple[int, int]]] = None

    def where(self, line: int) -> str:
        """``line 7``, or ``cell 3, line 2`` in a notebook."""
        if self.locate is None:
            return f"line {line}"
        cell, in_cell = self.locate(line)
        return f"cell {cell}, line {in_cell}"


class Context:
    def __init__(self, source: Source, tree: ast.Module, standards: FileStandards) -> None:
        self.source = source
        self.tree = tree
        self.standards = standards
        package = None
        if source.module is not None:
            is_init = source.rel_path.endswith("__init__.py")
            package = source.module if is_init else source.module.rpartition(".")[0]
        self.imports = ImportTracker(tree, package)
        #: The qualified name a node spells (``ImportTracker.qualname``), bound here rather than
        #: wrapped: the rules ask it half a million times on the standard library.
        self.qualname: Callable[[ast.AST], Optional[str]] = self.imports.qualname
        self.pandas = PandasTypes(self.imports, tree)
        #: Nodes from the module down to the parent of the node being visited.
        self.ancestors: List[ast.AST] = []
        #: The scope nodes among them (functions, lambdas, classes), kept by the walk: asked
        #: for at almost every assignment, the innermost is then found without a search.
        self.scopes: List[ast.AST] = []
        self._main_guard: Optional[bool] = None
        self._roles: Dict[str, bool] = {}

    # -- where we are -------------------------------------------------------------------
    @property
    def parent(self) -> Optional[ast.AST]:
        return self.ancestors[-1] if self.ancestors else None

    def enclosing_function(self) -> Optional[Union[ast.FunctionDef, ast.AsyncFunctionDef]]:
        for node in reversed(self.ancestors):
            if isinstance(node, FUNCTION_NODES):
                return node
        return None

    def enclosing_scope(self) -> Optional[ast.AST]:
        scopes = self.scopes
        return scopes[-1] if scopes else None

    def at_module_level(self) -> bool:
        return self.enclosing_scope() is None

    def displays_in_cell(self, stmt: ast.stmt) -> bool:
        """A notebook cell's last statement, an expression: Jupyter shows its value."""
        locate = self.source.locate
        if locate is None or not isinstance(stmt, ast.Expr):
            return False
        body = self.tree.body
        for index, top in enumerate(body):
            if top is stmt:
                if index + 1 == len(body):
                    return True
                cell = locate(stmt.end_lineno or stmt.lineno)[0]
                return locate(body[index + 1].lineno)[0] != cell
        return False

    def in_main_guard(self) -> bool:
        return any(isinstance(n, ast.If) and is_main_guard(n) for n in self.ancestors)

    # -- module roles -------------------------------------------------------------------
    def path_matches(self, option: Option[Tuple[str, ...]]) -> bool:
        # Asked per function by some rules: the answer is a fact of the file.
        known = self._roles.get(option.key)
        if known is None:
            patterns: Tuple[str, ...] = self.standards.get(option)
            known = self._roles[option.key] = matches(self.source.rel_path, patterns)
        return known

    @property
    def has_main_guard(self) -> bool:
        if self._main_guard is None:
            self._main_guard = any(
                isinstance(s, ast.If) and is_main_guard(s) for s in self.tree.body
            )
        return self._main_guard

    def is_entry_point(self) -> bool:
        return (
            self.has_main_guard
            or self.source.rel_path.endswith("__main__.py")
            or self.path_matches(ENTRY_POINTS)
        )

    def is_config_module(self) -> bool:
        return self.path_matches(CONFIG_MODULES)

    def is_test_module(self) -> bool:
        return self.path_matches(TEST_PATHS)

    # -- names ---------------------------------------------------------------------------
    def line_text(self, line: int) -> str:
        lines = self.source.lines
        return lines[line - 1] if 0 < line <= len(lines) else ""

    # -- findings ------------------------------------------------------------------------
    def make_finding(
        self,
        rule: "Rule",
        node: Union[ast.AST, Tuple[int, int]],
        message: str,
        fixable: bool,
    ) -> "Finding":
        from groundrules.rules.framework import Finding

        if isinstance(node, tuple):
            line, col = node
            end_line, end_col = line, col
        else:
            line = getattr(node, "lineno", 1)
            col = getattr(node, "col_offset", 0)
            end_line = getattr(node, "end_lineno", None) or line
            end_col = getattr(node, "end_col_offset", None) or col
        fix: Optional[FixClass] = rule.fix if fixable else None
        return Finding(
            code=rule.code,
            name=rule.name,
            message=message,
            path=self.source.path,
            line=line,
            column=col + 1,
            end_line=end_line,
            end_column=end_col + 1,
            severity=self.standards.severity_of(rule.code, rule.severity),
            category=rule.category,
            fix=fix,
        )


def is_main_guard(node: ast.If) -> bool:
    """``if __name__ == "__main__":`` in either operand order."""
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    has_name = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    has_main = any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
    return has_name and has_main


def literal_string(node: Optional[ast.AST]) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def keyword(node: ast.Call, name: str) -> Optional[ast.keyword]:
    for kw in node.keywords:
        if kw.arg == name:
            return kw
    return None


def has_kwargs_splat(node: ast.Call) -> bool:
    return any(kw.arg is None for kw in node.keywords)
