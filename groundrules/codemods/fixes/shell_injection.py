"""GR208: ``subprocess.run("ls -l", shell=True)`` -> ``subprocess.run(shlex.split("ls -l"))``.

UNSAFE (a missing program raises instead of returning 127), once proven: the rule marks fixable only a literal command of blank-separated plain
words (no quotes, expansions, globs, redirections, operators, builtins or assignments) passed as
the one positional argument, without ``executable=``, ``*args`` or ``**kwargs``: a shell would
split it the same way and run the same program.  With ``--unsafe-fixes`` (the spec's POLICY part),
``subprocess.run`` also gets ``check=True``: a failing command then raises instead of passing
silently.  Only ``run`` accepts ``check``; ``call``/``Popen`` would reject it.
"""

from __future__ import annotations

from typing import List

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


class ShellSplit(Fix):
    codes = ("GR208",)
    fix_class = FixClass.UNSAFE

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.flagged(original_node):
            return updated_node
        args = list(updated_node.args)
        shell = [i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == "shell"]
        positional = [a for a in args if a.keyword is None]
        if len(shell) != 1 or len(positional) != 1 or positional[0].star:
            return updated_node  # not the reported call of a chain
        if not isinstance(positional[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            return updated_node
        index = shell[0]
        removed = args[index]
        kept: List[cst.Arg] = args[:index] + args[index + 1 :]
        if index == len(args) - 1:
            # The argument before it becomes the last: it takes over the trailing layout.
            kept[-1] = kept[-1].with_changes(
                comma=removed.comma, whitespace_after_arg=removed.whitespace_after_arg
            )
        command = kept[0]
        split = cst.Call(
            func=cst.Attribute(value=cst.Name("shlex"), attr=cst.Name("split")),
            args=[cst.Arg(command.value)],
        )
        kept[0] = command.with_changes(value=split)
        if FixClass.UNSAFE in self.allowed and _is_run(updated_node) and not any(
            a.keyword is not None and a.keyword.value == "check" for a in kept
        ):
            kept = set_check(kept)
        AddImportsVisitor.add_needed_import(self.context, "shlex")
        self.applied += 1
        return updated_node.with_changes(args=kept)


def _is_run(call: cst.Call) -> bool:
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return name == "run"


def set_check(args: List[cst.Arg]) -> List[cst.Arg]:
    last = args[-1]
    # The new keyword goes last and takes over the closing layout of the argument before it.
    head = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    check = cst.Arg(
        value=cst.Name("True"),
        keyword=cst.Name("check"),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        comma=last.comma,
        whitespace_after_arg=last.whitespace_after_arg,
    )
    return args[:-1] + [head.with_changes(whitespace_after_arg=cst.SimpleWhitespace("")), check]
