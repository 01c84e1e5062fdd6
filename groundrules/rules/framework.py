"""How a rule is declared: one class per rule, its declaration, docs, examples and check together.

A rule subclasses :class:`Rule`, sets the class attributes of its declaration and implements
``visit_<NodeType>`` (and optionally ``leave_<NodeType>`` and ``end``) methods.  The engine
instantiates every enabled rule once per file and calls those methods during its single walk of
the file's ``ast``; a rule never walks the tree itself.  Rules report with :meth:`Rule.report`.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    FrozenSet,
    List,
    Mapping,
    Sequence,
    Optional,
    Tuple,
    TypeVar,
    Union,
)

from groundrules.standards.schema import Category, FixClass, Option, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context
    from groundrules.rules.suppressions import Suppression

T = TypeVar("T")


@dataclass(frozen=True)
class Example:
    """An example that needs more than source: a path (for path-scoped rules) or options."""

    source: str
    path: str = "example.py"
    options: Mapping[str, object] = field(default_factory=dict)


ExampleLike = Union[str, Example]


def as_example(example: ExampleLike) -> Example:
    return example if isinstance(example, Example) else Example(example)


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    message: str
    path: str
    line: int
    column: int  # 1-based, as flake8 and ruff print it
    end_line: int
    end_column: int
    severity: Severity
    category: Category
    source: str = "groundrules"
    fix: Optional[FixClass] = None
    cell: Optional[int] = None

    def sort_key(self) -> Tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    @classmethod
    def from_values(cls, values: Sequence[object]) -> "Finding":
        """A finding from all its fields' values, in declaration order, already of their types
        (as the result cache stores them).  The frozen dataclass's ``__init__`` sets each field
        through ``object.__setattr__``: on a warm run that rebuilds 15,000 findings it was a
        tenth of the run; filling the instance's ``__dict__`` gives the same, equal object."""
        finding = object.__new__(cls)
        finding.__dict__.update(zip(_FINDING_FIELDS, values))
        return finding


def spells_any(text: str, words: FrozenSet[str]) -> bool:
    """Could code with this text spell one of ``words``? (``Rule.text_gate``.)  Non-ASCII text
    always could: Python reads identifiers NFKC-normalised, so `ｅval` is `eval`."""
    return not text.isascii() or any(word in text for word in words)


#: Finding's fields in declaration order (tests/test_cache.py holds them to the dataclass).
_FINDING_FIELDS = ("code", "name", "message", "path", "line", "column", "end_line", "end_column", "severity",
                   "category", "source", "fix", "cell")


class Rule:
    """Base class of every rule.  Subclasses fill in the declaration below."""

    code: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[Category]
    severity: ClassVar[Severity]
    #: One line shown with each finding; ``{placeholders}`` are filled by ``report(**values)``.
    message: ClassVar[str]
    #: ruff-style docs: What it does / Why is this bad? / Use instead / Fix safety.
    what: ClassVar[str]
    why: ClassVar[str]
    use_instead: ClassVar[str]
    fix_safety: ClassVar[str] = "There is no automatic fix: the message says what to change."
    fix: ClassVar[Optional[FixClass]] = None
    options: ClassVar[Tuple[Option[Any], ...]] = ()
    bad: ClassVar[Tuple[ExampleLike, ...]]
    good: ClassVar[Tuple[ExampleLike, ...]]
    #: Library gate: the rule runs only in modules importing one of these top-level packages.
    requires: ClassVar[FrozenSet[str]] = frozenset()
    #: Text gate: the rule runs only on files whose text contains one of these strings (the
    #: names every case it reports must spell), so files that cannot match cost it nothing.
    #: A file with non-ASCII text always runs it: Python reads identifiers NFKC-normalised.
    text_gate: ClassVar[FrozenSet[str]] = frozenset()
    default_enabled: ClassVar[bool] = True
    #: Active whenever the standards declare team rules (``banned-api``), whatever `select` says;
    #: the team rules' own codes are enabled and disabled individually.
    carries_team_rules: ClassVar[bool] = False
    #: What the rule reads: "python" (the ast walk), "notebook" (an .ipynb file's JSON) or
    #: "artifact" (any other file, as pre-commit passes staged data and model files).
    file_kind: ClassVar[str] = "python"

    def __init__(self, ctx: "Context") -> None:
        self.ctx = ctx
        self.findings: List[Finding] = []

    def option(self, option: Option[T]) -> T:
        return self.ctx.standards.get(option)

    def report(
        self,
        node: Union[ast.AST, Tuple[int, int]],
        message: Optional[str] = None,
        *,
        fixable: bool = True,
        fix_class: Optional[FixClass] = None,
        **values: object,
    ) -> None:
        """Record a finding at ``node`` (or at a ``(line, 0-based column)`` pair).

        ``fixable=False`` marks a sub-case the rule's fix does not cover, so the finding carries
        no fix marker; ``fix_class`` gives a sub-case a weaker class than the rule's strongest.
        """
        text = (message or self.message).format(**values) if values else (message or self.message)
        finding = self.ctx.make_finding(self, node, text, fixable and self.fix is not None)
        if fix_class is not None and finding.fix is not None:
            finding = dataclasses.replace(finding, fix=fix_class)
        self.findings.append(finding)

    def end(self) -> None:
        """Called once after the walk, for rules that decide on whole-file facts."""

    def check_file(self, data: bytes) -> None:
        """For notebook and artifact rules: judge the file's bytes (no ast walk)."""

    def review(
        self, findings: Sequence[Finding], suppressions: Mapping[int, "Suppression"]
    ) -> None:
        """Called after every rule has run, with their findings and the file's ``# noqa``
        comments, for the rules that judge suppressions (GR902, GR903)."""

    @classmethod
    def summary(cls) -> str:
        return cls.what.strip().split("\n\n")[0].replace("\n", " ")
