"""Shared by the GR303 and GR309 fixes: a flagged read/write call -> ``catalog.load/save(key)``.

The rules proved the preconditions (one catalog entry, matching type and arguments, a usable
``catalog`` name) before marking the finding fixable; this only builds the replacement.
"""

from __future__ import annotations

import ast
from typing import Optional, Tuple

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from groundrules.rules.data_access._options import CATALOG_OBJECT, PATH_KEYWORDS
from groundrules.standards.model import FileStandards

def _literal(node: ast.expr) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        return "".join(parts) if len(parts) == len(node.values) else None
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        return _literal(node.args[0])  # Path("...") (the rule checked the name)
    return None


def _path(call: cst.Call) -> Tuple[Optional[str], Optional[cst.BaseExpression]]:
    arg: Optional[cst.Arg] = None
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if positional:
        arg = positional[0]
    else:
        arg = next((a for a in call.args if a.keyword is not None and a.keyword.value in PATH_KEYWORDS), None)
    if arg is None:
        return None, None
    try:
        tree = ast.parse(cst.Module(body=[]).code_for_node(arg.value).strip(), mode="eval")
    except SyntaxError:
        return None, None
    return _literal(tree.body), arg.value


def _quoted(key: str, like: Optional[cst.BaseExpression]) -> str:
    quote = '"'
    if isinstance(like, cst.SimpleString) and like.quote in ("'", '"'):
        quote = like.quote
    if quote in key or "\\" in key or "\n" in key:
        return repr(key)
    return f"{quote}{key}{quote}"


def catalog_call(
    context: CodemodContext,
    standards: Optional[FileStandards],
    original: cst.Call,
    updated: cst.Call,
    save: bool,
) -> Optional[cst.Call]:
    """``catalog.load("<key>")`` (or ``catalog.save("<key>", receiver)``) for ``original``."""
    datasets = standards.datasets if standards is not None else None
    if datasets is None:
        return None
    path, path_node = _path(original)
    if path is None:
        return None
    entries = datasets.entries_for(path)
    if len(entries) != 1:
        return None
    obj = standards.get(CATALOG_OBJECT).strip() if standards is not None else ""
    module, _, name = obj.rpartition(".")
    if not obj:
        name = "catalog"
    elif not module:
        return None
    key = cst.SimpleString(_quoted(entries[0].key, path_node))
    args = [cst.Arg(key)]
    if save:
        func = updated.func
        if not isinstance(func, cst.Attribute):
            return None
        args = [cst.Arg(key, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), cst.Arg(func.value)]
    if module:
        AddImportsVisitor.add_needed_import(context, module, name)
    return updated.with_changes(
        func=cst.Attribute(cst.Name(name), cst.Name("save" if save else "load")), args=args
    )
