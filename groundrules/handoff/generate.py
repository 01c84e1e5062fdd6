"""The module's text from the plan: docstring, imports, logger, constants, ``Settings``,
definitions, one function per step, ``run``, ``main`` and the ``__main__`` guard.

Code moved from the cells is rendered by LibCST (comments and formatting kept); the scaffold is
fixed text.  The imports are rendered last, from the names the rest of the module reads, so an
import nothing uses is dropped.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import List, Sequence, Set, Tuple, cast

import libcst as cst

from groundrules.handoff.imports import Imported, render as render_imports
from groundrules.handoff.items import SECRET, SettingField
from groundrules.handoff.plan import Node, Plan, StepPlan

SCAFFOLD_IMPORTS = (
    Imported("", "logging", None),
    Imported("", "os", None),
    Imported("dataclasses", "MISSING", None),
    Imported("dataclasses", "dataclass", None),
    Imported("dataclasses", "field", None),
    Imported("dataclasses", "fields", None),
    Imported("typing", "Any", None),
    Imported("typing", "Dict", None),
    Imported("typing", "Mapping", None),
    Imported("typing", "Optional", None),
    Imported("typing", "Sequence", None),
    Imported("typing", "Tuple", None),
)

_SETTINGS_TAIL = '''
    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """The settings from ``{prefix}<FIELD>`` environment variables; the prototype's values
        where one is not set.  A required variable that is missing raises :class:`MissingSetting`."""
        values: Dict[str, Any] = {{}}
        for item in fields(cls):
            name = ENV_PREFIX + item.name.upper()
            if name in environ:
                values[item.name] = _parse_setting(environ[name], item.type)
            elif item.default is MISSING and item.default_factory is MISSING:
                raise MissingSetting(f"environment variable {{name}} is not set (Settings.{{item.name}})")
        return cls(**values)
'''

_HELPERS = '''class MissingSetting(ValueError):
    """A required environment variable is not set."""


def _parse_setting(value: str, kind: Any) -> Any:
    """An environment variable's text as the field's type."""
    if kind in (bool, "bool"):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if kind in (int, "int"):
        return int(value)
    if kind in (float, "float"):
        return float(value)
    return value
'''

_MAIN = '''def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run with settings from the environment (``{prefix}*``); 2 when one is missing."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except MissingSetting as exc:
        logger.error("%s", exc)
        return 2
    run(settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
'''


def _docstring(plan: Plan, source: Path, report: Path) -> str:
    lines = list(plan.docstring)
    if lines:
        lines.append("")
    lines.append(f"Generated from {source.name} by groundrules handoff; see {report.name}.")
    text = "\n".join(lines).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text.endswith('"'):
        text += " "
    return f'"""{text}\n"""' if len(lines) > 1 else f'"""{text}"""'


def _statement_code(node: Node) -> str:
    comments = [line for line in node.leading_lines if line.comment is not None]
    return cst.Module(body=[(node.with_changes(leading_lines=comments))]).code.rstrip("\n")


def _settings_class(plan: Plan) -> str:
    prefix = f"{plan.module_name.upper()}_"
    lines = ["@dataclass(frozen=True)", "class Settings:",
             f'    """What the prototype hard-coded. from_env() reads {prefix}* variables."""', ""]
    ordered = [s for s in plan.settings if s.required] + [s for s in plan.settings if not s.required]
    for setting in ordered:
        lines.append(f"    {_field_line(setting)}")
    body = "\n".join(lines).rstrip("\n") + "\n" + _SETTINGS_TAIL.format(prefix=prefix)
    return body.rstrip("\n")


def _field_line(setting: SettingField) -> str:
    why = {"secret": "secret, required, never has a default",
           "path": "path, required: the prototype's path is on one person's machine" if setting.required else "path",
           "parameter": "parameter: the prototype's value"}[setting.kind]
    if setting.kind == SECRET:
        return f"{setting.field}: str = field(repr=False)  # {why}"
    if setting.required:
        return f"{setting.field}: {setting.annotation}  # {why}"
    default = json.dumps(setting.default, ensure_ascii=False) if isinstance(setting.default, str) else repr(setting.default)
    return f"{setting.field}: {setting.annotation} = {default}  # {why}"


def _step_function(step: StepPlan) -> str:
    params = (["settings: Settings"] if step.uses_settings else []) + [f"{p}: Any" for p in step.params]
    returns = "None" if not step.returns else "Any" if len(step.returns) == 1 else "Tuple[Any, ...]"
    cells = ", ".join(str(c) for c in step.cells)
    where = f'notebook cell{"s" if len(step.cells) > 1 else ""} {cells}'
    text = f"{step.title.rstrip('.')} ({where})." if step.title else f"The code of {where}."
    doc = f'"""{text}"""'.replace("\\", "\\\\")
    header = cst.parse_statement(f"def {step.name}({', '.join(params)}) -> {returns}:\n    {doc}\n")
    header = cast(cst.FunctionDef, header)
    body: List[Node] = [cast(Node, s) for s in header.body.body]
    for index, node in enumerate(step.statements):
        if index == 0:
            node = (node.with_changes(
                leading_lines=[line for line in node.leading_lines if line.comment is not None]))
        body.append(node)
    if step.returns:
        returned = ", ".join(step.returns)
        body.append(cst.parse_statement(f"return {returned}\n"))
    function = header.with_changes(body=header.body.with_changes(body=body))
    return cst.Module(body=[function]).code.rstrip("\n")


def _run_function(plan: Plan) -> str:
    lines = ["def run(settings: Settings) -> Dict[str, Any]:",
             '    """The notebook top to bottom. Returns the results that the last step produces."""']
    for step in plan.steps:
        args = (["settings"] if step.uses_settings else []) + list(step.params)
        call = f"{step.name}({', '.join(args)})"
        if step.returns:
            lines.append(f"    {', '.join(step.returns)} = {call}")
        else:
            lines.append(f"    {call}")
    results = ", ".join(f'"{name}": {name}' for name in plan.results)
    lines.append(f"    return {{{results}}}")
    return "\n".join(lines)


def render(plan: Plan, source: Path, report: Path) -> str:
    """The module's text."""
    prefix = f"{plan.module_name.upper()}_"
    blocks: List[str] = []
    constants = [f"ENV_PREFIX = {json.dumps(prefix)}"] + [_statement_code(n) for n in plan.constants]
    blocks.append("logger = logging.getLogger(__name__)\n\n" + "\n".join(constants))
    blocks.append(_HELPERS.rstrip("\n"))
    blocks.append(_settings_class(plan))
    blocks.extend(_statement_code(n) for n in plan.definitions)
    blocks.extend(_step_function(step) for step in plan.steps)
    blocks.append(_run_function(plan))
    blocks.append(_MAIN.format(prefix=prefix).rstrip("\n"))
    rest = "\n\n\n".join(blocks) + "\n"
    used = _used_names(rest)
    imports, _ = render_imports([*plan.imports, *SCAFFOLD_IMPORTS], used, _local(source), plan.star_imports)
    return f"{_docstring(plan, source, report)}\n\n{imports}\n\n{rest}"


def dropped_imports(plan: Plan, module_text: str, source: Path) -> List[Imported]:
    """The notebook's imports the module does not use (for the report)."""
    tree = ast.parse(module_text)
    body = ast.Module(body=[s for s in tree.body if not isinstance(s, (ast.Import, ast.ImportFrom))], type_ignores=[])
    used = _used_names(ast.unparse(body))
    _, dropped = render_imports(plan.imports, used, _local(source))
    return dropped


def _local(source: Path) -> Set[str]:
    from groundrules.handoff.imports import local_modules

    return local_modules(source.parent) - {source.stem}


def _used_names(text: str) -> Set[str]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def step_table(steps: Sequence[StepPlan]) -> List[Tuple[str, str]]:
    return [(s.name, ", ".join(str(c) for c in s.cells)) for s in steps]
