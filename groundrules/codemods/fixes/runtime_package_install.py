"""GR214: delete IPython ``!pip install`` / ``%pip install`` statements (SAFE).

The rule marks fixable only ``get_ipython().system("pip install ...")`` and
``get_ipython().run_line_magic("pip", "install ...")`` calls that are whole expression statements
and chain no other shell command; ``subprocess``/``os.system``/``pip.main`` forms are not fixed.
"""

from __future__ import annotations

from groundrules.codemods.deletion import DeleteStatements
from groundrules.standards.schema import FixClass


class RuntimePackageInstall(DeleteStatements):
    codes = ("GR214",)
    fix_class = FixClass.SAFE
