"""GR103: delete presentation magics in nbconvert form (SAFE).

The rule marks fixable only ``get_ipython().run_line_magic(...)`` / ``.magic(...)`` calls of
``matplotlib``, ``load_ext autoreload``, ``autoreload``, ``reload_ext`` and
``config InlineBackend.*`` that are whole expression statements: they only change how the
notebook displays or reloads code, so a script without them behaves the same.
"""

from __future__ import annotations

from groundrules.codemods.deletion import DeleteStatements
from groundrules.standards.schema import FixClass


class IpythonPresentationMagic(DeleteStatements):
    codes = ("GR103",)
    fix_class = FixClass.SAFE
