"""The pre-commit hooks, run by real pre-commit (``try-repo``) in throwaway consumer repositories.

``try-repo`` builds its hook environment in a temporary store of its own (it ignores
PRE_COMMIT_HOME), so every call pays one ``pip install`` of groundrules: the scenarios are batched
into four calls, and pre-commit's ``SKIP`` keeps the two rewriting hooks from hiding each other's
work.  The hook repository is a git snapshot of this working tree, so uncommitted work is tested.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from conftest import ROOT

from groundrules.hooks.init import HOOK_IDS

PRE_COMMIT = str(Path(sys.executable).with_name("pre-commit"))
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
STATUS = re.compile(r"^(?P<name>\S.*?)\.+(?:\([^)]*\))?(?P<status>Passed|Failed|Skipped)$")


def _manifest() -> List[Dict[str, object]]:
    import yaml

    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    return hooks


@pytest.fixture(scope="session")
def pre_commit_env(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """One PRE_COMMIT_HOME for the session, git identity by environment, no colour."""
    env = dict(os.environ)
    for name in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "SKIP"):
        env.pop(name, None)
    env.update(
        PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")),
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
        GIT_CONFIG_NOSYSTEM="1",
        NO_COLOR="1",
    )
    return env


def _git(cwd: Path, env: Dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, pre_commit_env: Dict[str, str]) -> Path:
    """This working tree's package, manifest and metadata, committed in a fresh git repository."""
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, repo / name)
    shutil.copytree(ROOT / "groundrules", repo / "groundrules", ignore=shutil.ignore_patterns("__pycache__"))
    _git(repo, pre_commit_env, "init", "-q")
    _git(repo, pre_commit_env, "add", "-A")
    _git(repo, pre_commit_env, "commit", "-q", "-m", "hooks under test")
    return repo


def _consumer(root: Path, env: Dict[str, str], files: Dict[str, str]) -> Path:
    root.mkdir()
    _git(root, env, "init", "-q")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    _git(root, env, "add", "-A")
    return root


def _try_repo(consumer: Path, hook_repo: Path, env: Dict[str, str], skip: Tuple[str, ...] = ()) -> Dict[str, Tuple[str, str]]:
    """Run every hook on the staged files: hook id -> (Passed/Failed/Skipped, the hook's output)."""
    run_env = dict(env, SKIP=",".join(skip))
    proc = subprocess.run(
        [PRE_COMMIT, "try-repo", str(hook_repo), "--verbose", "--color", "never"],
        cwd=consumer,
        env=run_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    ids = {str(hook["name"]): str(hook["id"]) for hook in _manifest()}
    results: Dict[str, Tuple[str, str]] = {}
    current = None
    for line in proc.stdout.splitlines():
        match = STATUS.match(line)
        if match and match.group("name").strip() in ids:
            current = ids[match.group("name").strip()]
            results[current] = (match.group("status"), "")
        elif current is not None:
            results[current] = (results[current][0], results[current][1] + line + "\n")
    assert set(results) == set(HOOK_IDS), proc.stdout + proc.stderr
    return results


def _notebook(outputs: bool) -> str:
    cell = {
        "cell_type": "code",
        "execution_count": 7 if outputs else None,
        "id": "c1",
        "metadata": {},
        "outputs": [{"name": "stdout", "output_type": "stream", "text": ["2\n"]}] if outputs else [],
        "source": ["total = 1 + 1\n", "print(total)"],
    }
    metadata: Dict[str, object] = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    if outputs:
        metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return json.dumps({"cells": [cell], "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def _bad_notebook() -> str:
    notebook = json.loads(_notebook(outputs=True))
    notebook["cells"].append(
        {"cell_type": "code", "execution_count": None, "id": "c2", "metadata": {}, "outputs": [],
         "source": ["import pickle\n", "model = pickle.loads(blob)"]}
    )
    return json.dumps(notebook, indent=1) + "\n"


BAD_FILES = {
    "settings.py": '"""Settings."""\nimport yaml\n\n\ndef settings(text: str) -> object:\n    return yaml.load(text)\n',
    "shell.py": '"""Runs a command."""\nimport subprocess\n\n\ndef run(command: str) -> int:\n'
    "    return subprocess.call(command, shell=True)\n",
    "typed.py": '"""Wrong types."""\n\n\ndef total(count: int) -> int:\n    return "many"\n',
    "eda.ipynb": _bad_notebook(),
    "data/train.csv": "a,b\n1,2\n",
    "models/model.onnx": "\x08\x07onnx",
    "data.txt": "x" * 1500 + "\n",  # over the consumer's own max-artifact-kb, though .txt
    "pyproject.toml": "[tool.groundrules.data-access]\nmax-artifact-kb = 1\n",
}
CLEAN_FILES = {
    "clean.py": '"""A clean module."""\n\n\ndef double(value: int) -> int:\n    """Twice the value."""\n'
    "    return value * 2\n",
    "eda.ipynb": _notebook(outputs=False),
    "notes.md": "# Notes\n",
    "package.json": '{"name": "web", "version": "1.0.0"}\n',
    "tsconfig.json": '{"compilerOptions": {"strict": true}}\n',
    ".vscode/settings.json": '{"editor.rulers": [100]}\n',
}


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory: pytest.TempPathFactory, hook_repo: Path, pre_commit_env: Dict[str, str]):
    """Bad input: every hook but fix (1), fix alone (2), then all again once the fixes are staged (3)."""
    consumer = _consumer(tmp_path_factory.mktemp("bad") / "repo", pre_commit_env, BAD_FILES)
    first = _try_repo(consumer, hook_repo, pre_commit_env, skip=("groundrules-fix",))
    notebook_after_strip = (consumer / "eda.ipynb").read_text(encoding="utf-8")
    _git(consumer, pre_commit_env, "add", "-A")
    others = tuple(h for h in HOOK_IDS if h != "groundrules-fix")
    fix = _try_repo(consumer, hook_repo, pre_commit_env, skip=others)
    fixed = {name: (consumer / name).read_text(encoding="utf-8") for name in ("settings.py", "eda.ipynb")}
    _git(consumer, pre_commit_env, "add", "-A")
    second = _try_repo(consumer, hook_repo, pre_commit_env)
    after_second = {name: (consumer / name).read_text(encoding="utf-8") for name in ("settings.py", "eda.ipynb")}
    return {"first": first, "fix": fix, "second": second, "notebook": notebook_after_strip, "fixed": fixed,
            "after_second": after_second}


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory, hook_repo: Path, pre_commit_env: Dict[str, str]):
    consumer = _consumer(tmp_path_factory.mktemp("clean") / "repo", pre_commit_env, CLEAN_FILES)
    before = {name: (consumer / name).read_bytes() for name in CLEAN_FILES}
    results = _try_repo(consumer, hook_repo, pre_commit_env)
    after = {name: (consumer / name).read_bytes() for name in CLEAN_FILES}
    return results, before == after


def test_manifest_validates_with_pre_commit(pre_commit_env):
    proc = subprocess.run([PRE_COMMIT, "validate-manifest", str(MANIFEST)], env=pre_commit_env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_manifest_declares_the_contract():
    hooks = {str(h["id"]): h for h in _manifest()}
    assert set(hooks) == set(HOOK_IDS)
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["minimum_pre_commit_version"] == "3.0.0"
    assert hooks["groundrules-check"]["types_or"] == ["python", "pyi", "jupyter"]
    assert hooks["groundrules-fix"]["types_or"] == ["python", "pyi", "jupyter"]
    assert hooks["groundrules-notebook-outputs"] == dict(
        hooks["groundrules-notebook-outputs"], entry="groundrules fix --select GR313", types=["jupyter"]
    )
    assert "types" not in hooks["groundrules-artifacts"] and "types_or" not in hooks["groundrules-artifacts"]
    assert hooks["groundrules-artifacts"]["entry"] == "groundrules check --select GR314"
    assert hooks["groundrules-security"]["entry"] == "groundrules check --with bandit --select B"
    assert hooks["groundrules-security"]["types"] == ["python"]
    types = hooks["groundrules-types"]
    assert types["entry"] == "groundrules check --with mypy --select mypy"
    # the staged files only (pre-commit passes them), not the whole project on every commit
    assert "pass_filenames" not in types and types["require_serial"] is True


def test_check_hook_fails_on_bad_files_including_notebook_cells(bad_runs):
    status, output = bad_runs["first"]["groundrules-check"]
    assert status == "Failed", output
    assert "settings.py:6:12: GR206" in output
    assert "eda.ipynb:cell 1" in output and "GR313" in output
    assert "eda.ipynb:cell 2" in output and "GR203" in output


def test_check_hook_passes_clean_files(clean_run):
    results, _ = clean_run
    assert results["groundrules-check"][0] == "Passed", results["groundrules-check"][1]


def test_fix_hook_fixes_then_passes(bad_runs):
    status, output = bad_runs["fix"]["groundrules-fix"]
    assert status == "Failed" and "files were modified by this hook" in output, output
    assert "yaml.safe_load(text)" in bad_runs["fixed"]["settings.py"]
    assert bad_runs["second"]["groundrules-fix"][0] == "Passed", bad_runs["second"]["groundrules-fix"][1]
    assert bad_runs["after_second"] == bad_runs["fixed"]


def test_fix_hook_passes_clean_files_unchanged(clean_run):
    results, unchanged = clean_run
    assert results["groundrules-fix"][0] == "Passed", results["groundrules-fix"][1]
    assert unchanged


def test_notebook_outputs_hook_strips_then_passes(bad_runs):
    status, output = bad_runs["first"]["groundrules-notebook-outputs"]
    assert status == "Failed" and "files were modified by this hook" in output, output
    notebook = json.loads(bad_runs["notebook"])
    for cell in notebook["cells"]:
        assert cell["outputs"] == [] and cell["execution_count"] is None
    assert "widgets" not in notebook["metadata"] and "kernelspec" in notebook["metadata"]
    assert notebook["cells"][0]["source"] == ["total = 1 + 1\n", "print(total)"]
    second = bad_runs["second"]["groundrules-notebook-outputs"]
    assert second[0] == "Passed", second[1]


def test_notebook_outputs_hook_passes_clean_notebook(clean_run):
    results, _ = clean_run
    assert results["groundrules-notebook-outputs"][0] == "Passed", results["groundrules-notebook-outputs"][1]


def test_artifacts_hook_blocks_staged_data(bad_runs):
    status, output = bad_runs["first"]["groundrules-artifacts"]
    assert status == "Failed" and "data/train.csv:1:1: GR314" in output, output
    assert "models/model.onnx:1:1: GR314" in output
    assert "data.txt:1:1: GR314" in output and "2 KB file, over max-artifact-kb (1)" in output
    assert "settings.py" not in output and "pyproject.toml" not in output


def test_artifacts_hook_passes_source_and_docs(clean_run):
    results, _ = clean_run
    assert results["groundrules-artifacts"][0] == "Passed", results["groundrules-artifacts"][1]


def test_security_hook_reports_bandit_findings(bad_runs):
    status, output = bad_runs["first"]["groundrules-security"]
    assert status == "Failed" and "shell.py:6" in output and "B602" in output, output
    assert "GR208" not in output  # only bandit's codes: the check hook reports ours


def test_security_hook_passes_clean_files(clean_run):
    results, _ = clean_run
    assert results["groundrules-security"][0] == "Passed", results["groundrules-security"][1]


def test_types_hook_reports_mypy_errors(bad_runs):
    status, output = bad_runs["first"]["groundrules-types"]
    assert status == "Failed" and "typed.py:5" in output and "mypy:return-value" in output, output


def test_types_hook_passes_clean_files(clean_run):
    results, _ = clean_run
    assert results["groundrules-types"][0] == "Passed", results["groundrules-types"][1]


def test_readme_lists_every_hook_id_and_a_ci_example():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.partition("## Use with pre-commit")[2].partition("\n## ")[0]
    assert section, "README needs a 'Use with pre-commit' section"
    for hook in _manifest():
        assert f"`{hook['id']}`" in section
    assert "github/codeql-action/upload-sarif" in section and "--format sarif" in section
    # the CI example reads a baseline init does not write: the README says to create and commit it
    before_ci = section.partition("--baseline .groundrules-baseline.json")[0]
    assert "run\n`groundrules baseline` once and commit `.groundrules-baseline.json`" in before_ci
    assert "`init --baseline` records the baseline" in before_ci
