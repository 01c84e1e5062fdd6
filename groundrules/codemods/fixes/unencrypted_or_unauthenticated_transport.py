"""GR216: ``http://host/...`` -> ``https://host/...`` for hosts listed in ``https-hosts`` (UNSAFE: a
different connection).

The rule marks fixable only URLs written in the call (a string, an f-string, ``+``/``%``
or ``.format()`` starting with one) whose host is in ``security.https-hosts``; URLs reached
through a bound name, FTP, telnet and ``urlopen`` of a variable are reported without a fix.
"""

from __future__ import annotations

from typing import FrozenSet, Optional

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.rules.security.unencrypted_or_unauthenticated_transport import HTTPS_HOSTS, url_host
from groundrules.standards.schema import FixClass


def _secure_text(text: str, hosts: FrozenSet[str]) -> Optional[str]:
    """``text`` with its leading ``http://`` made ``https://`` when its host is listed."""
    host = url_host(text)
    if not host or host not in hosts:
        return None
    return "https://" + text[len("http://") :]


class HttpsTransport(Fix):
    codes = ("GR216",)
    fix_class = FixClass.UNSAFE

    def _hosts(self) -> FrozenSet[str]:
        return frozenset(h.lower() for h in self.option(HTTPS_HOSTS))

    def _secure(self, node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        """``node`` with the URL its leftmost string starts rewritten, or None."""
        hosts = self._hosts()
        if isinstance(node, cst.SimpleString):
            prefix = node.prefix
            if "b" in prefix.lower():
                return None
            quote = node.quote
            body = node.value[len(prefix) + len(quote) : len(node.value) - len(quote)]
            new = _secure_text(body, hosts)
            return None if new is None else node.with_changes(value=f"{prefix}{quote}{new}{quote}")
        if isinstance(node, cst.FormattedString):
            if not node.parts or not isinstance(node.parts[0], cst.FormattedStringText):
                return None
            first = node.parts[0]
            # A field stands for unknown text: the host must end before it.
            text = first.value + ("\x00" if len(node.parts) > 1 else "")
            if _secure_text(text, hosts) is None:
                return None
            parts = [first.with_changes(value="https://" + first.value[len("http://") :]), *node.parts[1:]]
            return node.with_changes(parts=parts)
        if isinstance(node, cst.ConcatenatedString):
            left = node.left
            if isinstance(left, (cst.SimpleString, cst.FormattedString)):
                new_left = self._secure(left)
                if new_left is not None:
                    return node.with_changes(left=new_left)
            return None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Modulo)):
            new_left = self._secure(node.left)
            return None if new_left is None else node.with_changes(left=new_left)
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "format"
        ):
            new_value = self._secure(node.func.value)
            return None if new_value is None else node.with_changes(func=node.func.with_changes(value=new_value))
        return None

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.flagged(original_node):
            return updated_node
        args = list(updated_node.args)
        for index, arg in enumerate(args):
            if arg.star:
                continue
            new = self._secure(arg.value)
            if new is not None:
                args[index] = arg.with_changes(value=new)
                self.applied += 1
                return updated_node.with_changes(args=args)
        return updated_node
