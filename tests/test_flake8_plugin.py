"""flake8 --select GR reports exactly what `groundrules check` reports, reading the same standards."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, run_cli


def test_flake8_matches_check(tmp_path):
    project = tmp_path / "proj"
    (project / "pkg").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        "[tool.groundrules]\nignore = ['GR102']\n[tool.groundrules.security]\ndefault-timeout = 9\n",
        encoding="utf-8",
    )
    (project / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    for src in (ROOT / "examples" / "churn" / "notebooks").glob("*.py"):
        (project / "pkg" / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    flake = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "GR", "--format", "%(path)s|%(row)d|%(col)d|%(code)s %(text)s", "pkg"],
        cwd=project, capture_output=True, text=True, check=False,
    )
    assert flake.stderr == ""
    got = sorted(tuple(line.split("|", 3)) for line in flake.stdout.splitlines())
    doc = json.loads(run_cli(["check", "--format", "json", "pkg"], project).stdout)
    # check reports an exported notebook script (`# %%` cells) by cell; flake8 by file line.
    from groundrules.rules.cell_scripts import cells_of

    def file_line(f):
        if "cell" not in f:
            return f["line"]
        return cells_of((project / f["path"]).read_bytes())[f["cell"]][0] + f["line"] - 1

    want = sorted(
        (f["path"], str(file_line(f)), str(f["column"]), f"{f['code']} {f['message']}") for f in doc["findings"]
    )
    got = [(p.removeprefix("./"), r, c, t) for p, r, c, t in got]
    assert want and got == want
    assert any("timeout=9" in t for *_, t in got)  # the same standards were read
    assert not any(t.startswith("GR102") for *_, t in got)
