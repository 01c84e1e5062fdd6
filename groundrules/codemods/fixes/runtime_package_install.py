"""GR214: delete IPython ``!pip install`` / ``%pip install`` statements (UNSAFE: the
install is a side effect) and, as POLICY,
``subprocess``/``os.system``/``pip.main`` installs.

The rule marks fixable only ``get_ipython().system("pip install ...")`` and
``get_ipython().run_line_magic("pip", "install ...")`` calls that are whole expression statements
and chain no other shell command; ``subprocess``/``os.system``/``pip.main`` installs that are
whole statements with effect-free arguments are reported with ``fix_class=UNSAFE`` (the targets
of this fix only include them under ``--unsafe-fixes``).
"""

from __future__ import annotations

from groundrules.codemods.deletion import DeleteStatements
from groundrules.standards.schema import FixClass


class RuntimePackageInstall(DeleteStatements):
    codes = ("GR214",)
    fix_class = FixClass.UNSAFE
