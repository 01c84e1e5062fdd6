"""``baseline = "path"`` in ``[tool.groundrules]``: honoured by ``check`` (so by every hook, which
runs ``check``), written to by ``groundrules baseline``, and honoured by the flake8 plugin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import run_cli

LEGACY = '"""Old code."""\nimport yaml\n\n\ndef load(text: str) -> object:\n    """Parse."""\n    return yaml.load(text)\n'
NEW = '\n\ndef run(code: str) -> object:\n    """Run."""\n    return eval(code)\n'
CONFIG = '[tool.groundrules]\nbaseline = "ci/accepted.json"\n'


def _project(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "legacy.py").write_text(LEGACY, encoding="utf-8")
    return tmp_path


def test_baseline_command_writes_the_configured_file_and_says_so(tmp_path):
    repo = _project(tmp_path)
    proc = run_cli(["baseline"], repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ("Recorded 1 finding (1 file) in ci/accepted.json: check and the hooks now report "
                           "only new findings.\n")
    entries = json.loads((repo / "ci" / "accepted.json").read_text(encoding="utf-8"))["entries"]
    assert [e["code"] for e in entries] == ["GR206"]
    assert not (repo / ".groundrules-baseline.json").exists()
    # Without the key: the default file, and how to have the hooks use it.
    (repo / "pyproject.toml").write_text("[tool.groundrules]\n", encoding="utf-8")
    plain = run_cli(["baseline"], repo)
    assert plain.stdout.startswith("Recorded 1 finding (1 file) in .groundrules-baseline.json. To have check")
    assert 'add baseline = ".groundrules-baseline.json" under [tool.groundrules]' in plain.stdout


def test_check_honours_the_configured_baseline(tmp_path):
    repo = _project(tmp_path)
    run_cli(["baseline"], repo)
    quiet = run_cli(["check", "legacy.py"], repo)
    assert quiet.returncode == 0 and "All checks passed (1 file)." in quiet.stdout, quiet.stdout
    with (repo / "legacy.py").open("a", encoding="utf-8") as handle:
        handle.write(NEW)
    new = run_cli(["check", "legacy.py"], repo)
    assert new.returncode == 1 and "GR207" in new.stdout and "GR206" not in new.stdout
    # --baseline on the command line still wins: another file, here one that holds nothing
    (repo / "empty.json").write_text('{"version": 1, "entries": []}\n', encoding="utf-8")
    both = run_cli(["check", "--baseline", "empty.json", "legacy.py"], repo)
    assert "GR206" in both.stdout and "GR207" in both.stdout


def test_a_configured_baseline_that_is_missing_or_malformed_is_one_line_and_exit_2(tmp_path):
    repo = _project(tmp_path)
    missing = run_cli(["check", "legacy.py"], repo)
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.splitlines() == [
        f"groundrules: {repo / 'pyproject.toml'}: baseline: ci/accepted.json not found; "
        "`groundrules baseline` records it"
    ]
    (repo / "pyproject.toml").write_text("[tool.groundrules]\nbaseline = 3\n", encoding="utf-8")
    bad = run_cli(["check", "legacy.py"], repo)
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1
    assert "pyproject.toml" in bad.stderr and "baseline" in bad.stderr and "expected a path" in bad.stderr
    (repo / "pyproject.toml").write_text('[tool.groundrules.profiles.p]\npaths = ["x/**"]\nbaseline = "b.json"\n',
                                         encoding="utf-8")
    profile = run_cli(["check", "legacy.py"], repo)  # one baseline per repository, not per profile
    assert profile.returncode == 2 and "profiles.p.baseline: unknown key" in profile.stderr


def test_flake8_plugin_does_not_report_baselined_findings(tmp_path):
    repo = _project(tmp_path)
    with (repo / "legacy.py").open("a", encoding="utf-8") as handle:
        handle.write(NEW)

    def flake8() -> str:
        proc = subprocess.run([sys.executable, "-m", "flake8", "--select", "GR", "legacy.py"], cwd=repo,
                              capture_output=True, text=True, check=False)
        assert proc.stderr == ""
        return proc.stdout

    before = flake8()  # the configured file does not exist yet: everything is reported
    assert "GR206" in before and "GR207" in before
    (repo / "legacy.py").write_text(LEGACY, encoding="utf-8")
    assert run_cli(["baseline"], repo).returncode == 0
    with (repo / "legacy.py").open("a", encoding="utf-8") as handle:
        handle.write(NEW)
    after = flake8()
    assert "GR207" in after and "GR206" not in after
