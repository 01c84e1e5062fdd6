"""Where every statement of every code cell goes: the hoisted imports, the module-level
definitions and constants, a ``Settings`` field, a step's body, or the removed list.

The decisions are made on each top-level statement (LibCST for the code that is moved, so comments
and formatting survive; ``ast`` for the analysis), in file order, so the module does what the
notebook did when run top to bottom.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union, cast

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from groundrules.handoff import magics, plots
from groundrules.handoff.exploration import Classifier, PLOT_MODULES
from groundrules.handoff.imports import Imported, imported_names
from groundrules.handoff.items import Blocking, Change, Removed, SettingField
from groundrules.handoff.naming import Names, heading_of, snake_case
from groundrules.handoff.printing import PrintToLogger
from groundrules.handoff.secrets import Secret, find_secrets
from groundrules.handoff.settings import SettingsFinder, SettingsRewriter
from groundrules.handoff.source import Prototype
from groundrules.rules.cell_dataflow import BIND, BUILTIN_NAMES, DELETE, MUTATE, Dataflow, analyze, analyze_cell
from groundrules.standards.model import FileStandards

SPLIT_CHOICES = ("heading", "cell", "none")
#: A statement of a module or block, as LibCST types it.
Node = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]
TODO = magics.TODO
#: Names the generated scaffold defines at module level.
SCAFFOLD_NAMES = ("logger", "Settings", "MissingSetting", "ENV_PREFIX", "run", "main", "settings",
                  "_parse_setting")


@dataclass(frozen=True)
class Options:
    split_on: str = "heading"
    keep_plots: bool = False


@dataclass
class Statement:
    cell: int
    line: int  # 1-based line in the cell
    end_line: int
    node: Node
    tree: ast.stmt
    text: str  # the original code, for the report
    kind: str = "body"  # import, definition, constant, setting, body, removed
    todo: List[str] = field(default_factory=list)
    destination: str = ""  # the step a body statement went to
    after: List[Node] = field(default_factory=list)  # statements the handoff adds after it


@dataclass
class StepPlan:
    name: str
    title: str
    cells: List[int]
    statements: List[Node]
    params: Tuple[str, ...] = ()
    returns: Tuple[str, ...] = ()
    uses_settings: bool = False


@dataclass
class Plan:
    module_name: str
    docstring: List[str]
    imports: List[Imported]
    star_imports: List[str]
    definitions: List[Node]
    constants: List[Node]
    settings: List[SettingField]
    steps: List[StepPlan]
    results: Tuple[str, ...]
    changes: List[Change]
    removed: List[Removed]
    blocking: List[Blocking]
    dependencies: List[str]
    cell_map: Dict[int, List[str]]
    secrets: List[str]
    code_statements: int
    statements: List[Statement] = field(default_factory=list)
    unparsed: List[int] = field(default_factory=list)


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _strip_leading(node: Node) -> Node:
    return (node.with_changes(leading_lines=[]))


def _split_cell(module: cst.Module, cell: int) -> List[Statement]:
    """Top-level statements with their lines; ``a; b`` becomes two statements and
    ``if __name__ == "__main__":`` runs its body (in a script, it ran when executed)."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    out: List[Statement] = []
    header = [line for line in module.header if line.comment is not None]
    for index, node in enumerate(wrapper.module.body):
        where = positions[node]
        parts: List[Node] = [node]
        if isinstance(node, cst.SimpleStatementLine) and len(node.body) > 1:
            parts = [cst.SimpleStatementLine(body=[small.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)],
                                             leading_lines=node.leading_lines if i == 0 else [])
                     for i, small in enumerate(node.body)]
        elif _is_main_guard(node) and isinstance(node, cst.If) and isinstance(node.body, cst.IndentedBlock):
            parts = [cast(Node, part) for part in node.body.body]
        for part in parts:
            if index == 0 and header and part is parts[0]:
                part = (part.with_changes(leading_lines=[*header, *part.leading_lines]))
            text = _code(_strip_leading(part)).strip()
            # The cell parsed as a whole, so each of its statements parses alone.
            tree = ast.parse(_code(_strip_leading(part))).body[0]
            out.append(Statement(cell, where.start.line, where.end.line, part, tree, text))
    return out


def _is_main_guard(node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.If) or node.orelse is not None:
        return False
    test = node.test
    return (isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and test.left.value == "__name__"
            and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.Equal))


def _footer_todos(module: cst.Module) -> List[cst.EmptyLine]:
    lines = [line for line in module.footer if line.comment is not None]
    if not module.body:
        lines = [line for line in module.header if line.comment is not None] + lines
    return lines


def _is_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        return False
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return False
    return True


def build_plan(prototype: Prototype, options: Options, module_name: str, standards: FileStandards) -> Plan:
    changes: List[Change] = []
    removed: List[Removed] = []
    blocking: List[Blocking] = []
    dependencies: List[str] = []
    cell_map: Dict[int, List[str]] = {}
    statements: List[Statement] = []
    orphan_todos: Dict[int, List[cst.EmptyLine]] = {}
    clean_sources: List[Tuple[int, str]] = []
    secrets: List[Secret] = []
    code_statements = 0

    for cell in prototype.code_cells:
        clean = magics.clean_cell(cell)
        changes.extend(clean.changes)
        removed.extend(clean.removed)
        blocking.extend(clean.blocking)
        dependencies.extend(d for d in clean.dependencies if d not in dependencies)
        cell_map.setdefault(cell.number, [])
        if clean.removed:
            cell_map[cell.number].append("removed")
        clean_sources.append((cell.number, clean.source))
        try:
            module = cst.parse_module(clean.source)
            tree = ast.parse(clean.source)
        except (cst.ParserSyntaxError, SyntaxError, RecursionError) as exc:
            why = f"the cell does not parse ({type(exc).__name__}); it is kept as a comment"
            blocking.append(Blocking(cell.number, 1, cell.source.strip().splitlines()[0] if cell.source.strip() else "",
                                     why, "GR901"))
            comment = [cst.EmptyLine(comment=cst.Comment(f"# {TODO}: cell {cell.number} does not parse:"))]
            comment += [cst.EmptyLine(comment=cst.Comment(f"# {line}".rstrip()))
                        for line in cell.source.splitlines()]
            orphan_todos[cell.number] = comment
            code_statements += 1
            continue
        code_statements += len(tree.body)
        if _top_level_await(tree):
            blocking.append(Blocking(cell.number, 1, "await", "top-level `await`: the step must become "
                                     "`async def` and run under `asyncio.run`", "GR901"))
        secrets.extend(find_secrets(cell.number, clean.source, tree, standards))
        statements.extend(_split_cell(module, cell.number))
        todos = _footer_todos(module)
        if todos:
            orphan_todos[cell.number] = todos

    flow = analyze(clean_sources)
    plot_aliases = _plot_aliases(statements)
    classifier = Classifier(frozenset(plot_aliases), frozenset(_display_aliases(statements)))
    keep_plots = options.keep_plots or any("savefig" in s.text for s in statements)
    if keep_plots and not options.keep_plots and any(classifier.is_plot_call(s.tree) for s in statements):
        changes.append(Change("GR106", statements[0].cell if statements else 1, 1,
                              "plots kept: the prototype saves figures, which is output"))
    binds = _binding_counts(flow)
    mutated = _mutated_by_methods(statements)

    imports: List[Imported] = []
    star_imports: List[str] = []
    for statement in statements:
        tree_node = statement.tree
        if isinstance(tree_node, (ast.Import, ast.ImportFrom)):
            statement.kind = "import"
            small = statement.node.body[0] if isinstance(statement.node, cst.SimpleStatementLine) else None
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                imports.extend(imported_names(small))
                if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
                    star_imports.append(_code(small.module) if small.module is not None else "")
                    blocking.append(Blocking(statement.cell, statement.line, statement.text,
                                             "star import: the names it binds are unknown; import them by name",
                                             "GR109"))
        elif isinstance(tree_node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            statement.kind = "definition"
        elif (isinstance(tree_node, (ast.Assign, ast.AnnAssign)) and _constant_target(tree_node) is not None
              and tree_node.value is not None and _is_literal(tree_node.value)
              and (_constant_target(tree_node) or "") not in mutated
              and binds.get(_constant_target(tree_node) or "", 0) == 1):
            statement.kind = "constant"
        else:
            verdict = classifier.classify(tree_node, keep_plots)
            if verdict.kind == "body" and not keep_plots and isinstance(statement.node, cst.BaseCompoundStatement):
                _drop_nested_plots(statement, classifier, removed)
            if verdict.kind != "body":
                statement.kind = "removed"
                rule = {"plot": "GR106", "display": "GR105", "loop": "GR101"}.get(verdict.kind, "")
                if verdict.kind == "display" and "display(" in statement.text:
                    rule = "GR104"
                removed.append(Removed(statement.cell, statement.line, statement.text, verdict.reason, rule))
                cell_map[statement.cell].append("removed")

    # Settings: what the prototype hard-coded.
    names_in_definitions = _names_read_in_definitions(statements)
    finder = SettingsFinder(module_name, secrets, names_in_definitions)
    finder.scan(statements)
    for statement in statements:
        if statement.kind == "constant":
            if finder.constant(statement):
                statement.kind = "setting"
    for statement in statements:
        if statement.kind == "body":
            finder.inline(statement)
    if options.keep_plots:
        _save_figures(statements, classifier, plot_aliases, finder, changes, imports)
    settings = finder.fields()
    for note in finder.blocking:
        blocking.append(note)
    rewriter = SettingsRewriter(finder)

    _stale_todos(flow, statements, blocking)
    module_level = {i.bound for i in imports} | set(SCAFFOLD_NAMES) | {s.field for s in settings}
    module_level |= {n for s in statements if s.kind in ("definition", "constant") for n in _bound_by(s.tree)}
    module_level |= {n for s in statements if s.kind == "setting" for n in _bound_by(s.tree)}
    _globals_of_definitions(statements, module_level, blocking)

    # Transform what moves into the module.
    definitions: List[Node] = []
    constants: List[Node] = []
    for statement in statements:
        if statement.kind in ("definition", "body"):
            printer = PrintToLogger()
            node = cast(Node, statement.node.visit(printer))
            if statement.kind == "body":
                node = cast(Node, node.visit(rewriter))
            if printer.converted:
                level = "logger.warning" if printer.warnings else "logger.info"
                changes.append(Change("GR101", statement.cell, statement.line,
                                      f"print -> {level} (lazy %-style arguments): output goes through logging"))
            if statement.todo:
                todo_lines = [cst.EmptyLine(comment=cst.Comment(f"# {TODO}: {t}")) for t in statement.todo]
                node = (node.with_changes(leading_lines=[*node.leading_lines, *todo_lines]))
            statement.node = node
        if statement.kind == "definition":
            definitions.append(statement.node)
            name = getattr(statement.tree, "name", "")
            cell_map[statement.cell].append(name)
        elif statement.kind == "constant":
            constants.append(statement.node)
            cell_map[statement.cell].append("constants")
        elif statement.kind == "setting":
            cell_map[statement.cell].append("Settings")
        elif statement.kind == "import":
            cell_map[statement.cell].append("imports")
    for setting_change in finder.changes:
        changes.append(setting_change)

    taken = {s.field for s in settings} | set(SCAFFOLD_NAMES)
    taken |= {item.bound for item in imports}
    taken |= {getattr(s.tree, "name", "") for s in statements if s.kind == "definition"}
    # Every name the notebook uses: a step named like a variable would be shadowed by it.
    taken |= {e.name for cell_flow in flow.flows for e in cell_flow.events}
    steps = _steps(prototype, options, statements, orphan_todos, Names(taken))
    for step in steps:
        for number in step.cells:
            if step.name not in cell_map.setdefault(number, []):
                cell_map[number].append(step.name)
    results = _dataflow_of_steps(steps)
    for number in cell_map:
        cell_map[number] = list(dict.fromkeys(cell_map[number]))
    return Plan(
        module_name=module_name,
        docstring=_docstring(prototype),
        imports=imports,
        star_imports=star_imports,
        definitions=definitions,
        constants=constants,
        settings=settings,
        steps=steps,
        results=results,
        changes=changes,
        removed=removed,
        blocking=blocking,
        dependencies=dependencies,
        cell_map=cell_map,
        secrets=[s.value for s in secrets],
        code_statements=code_statements,
        statements=statements,
        unparsed=[number for number, todos in orphan_todos.items() if _unparsed(todos)],
    )


def _top_level_await(tree: ast.Module) -> bool:
    pending: List[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            pending.extend(ast.iter_child_nodes(node))
    return False


def _unparsed(todos: Sequence[cst.EmptyLine]) -> bool:
    first = todos[0].comment.value if todos and todos[0].comment is not None else ""
    return "does not parse" in first


def _save_figures(statements: Sequence[Statement], classifier: Classifier, aliases: Set[str],
                  finder: SettingsFinder, changes: List[Change], imports: List[Imported]) -> None:
    """``--keep-plots``: each cell's figure is saved under ``settings.figures_dir``."""
    pyplot = next((i.bound for i in imports if i.name == "matplotlib.pyplot" or
                   (i.module == "matplotlib" and i.name == "pyplot")), "")
    by_cell: Dict[int, List[Statement]] = {}
    for statement in statements:
        if statement.kind == "body":
            by_cell.setdefault(statement.cell, []).append(statement)
    saved = 0
    for cell, cell_statements in sorted(by_cell.items()):
        drawing = [s for s in cell_statements if classifier.is_plot_call(s.tree)]
        if not drawing:
            continue
        if not pyplot:
            pyplot = "plt"
            imports.append(Imported("", "matplotlib.pyplot", "plt"))
        finder.fixed_path("figures_dir", "figures", cell)
        shows = [s for s in drawing if plots.is_show(s.tree, {pyplot})]
        targets = shows or [drawing[-1]]
        for number, statement in enumerate(targets, start=1):
            saved += 1
            save = plots.save_figure(pyplot, cell, number)
            if statement in shows:
                statement.node = save[0].with_changes(leading_lines=statement.node.leading_lines)
                statement.after = list(save[1:])
            else:
                statement.after = list(save)
            changes.append(Change("GR106", cell, statement.line,
                                  f"figure saved under settings.figures_dir (cell{cell}_figure{number}.png) instead of shown"))


#: Methods that change a list, dict or set in place.
MUTATING_METHODS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "update", "add", "discard",
                              "setdefault", "sort", "reverse", "popitem", "__setitem__"})


def _mutated_by_methods(statements: Sequence[Statement]) -> Set[str]:
    """Names some statement changes in place (``totals.append(x)``): state, not constants."""
    names: Set[str] = set()
    for statement in statements:
        for node in ast.walk(statement.tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in MUTATING_METHODS and isinstance(node.func.value, ast.Name)):
                names.add(node.func.value.id)
    return names


def _constant_target(node: ast.stmt) -> Optional[str]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None


def _binding_counts(flow: Dataflow) -> Dict[str, int]:
    """How often each name is bound (a mutation or ``del`` counts as a rebinding)."""
    counts: Dict[str, int] = {}
    for cell in flow.flows:
        for event in cell.events:
            if event.kind in (BIND, MUTATE, DELETE):
                counts[event.name] = counts.get(event.name, 0) + (1 if event.kind == BIND else 2)
    return counts


def _plot_aliases(statements: Sequence[Statement]) -> Set[str]:
    aliases: Set[str] = set()
    for statement in statements:
        if isinstance(statement.tree, (ast.Import, ast.ImportFrom)):
            module = statement.tree.module if isinstance(statement.tree, ast.ImportFrom) else None
            for alias in statement.tree.names:
                full = f"{module}.{alias.name}" if module else alias.name
                if full.split(".")[0] in PLOT_MODULES:
                    aliases.add(alias.asname or alias.name.split(".")[0])
    return aliases


def _drop_nested_plots(statement: Statement, classifier: Classifier, removed: List[Removed]) -> None:
    """Drawing inside a block that also computes: only the drawing goes."""
    dropper = plots.DropNestedPlots(classifier)
    pruned = statement.node.visit(dropper)
    if dropper.removed and isinstance(pruned, cst.BaseCompoundStatement):
        statement.node = pruned
        statement.tree = ast.parse(_code(_strip_leading(pruned))).body[0]
        for text in dropper.removed:
            removed.append(Removed(statement.cell, statement.line, text,
                                   "plotting inside a block: the module does not show figures", "GR106"))


def _display_aliases(statements: Sequence[Statement]) -> Set[str]:
    """Names imported from ``IPython.display`` (``Image``, ``HTML``, ``Markdown``): showing only."""
    return {alias.asname or alias.name for s in statements if isinstance(s.tree, ast.ImportFrom)
            and (s.tree.module or "").startswith("IPython") for alias in s.tree.names}


def _globals_of_definitions(statements: Sequence[Statement], module_level: Set[str],
                            blocking: List[Blocking]) -> None:
    """A function from a cell that reads a value a step computes (a notebook global) has nothing
    to read at module level: blocking, with a ``# TODO`` on the definition."""
    for statement in statements:
        if statement.kind != "definition":
            continue
        flow = analyze_cell(statement.cell, ast.unparse(ast.Module(body=[statement.tree], type_ignores=[])))
        own = set(flow.bound)
        missing = [n for n in dict.fromkeys(e.name for e in flow.events if e.kind == "read")
                   if n not in module_level and n not in own and n not in BUILTIN_NAMES]
        if missing:
            names = ", ".join(f"`{n}`" for n in missing)
            why = f"`{getattr(statement.tree, 'name', '')}` reads {names}, computed by the notebook's steps: pass it as a parameter"
            blocking.append(Blocking(statement.cell, statement.line, getattr(statement.tree, "name", ""), why, "GR602"))
            statement.todo.append(why)


def _names_read_in_definitions(statements: Sequence[Statement]) -> Set[str]:
    names: Set[str] = set()
    for statement in statements:
        if statement.kind == "definition":
            module = ast.Module(body=[statement.tree], type_ignores=[])
            flow = analyze_cell(statement.cell, ast.unparse(module))
            names.update(e.name for e in flow.events if e.kind == "read")
    return names


def _stale_todos(flow: Dataflow, statements: Sequence[Statement], blocking: List[Blocking]) -> None:
    """GR601/GR602: blocking items, and a ``# TODO`` on the statement that reads the name."""
    hoisted: Dict[int, Set[str]] = {}
    for statement in statements:
        if statement.kind == "import":
            hoisted.setdefault(statement.cell, set()).update(_bound_by_import(statement.tree))
    for code, stale_reads in (("GR601", flow.out_of_order()), ("GR602", flow.never_bound())):
        for read in stale_reads:
            if code == "GR601" and all(read.name in hoisted.get(c, set()) for c in read.bound_in):
                continue  # imported in a later cell: hoisting the import puts it first
            if code == "GR601":
                cells = ", ".join(str(c) for c in read.bound_in)
                why = f"`{read.name}` is read before any cell binds it (bound later, in cell {cells}): the notebook ran out of order"
            else:
                why = f"`{read.name}` is read but no cell binds it (was its cell deleted?)"
            blocking.append(Blocking(read.cell, read.line, read.name, why, code))
            for statement in statements:
                if statement.cell == read.cell and statement.line <= read.line <= statement.end_line:
                    statement.todo.append(f"{code} {why}")
                    break


def _bound_by(node: ast.stmt) -> Set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}


def _bound_by_import(node: ast.stmt) -> Set[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {a.asname or a.name.split(".")[0] for a in node.names}
    return set()


def _docstring(prototype: Prototype) -> List[str]:
    """The first markdown cell(s), before any code, as the module's docstring text."""
    lines: List[str] = []
    for cell in prototype.cells:
        if cell.cell_type == "code":
            break
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.strip().splitlines():
            heading = heading_of(line)
            text = heading + ("." if heading and not heading.endswith((".", "!", "?", ":")) else "") if heading else line.rstrip()
            lines.append(text)
        lines.append("")
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _groups(prototype: Prototype, split_on: str) -> List[Tuple[Optional[str], List[int]]]:
    """(heading, code cells) per step: a new step at each heading, per code cell, or one."""
    groups: List[Tuple[Optional[str], List[int]]] = []
    pending: Optional[str] = None
    for cell in prototype.cells:
        heading = heading_of(cell.source) if cell.cell_type == "markdown" else None
        if heading is not None:
            if split_on == "heading":
                groups.append((heading, []))
            elif pending is None or split_on == "cell":
                pending = heading
            continue
        if cell.cell_type != "code":
            continue
        if split_on == "cell" or not groups:
            groups.append((pending if split_on != "heading" else None, []))
            if split_on == "cell":
                pending = None
        groups[-1][1].append(cell.number)
    return groups


def _steps(prototype: Prototype, options: Options, statements: Sequence[Statement],
           orphan_todos: Dict[int, List[cst.EmptyLine]], names: Names) -> List[StepPlan]:
    """Cells grouped into steps, each with the statements that stay in its body."""
    by_cell: Dict[int, List[Statement]] = {}
    for statement in statements:
        by_cell.setdefault(statement.cell, []).append(statement)
    steps: List[StepPlan] = []
    for heading, cells in _groups(prototype, options.split_on):
        body: List[Node] = []
        wanted = snake_case(heading) if heading else ""
        name = names.claim(wanted, f"step_{len(steps) + 1}", "step") if any(
            s.kind == "body" for c in cells for s in by_cell.get(c, [])) or any(c in orphan_todos for c in cells) else ""
        for cell in cells:
            for statement in by_cell.get(cell, []):
                if statement.kind == "body":
                    statement.destination = name
            part = [n for s in by_cell.get(cell, []) if s.kind == "body" for n in (s.node, *s.after)]
            todos = orphan_todos.get(cell, [])
            if todos:
                part.append(cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=todos))
            if part:
                first = part[0]
                comments = [line for line in first.leading_lines if line.comment is not None]
                # A blank line between the code of two cells keeps them apart in the step.
                blank = [cst.EmptyLine(indent=False)] if body else []
                part[0] = (first.with_changes(leading_lines=blank + comments))
            body.extend(part)
        if not body:
            continue
        contributed = [c for c in cells if c in orphan_todos or any(s.kind == "body" for s in by_cell.get(c, []))]
        steps.append(StepPlan(name, heading or "", contributed, body))
    return steps


def _assigned(node: Node) -> List[str]:
    """Names a statement binds by assignment, at any depth of its blocks but not inside a nested
    function or class (what pyflakes reports as unused when nothing reads them)."""
    tree = ast.parse(cst.Module(body=[_strip_leading(node)]).code)
    out: List[str] = []
    pending: List[ast.AST] = list(tree.body)
    while pending:
        current = pending.pop(0)
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        targets: List[ast.expr] = []
        if isinstance(current, ast.Assign):
            targets = list(current.targets)
        elif isinstance(current, (ast.AugAssign, ast.AnnAssign)):
            targets = [current.target]
        elif isinstance(current, ast.NamedExpr):
            targets = [current.target]
        elif isinstance(current, ast.withitem) and current.optional_vars is not None:
            targets = [current.optional_vars]
        for target in targets:
            out.extend(n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
        pending.extend(ast.iter_child_nodes(current))
    return out


def _dataflow_of_steps(steps: List[StepPlan]) -> Tuple[str, ...]:
    """Each step's parameters and returns from the data that flows between them.  A value a
    step computes and nothing reads afterwards is a result the notebook showed: the step returns
    it too, and ``run`` returns all of them (the last value of each name)."""
    flows = []
    for index, step in enumerate(steps):
        text = cst.Module(body=step.statements).code
        flows.append(analyze_cell(index, text))
    data = Dataflow(tuple(flows))
    results: List[str] = []
    for index, step in enumerate(steps):
        step.params = tuple(n for n in data.params(index) if n != "settings")
        step.uses_settings = "settings" in flows[index].read
        handed_on = data.returns(index)
        read_here = set(flows[index].read)
        assigned = list(dict.fromkeys(n for node in step.statements for n in _assigned(node)))
        dangling = [n for n in assigned if n not in read_here and n not in handed_on]
        order = list(flows[index].bound)
        step.returns = tuple(sorted(set(handed_on) | set(dangling), key=lambda n: order.index(n) if n in order else 0))
        if index == len(steps) - 1:
            # The last step's values are the notebook's results.
            dangling = list(dict.fromkeys([*dangling, *(n for n in assigned if n not in dangling)]))
            step.returns = tuple(sorted(set(handed_on) | set(dangling),
                                        key=lambda n: order.index(n) if n in order else 0))
        for name in dangling:
            if name in results:
                results.remove(name)
            results.append(name)
    return tuple(results)
