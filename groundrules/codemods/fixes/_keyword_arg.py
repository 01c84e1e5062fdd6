"""Shared by the fixes that add a keyword argument to a call (GR121, GR204, GR209, GR213).

Not a fix itself: ``CallPicker`` tells which call of a chain the rule reported, and
``set_keyword`` adds ``name=value`` to a call, or replaces the value of an existing ``name=``,
keeping the call's layout (one line, one argument per line, trailing comma).
"""

from __future__ import annotations

from typing import AbstractSet, ClassVar, List, Set

import libcst as cst

from groundrules.codemods.framework import Fix


class CallPicker:
    """Which calls the rule reported.  ``hashlib.md5(x).hexdigest()`` and ``Path(p).read_text()``
    each hold two calls starting at the same position: the reported one is the innermost call of
    the chain invoking one of ``methods`` as an attribute, else a call of a plain name (an alias:
    ``from hashlib import md5 as h``).  Feed it every call top-down from ``visit_Call``."""

    def __init__(self, methods: AbstractSet[str]) -> None:
        self.methods = methods
        self._seen: Set[int] = set()
        self._picked: Set[int] = set()

    def visit(self, fix: Fix, call: cst.Call) -> None:
        if id(call) in self._seen or not fix.flagged(call):
            return
        chain: List[cst.Call] = []
        node: cst.BaseExpression = call
        while isinstance(node, (cst.Attribute, cst.Call, cst.Subscript)):
            if isinstance(node, cst.Call):
                chain.append(node)
                node = node.func
            else:
                node = node.value
        self._seen.update(id(c) for c in chain)
        flagged = [c for c in chain if fix.flagged(c)]
        by_method = [
            c for c in flagged if isinstance(c.func, cst.Attribute) and c.func.attr.value in self.methods
        ]
        if by_method:
            self._picked.add(id(by_method[-1]))
        elif isinstance(flagged[-1].func, cst.Name):
            self._picked.add(id(flagged[-1]))

    def picked(self, call: cst.Call) -> bool:
        return id(call) in self._picked


class PickedCallFix(Fix):
    """A fix of the calls its rule reported, told apart inside call chains by ``CallPicker``:
    subclasses name the ``methods`` and write ``rewrite``; this is not a fix itself (no codes)."""

    methods: ClassVar[AbstractSet[str]]
    _picker: CallPicker

    def visit_Module(self, node: cst.Module) -> None:
        self._picker = CallPicker(self.methods)

    def visit_Call(self, node: cst.Call) -> None:
        self._picker.visit(self, node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self._picker.picked(original_node):
            return updated_node
        rewritten = self.rewrite(updated_node)
        if isinstance(rewritten, cst.Call):
            return self._fitted(original_node, updated_node, rewritten)
        return rewritten

    def _fitted(self, original: cst.Call, before: cst.Call, after: cst.Call) -> cst.Call:
        """``after``, one argument per line (as black lays out a call that does not fit) when
        the line it is on would grow longer than the file's longest line (at least 79)."""
        wrapper = self.context.wrapper
        where = self.position(original)
        if wrapper is None or where is None or where.start.line != where.end.line:
            return after
        lines = wrapper.module.code.splitlines()
        if not 0 < where.start.line <= len(lines):
            return after
        limit = max(79, max(len(line) for line in lines))
        render = cst.Module([]).code_for_node
        line = lines[where.start.line - 1]
        if len(line) + len(render(after)) - len(render(before)) <= limit:
            return after
        step = wrapper.module.default_indent

        def broken(text: str) -> cst.ParenthesizedWhitespace:
            return cst.ParenthesizedWhitespace(
                first_line=cst.TrailingWhitespace(), indent=True, last_line=cst.SimpleWhitespace(text)
            )

        # Inside brackets LibCST indents continuation lines from the block's indentation: the
        # arguments go one step in from the line's indent, `)` back at it, with a trailing comma.
        args = [
            arg.with_changes(comma=cst.Comma(whitespace_after=broken(step if i < len(after.args) - 1 else "")),
                             whitespace_after_arg=cst.SimpleWhitespace(""))
            for i, arg in enumerate(after.args)
        ]
        return after.with_changes(whitespace_before_args=broken(step), args=args)

    def rewrite(self, updated_node: cst.Call) -> cst.BaseExpression:
        raise NotImplementedError


def _clean(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The same whitespace without a comment, so copying it never duplicates one."""
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    return whitespace


def _separator(call: cst.Call, args: List[cst.Arg]) -> cst.Comma:
    """A comma laid out like the ones already between the arguments."""
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        return cst.Comma(
            whitespace_before=args[-2].comma.whitespace_before,
            whitespace_after=_clean(args[-2].comma.whitespace_after),
        )
    before = call.whitespace_before_args
    if isinstance(before, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=_clean(before))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def set_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with ``name=value``: an existing ``name=`` gets the new value, else it is added last."""
    args = list(call.args)
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == name:
            args[index] = arg.with_changes(value=value)
            return call.with_changes(args=args)
    new = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # A trailing comma: the new argument goes after it and keeps the closing layout.
        new = new.with_changes(comma=last.comma)
        args[-1] = last.with_changes(comma=_separator(call, args))
    else:
        # The whitespace before ``)`` moves to the new last argument.
        new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
        args[-1] = last.with_changes(
            comma=_separator(call, args), whitespace_after_arg=cst.SimpleWhitespace("")
        )
    return call.with_changes(args=[*args, new])
