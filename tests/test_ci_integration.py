"""The GitHub Action (action.yml), the GitLab CI template and the sharded workflow examples:
their structure, every groundrules command they run parses, and the Action's check step runs."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List

import yaml

from conftest import ROOT
from groundrules.hooks.cli import build_parser

SAMPLES = {
    "CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4", "GROUNDRULES_ARGS": "--with bandit", "GROUNDRULES_PATHS": "src",
    "GROUNDRULES_DIFF": "--diff origin/main", "GROUNDRULES_BASELINE_OPTION": "--baseline b.json",
}


def _load(relative: str) -> Dict[str, Any]:
    return yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))


def _commands(scripts: List[str]) -> Iterator[List[str]]:
    """Each ``groundrules ...`` command in ``scripts``, variables filled with sample values."""
    for script in scripts:
        for line in script.splitlines():
            line = line.strip().split(" || ")[0]
            if not line.startswith("groundrules "):
                continue
            line = re.sub(r"\$\{?(\w+)\}?", lambda m: SAMPLES.get(m.group(1), "x"), line)
            yield shlex.split(line)[1:]


def _parses(argv: List[str]) -> None:
    args = build_parser().parse_args([a if "*" not in a else "r.json" for a in argv])
    assert args.command in ("check", "merge")


def test_action_is_a_composite_gate():
    action = _load("action.yml")
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert {"paths", "format", "diff", "baseline", "shard", "args", "upload", "fail"} <= set(inputs)
    steps = action["runs"]["steps"]
    used = " ".join(json.dumps(step) for step in steps)
    for name in inputs:  # every input does something
        assert f"inputs.{name}" in used, name
    for name in re.findall(r"inputs\.([\w-]+)", used):  # and every reference is declared
        assert name in inputs, name
    for step in steps:
        assert ("run" in step) != ("uses" in step)
        if "run" in step:
            assert step["shell"] == "bash"  # composite run steps need an explicit shell
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
    assert len(uploads) == 1 and uploads[0]["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    check = next(s for s in steps if s.get("id") == "check")
    for option in ("--format", "--diff", "--shard", "--baseline", "--output"):
        assert option in check["run"]
    assert "pull_request" in check["run"]


def _check_step_script() -> str:
    step = next(s for s in _load("action.yml")["runs"]["steps"] if s.get("id") == "check")
    return str(step["run"])


def test_the_actions_check_step_runs(tmp_path):
    (tmp_path / "m.py").write_text("import yaml\nconfig = yaml.load(text)\n", encoding="utf-8")
    bin_dir = Path(sys.executable).parent
    for fmt in ("sarif", "github"):
        output = tmp_path / f"out-{fmt}"
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "NO_COLOR": "1",
               "GITHUB_OUTPUT": str(output), "PATHS": ".", "FORMAT": fmt, "DIFF": "auto", "BASELINE": "",
               "SHARD": "1/1", "ARGS": "--no-cache", "SARIF": "report.sarif", "EVENT": "push", "BASE_REF": ""}
        proc = subprocess.run(["bash", "-c", _check_step_script()], cwd=tmp_path, env=env,
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr  # the exit code goes to the outputs
        assert output.read_text(encoding="utf-8").strip() == "exit-code=1"
        if fmt == "sarif":
            sarif = json.loads((tmp_path / "report.sarif").read_text(encoding="utf-8"))
            assert "GR206" in {r["ruleId"] for r in sarif["runs"][0]["results"]}
        else:
            assert "::error file=m.py,line=2" in proc.stdout
    assert os.path.exists(tmp_path / "report.sarif")


def test_github_workflow_examples():
    simple = _load("ci/github/groundrules.yml")
    steps = simple["jobs"]["groundrules"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0  # --diff needs history
    assert any(str(s.get("uses", "")).startswith("acme/groundrules@") for s in steps)
    sharded = _load("ci/github/groundrules-sharded.yml")
    matrix = sharded["jobs"]["check"]["strategy"]["matrix"]["shard"]
    assert matrix == [1, 2, 3, 4]
    gate = next(s for s in sharded["jobs"]["check"]["steps"] if str(s.get("uses", "")).startswith("acme/groundrules@"))
    assert gate["with"]["shard"] == "${{ matrix.shard }}/4" and gate["with"]["fail"] == "false"
    merge = sharded["jobs"]["merge"]
    assert merge["needs"] == "check"
    runs = [s["run"] for s in merge["steps"] if "run" in s]
    commands = list(_commands(runs))
    assert commands and all(c[0] == "merge" for c in commands)
    for command in commands:
        _parses(command)


def test_gitlab_template_and_sharded_example():
    template = _load("ci/gitlab/groundrules.gitlab-ci.yml")
    job = template["groundrules"]
    assert job["extends"] == ".groundrules-base"
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert "CI_MERGE_REQUEST_TARGET_BRANCH_NAME" in "\n".join(template[".groundrules-base"]["before_script"])
    shard = template[".groundrules-shard"]
    assert '--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"' in shard["script"][0]
    scripts = [line for name in ("groundrules", ".groundrules-shard", ".groundrules-merge") for line in template[name]["script"]]
    commands = list(_commands(scripts))
    assert {c[0] for c in commands} == {"check", "merge"} and len(commands) == len(scripts)
    for command in commands:
        _parses(command)
    example = _load("ci/gitlab/sharded.gitlab-ci.yml")
    assert example["include"][0]["remote"].endswith("ci/gitlab/groundrules.gitlab-ci.yml")
    assert example["groundrules-shard"] == {"extends": ".groundrules-shard", "parallel": 4}
    assert example["groundrules-merge"]["needs"] == ["groundrules-shard"]
