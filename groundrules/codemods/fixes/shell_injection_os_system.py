"""GR208: ``os.system("ls -l")`` -> ``subprocess.run(["ls", "-l"], check=True)`` (POLICY).

The rule marks fixable only an ``os.system`` call that is a whole expression statement (its
status is discarded) whose one argument is a literal command of blank-separated plain words (no
quotes, expansions, globs, redirections, operators, builtins or assignments): without a shell
the same program runs with the same words.  The return-code semantics change (``check=True``
raises on failure), hence POLICY.
"""

from __future__ import annotations

from typing import List, Optional

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


def _words(arg: cst.Arg) -> Optional[List[str]]:
    value = arg.value
    if arg.keyword is not None or arg.star or not isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
        return None
    text = value.evaluated_value
    if not isinstance(text, str):
        return None
    return text.split()


class OsSystemRun(Fix):
    codes = ("GR208",)
    fix_class = FixClass.UNSAFE

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.flagged(original_node) or len(updated_node.args) != 1:
            return updated_node
        # The shell=True calls are ShellSplit's; only the one-argument os.system form is ours.
        func = updated_node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
        if name is None or any(a.keyword is not None for a in original_node.args):
            return updated_node
        words = _words(updated_node.args[0])
        if not words:
            return updated_node
        quote = '"'
        command = cst.List(
            [cst.Element(cst.SimpleString(f"{quote}{w}{quote}")) for w in words]
        )
        AddImportsVisitor.add_needed_import(self.context, "subprocess")
        RemoveImportsVisitor.remove_unused_import_by_node(self.context, original_node.func)
        self.applied += 1
        return cst.Call(
            func=cst.Attribute(value=cst.Name("subprocess"), attr=cst.Name("run")),
            args=[
                cst.Arg(command),
                cst.Arg(
                    cst.Name("True"),
                    keyword=cst.Name("check"),
                    equal=cst.AssignEqual(
                        whitespace_before=cst.SimpleWhitespace(""),
                        whitespace_after=cst.SimpleWhitespace(""),
                    ),
                ),
            ],
            lpar=updated_node.lpar,
            rpar=updated_node.rpar,
        )
