"""The security and types hooks judge as our rules do: a bandit finding takes the severity of its
groundrules peer (documented in the README from peers.py), and the types hook runs mypy on the
given files with the project's configuration, saying which stub package to install."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict

from conftest import ROOT, run_cli

from groundrules.hooks.gate.peers import BROADER, bandit_tests, peers, render
from groundrules.rules.registry import by_code

#: What the issue's user committed: the security hook said "Passed".
SECRETS = 'import os\n\nPASSWORD = "Hunter2pass"\nvalue = eval(os.environ["EXPR"])\n'
SECURITY_HOOK = ["check", "--with", "bandit", "--select", "B", "--format", "json", "app.py"]


def _severities(proc_stdout: str) -> Dict[str, str]:
    return {f["code"]: f["severity"] for f in json.loads(proc_stdout)["findings"]}


def test_bandit_findings_take_their_peers_severity(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SECRETS, encoding="utf-8")
    proc = run_cli(SECURITY_HOOK, tmp_path)
    # bandit rates B105 LOW and B307 MEDIUM; GR201 and GR207 are errors: so are they
    assert _severities(proc.stdout) == {"B105": "error", "B307": "error"}
    assert proc.returncode == 1
    # the team's rating of the peer is the rating: GR201 lowered to a warning lowers B105
    (tmp_path / "pyproject.toml").write_text('[tool.groundrules]\nseverity = { "GR201" = "warning" }\n',
                                             encoding="utf-8")
    lowered = _severities(run_cli(SECURITY_HOOK, tmp_path).stdout)
    assert lowered == {"B105": "warning", "B307": "error"}


def test_broader_bandit_tests_keep_bandits_own_severity(tmp_path: Path) -> None:
    # B603: any subprocess call without a shell; GR208 (shell injection, an error) does not fire on it
    (tmp_path / "app.py").write_text('import subprocess\n\nsubprocess.run(["ls", "-l"], check=True)\n',
                                     encoding="utf-8")
    proc = run_cli(SECURITY_HOOK, tmp_path)
    assert _severities(proc.stdout).get("B603") == "info" and proc.returncode == 0
    # B603 has no groundrules peer (no rule reports a shell-less call, by design): bandit's own rating.
    assert "B603" in BROADER and not peers("B603")


def test_readme_documents_the_mapping_generated_from_peers() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = {code: rule.name for code, rule in by_code().items()}
    assert render(readme, names) == readme, "run: python -m groundrules.hooks.gate.peers"
    for test in bandit_tests():
        assert f"| {test} | " in readme
    assert "| B105 | GR201 `hardcoded-secret` |" in readme and "| B307 | GR207 `dynamic-code-execution` |" in readme


def test_types_hook_checks_the_given_files_with_the_projects_configuration(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("def test_app():\n    assert 1 + 1 == 2\n", encoding="utf-8")
    (tmp_path / "other.py").write_text('def wrong() -> int:\n    return "x"\n', encoding="utf-8")
    (tmp_path / "data.py").write_text('import yaml\n\n\ndef load(text: str) -> object:\n    return yaml.safe_load(text)\n',
                                      encoding="utf-8")
    hook = ["check", "--with", "mypy", "--select", "mypy", "--format", "json"]
    # a test without annotations: not --strict outside production, so nothing to say
    assert json.loads(run_cli([*hook, "tests/test_app.py"], tmp_path).stdout)["findings"] == []
    # the staged file only: other.py's error is not reported when it is not given
    found = json.loads(run_cli([*hook, "data.py"], tmp_path).stdout)["findings"]
    assert {f["path"] for f in found} <= {"data.py"}
    stubs = [f for f in found if f["code"] == "mypy:import-untyped"]
    assert stubs, found  # PyYAML ships no types: mypy wants types-PyYAML
    assert "install `types-PyYAML` where the types hook runs" in stubs[0]["message"]
    assert "additional_dependencies: [types-PyYAML]" in stubs[0]["message"]
    # the project's own mypy configuration applies: it may silence the missing stubs
    (tmp_path / "mypy.ini").write_text("[mypy]\nignore_missing_imports = True\n", encoding="utf-8")
    assert json.loads(run_cli([*hook, "data.py"], tmp_path).stdout)["findings"] == []
