"""Machine and CI report formats for ``check``; each is ``render(findings, files, failing) -> str``.

``text`` is not here: it also takes the terminal's colour and ``--statistics`` (see ``reports``).
"""

from __future__ import annotations

from typing import Callable, Dict, Sequence

from groundrules.hooks.formats import github, gitlab, junit, markdown, sarif
from groundrules.hooks.reports import json_report
from groundrules.rules.framework import Finding

Renderer = Callable[[Sequence[Finding], int, int], str]

RENDERERS: Dict[str, Renderer] = {
    "json": json_report,
    "sarif": sarif.render,
    "github": github.render,
    "junit": junit.render,
    "gitlab": gitlab.render,
    "markdown": markdown.render,
}
