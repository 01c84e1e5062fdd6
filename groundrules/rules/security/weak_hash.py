"""GR213: MD5 or SHA-1 without ``usedforsecurity=False``."""

from __future__ import annotations

import ast
import fnmatch
import re
from typing import TYPE_CHECKING, Iterable, Optional, Tuple

from groundrules.rules.context import has_kwargs_splat, keyword, literal_string
from groundrules.rules.framework import Example, Rule
from groundrules.rules.shared_options import TARGET_PYTHON
from groundrules.standards.schema import Category, FixClass, Severity, globs_option

if TYPE_CHECKING:
    from groundrules.rules.context import Context

SECURITY_MODULES = globs_option(
    "security",
    "security-modules",
    (),
    "Dotted module patterns (`acme_auth.*`) doing real cryptography, where GR213 asks for a "
    "strong hash instead of `usedforsecurity=False`.",
)

_WEAK_FUNCTIONS = frozenset({"hashlib.md5", "hashlib.sha1"})
#: ``hashlib.new`` names of broken hashes (``sha`` is OpenSSL's SHA-0/SHA-1 alias).
_WEAK_NAMES = frozenset({"md5", "sha1", "md4", "md2", "sha"})
#: Broken hashes of the other crypto libraries, which have no ``usedforsecurity`` flag.
_WEAK_LIBRARY = frozenset(
    f"{package}.Hash.{algo}.new"
    for package in ("Crypto", "Cryptodome")
    for algo in ("MD2", "MD4", "MD5", "SHA")
) | frozenset(
    {"cryptography.hazmat.primitives.hashes.MD5", "cryptography.hazmat.primitives.hashes.SHA1"}
)
#: ``crypt`` methods that are DES or MD5 based.
_WEAK_CRYPT = frozenset({"crypt.METHOD_CRYPT", "crypt.METHOD_MD5"})
_CALL_NAMES = frozenset({"md5", "sha1", "new", "MD5", "SHA1", "crypt", "mksalt"})


def in_modules(module: Optional[str], patterns: Iterable[str]) -> bool:
    """True when the dotted ``module`` matches a pattern (``pkg.*`` also covers ``pkg``)."""
    if not module:
        return False
    if module.endswith(".__init__"):
        module = module[: -len(".__init__")]
    for pattern in patterns:
        if fnmatch.fnmatchcase(module, pattern):
            return True
        if pattern.endswith(".*") and module == pattern[:-2]:
            return True
    return False


#: Words that say a hash protects something: an HMAC, a signature, a password, a token or a key.
#: Marking such a hash `usedforsecurity=False` would be a false claim, so the fix does not apply.
_SECURITY_WORDS = re.compile(
    r"hmac|mac_|_mac|sign|password|passw|passwd|pwd|token|secret|auth|salt|nonce|crypt|verify|credential|"
    r"session|cookie|csrf|otp|key_deriv|kdf|digest_?method|digestmod",
    re.IGNORECASE,
)


def _target_at_least_39(target: str) -> bool:
    try:
        major, minor = (int(p) for p in target.split(".")[:2])
    except ValueError:
        return True
    return (major, minor) >= (3, 9)


class WeakHash(Rule):
    code = "GR213"
    name = "weak-hash"
    category = Category.SECURITY
    severity = Severity.ERROR
    fix = FixClass.UNSAFE
    message = (
        "`{call}` is a broken hash: if it only fingerprints or buckets data, say so with "
        "`usedforsecurity=False`; otherwise use `hashlib.sha256`"
    )
    security_message = (
        "`{call}` in a security module: MD5 and SHA-1 are broken, use `hashlib.sha256` or "
        "stronger"
    )
    what = """
Finds `hashlib.md5(...)`, `hashlib.sha1(...)` and `hashlib.new("md5" | "sha1" | "md4" | "md2" |
"sha", ...)` calls that do not pass `usedforsecurity=False`; MD2, MD4, MD5 and SHA-1 from
PyCrypto/PyCryptodome (`Crypto.Hash.MD5.new()`) and `cryptography` (`hashes.MD5()`), which have
no such flag; and `crypt.crypt`/`crypt.mksalt` with the DES or MD5 method.

In modules matching `security-modules` the call is reported even with the flag: there the hash
must be strong.
"""
    why = """
MD5 and SHA-1 collisions are cheap to make, so they must not protect anything. In data-science
code they usually bucket rows or fingerprint files, which is fine: `usedforsecurity=False`
(Python 3.9+) records that intent for reviewers and scanners, and keeps the code running on
FIPS-mode Python builds, where the call fails without it.
"""
    use_instead = """\
import hashlib

bucket = int(hashlib.md5(user_id.encode(), usedforsecurity=False).hexdigest(), 16) % 100
digest = hashlib.sha256(payload).hexdigest()
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes` or in `handoff`): adds `usedforsecurity=False`, when
`target-python` is 3.9 or later. The flag is a claim that the hash protects nothing, so the fix
does not apply where the hash may protect something: in a module that uses `hmac` (its weak hash
is usually an HMAC digest, as in itsdangerous' signer), or where the module, the enclosing
function or class, the assigned name or the keyword it is passed to speaks of signing, HMAC,
passwords, tokens, secrets, keys, salts, sessions or digest methods (`digest_method`,
`digestmod`). There the message asks for a decision (a strong hash, or the flag if it really is
only a fingerprint). An explicit `usedforsecurity=True` is never rewritten, and in
`security-modules` there is no automatic fix (SUGGEST a strong hash such as `hashlib.sha256`).
It is never SAFE: on FIPS-mode builds the call that failed now succeeds.
"""
    options = (SECURITY_MODULES, TARGET_PYTHON)
    requires = frozenset({"hashlib", "Crypto", "Cryptodome", "cryptography", "crypt"})
    library_message = "`{call}` is a broken hash: use SHA-256 or stronger"
    bad = (
        "import hashlib\nh = hashlib.md5(data).hexdigest()\n",
        "from hashlib import sha1\ndigest = sha1(b'x')\n",
        "import hashlib\nh = hashlib.new('MD5', data)\n",
        "import hashlib\nh = hashlib.new(name='sha1')\n",
        "import hashlib as hl\nh = hl.md5(usedforsecurity=True)\n",
        "import hashlib\nh = hashlib.new('md4', b'test')\n",
        "from Crypto.Hash import MD5 as md5\nh = md5.new()\n",
        "from cryptography.hazmat.primitives import hashes\nalgo = hashes.SHA1()\n",
        "import crypt\nsalt = crypt.mksalt(crypt.METHOD_MD5)\n",
        Example(
            "import hashlib\nh = hashlib.md5(b'x', usedforsecurity=False)\n",
            path="acme_auth/tokens.py",
            options={"security.security-modules": ["acme_auth.*"]},
        ),
    )
    good = (
        "import hashlib\nh = hashlib.md5(data, usedforsecurity=False).hexdigest()\n",
        "import hashlib\nh = hashlib.sha256(data).hexdigest()\n",
        "import hashlib\nh = hashlib.new('sha256', data)\n",
        "from Cryptodome.Hash import SHA256\nh = SHA256.new()\n",
        "import crypt\nh = crypt.crypt(word, salt=crypt.METHOD_SHA512)\nsalt = crypt.mksalt()\n",
        # A local function named md5 and a module that does not import hashlib.
        "def md5(x):\n    return x\n\nmd5(b'x')\n",
        "from mylib import md5\nmd5(b'x')\n",
        # The flag may be in **kwargs; the algorithm name is not a literal.
        "import hashlib\n\ndef h(data, **kw):\n    return hashlib.md5(data, **kw)\n\n"
        "hashlib.new(algo, b'x')\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        patterns: Tuple[str, ...] = self.option(SECURITY_MODULES)
        self._security = in_modules(ctx.source.module, patterns)
        self._flag_ok = _target_at_least_39(self.option(TARGET_PYTHON))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr not in _CALL_NAMES:
            return
        qualname = self.ctx.qualname(func)
        if qualname in _WEAK_LIBRARY:
            self.report(node, self.library_message, call=f"{qualname}()", fixable=False)
            return
        if qualname in ("crypt.crypt", "crypt.mksalt"):
            salt = keyword(node, "salt")
            args = list(node.args) + ([salt.value] if salt is not None else [])
            method = next((self.ctx.qualname(a) for a in args if self.ctx.qualname(a) in _WEAK_CRYPT), None)
            if method is not None:
                self.report(node, self.library_message, call=f"{qualname}({method})", fixable=False)
            return
        if qualname in _WEAK_FUNCTIONS:
            call = f"{qualname}()"
        elif qualname == "hashlib.new":
            arg = node.args[0] if node.args else None
            if arg is None:
                kw = keyword(node, "name")
                arg = kw.value if kw is not None else None
            algo = literal_string(arg)
            if algo is None or algo.lower().replace("-", "") not in _WEAK_NAMES:
                return
            call = f'hashlib.new("{algo}")'
        else:
            return
        if self._security:
            self.report(node, self.security_message, call=call, fixable=False)
            return
        if has_kwargs_splat(node):
            return
        flag = keyword(node, "usedforsecurity")
        if flag is not None and not (
            isinstance(flag.value, ast.Constant) and flag.value.value is True
        ):
            return  # False, or a variable: the caller decided
        # An explicit `usedforsecurity=True` claims the hash protects something: not rewritten.
        self.report(node, call=call, fixable=self._flag_ok and flag is None and not self._security_use())

    def _security_use(self) -> bool:
        """The hash may protect something (HMAC, signatures, passwords, tokens): the flag would
        be a false claim.  Judged from the module's use of `hmac` and the names around the call."""
        if "hmac" in self.ctx.imports.tops:
            return True
        names = [self.ctx.source.module or "", self.ctx.source.rel_path]
        for ancestor in self.ctx.ancestors:
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append(ancestor.name)
            elif isinstance(ancestor, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = ancestor.targets if isinstance(ancestor, ast.Assign) else [ancestor.target]
                names.extend(ast.unparse(t) for t in targets)
            elif isinstance(ancestor, ast.keyword) and ancestor.arg:
                names.append(ancestor.arg)
            elif isinstance(ancestor, ast.Call):
                names.append(ast.unparse(ancestor.func))
        return any(_SECURITY_WORDS.search(name) for name in names)
