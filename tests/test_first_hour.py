"""The first hour of a team adopting groundrules on an existing repository, played for real.

A temporary git repository with a notebook prototype, a ``src/`` package with a data-access
module and tests; the installed ``groundrules`` and real pre-commit, offline (the hooks ``init``
writes are ``repo: local``: nothing is cloned or downloaded).  Each step asserts what a team lead
would see: ``init``, ``pre-commit install``, a commit blocked by the old findings, ``fix``, a
baseline, a commit touching a baselined file that passes, a new finding that blocks, and the CI
command with ``--diff`` reporting only the new finding.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest
from conftest import ROOT

BIN = Path(sys.executable).parent

DATA_ACCESS = '''"""The warehouse: the only module that opens database connections."""
import os

import psycopg2


def connect() -> object:
    """A connection to the warehouse, its password from the environment."""
    return psycopg2.connect(host="warehouse", password=os.environ.get("WAREHOUSE_DSN_SECRET", ""))
'''

TRAIN = '''"""Trains the churn model."""
import yaml

DB_PASSWORD = "Hunter2pass!"


def settings(text: str) -> object:
    """The training settings."""
    return yaml.load(text)
'''

TEST = '''from churn.train import settings


def test_settings():
    assert settings("a: 1") == {"a": 1}
'''

NEW_FINDING = '''

def score(expression: str) -> object:
    """Evaluate a scoring expression."""
    return eval(expression)
'''


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """The installed groundrules and pre-commit on PATH, a private PRE_COMMIT_HOME, no network use."""
    home = tmp_path_factory.mktemp("home")
    return {
        "PATH": f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(home / "pre-commit"),
        "GIT_AUTHOR_NAME": "Ana",
        "GIT_AUTHOR_EMAIL": "ana@example.com",
        "GIT_COMMITTER_NAME": "Ana",
        "GIT_COMMITTER_EMAIL": "ana@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_COLOR": "1",
        "LANG": "C.UTF-8",
    }


def run(repo: Path, env: Dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=600)


def groundrules(repo: Path, env: Dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run(repo, env, str(BIN / "groundrules"), *args)


def commit(repo: Path, env: Dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    run(repo, env, "git", "add", "-A")
    return run(repo, env, "git", "commit", "-q", "-m", message)


@pytest.fixture(scope="module")
def existing_repo(tmp_path_factory: pytest.TempPathFactory, env: Dict[str, str]) -> Path:
    """The team's repository before groundrules: committed, with its problems."""
    repo = tmp_path_factory.mktemp("churn")
    run(repo, env, "git", "init", "-q", "-b", "main")
    (repo / "notebooks").mkdir()
    shutil.copy2(ROOT / "examples" / "churn" / "notebooks" / "explore_churn.ipynb", repo / "notebooks")
    package = repo / "src" / "churn"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""Churn."""\n', encoding="utf-8")
    (package / "data_access.py").write_text(DATA_ACCESS, encoding="utf-8")
    (package / "train.py").write_text(TRAIN, encoding="utf-8")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_train.py").write_text(TEST, encoding="utf-8")
    (repo / "pyproject.toml").write_text('[project]\nname = "churn"\nversion = "0.1.0"\n', encoding="utf-8")
    assert commit(repo, env, "the prototype").returncode == 0
    return repo


def test_the_first_hour(existing_repo: Path, env: Dict[str, str]) -> None:
    repo = existing_repo

    # 1. init: local hooks, the data layer detected, the next step said.
    init = groundrules(repo, env, "init")
    assert init.returncode == 0 and init.stderr == "", init.stderr
    assert "data-access layer churn.data_access" in init.stdout
    assert "Next steps:" in init.stdout and "pre-commit install" in init.stdout
    config = (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "repo: local" in config and "rev:" not in config

    # 2. pre-commit install, then the config committed: no Python file staged, nothing to judge.
    install = run(repo, env, str(BIN / "pre-commit"), "install")
    assert install.returncode == 0, install.stdout + install.stderr
    first = commit(repo, env, "adopt groundrules")
    assert first.returncode == 0, first.stdout + first.stderr

    # 3. A one-line change to train.py is blocked by what the file already had.
    train = repo / "src" / "churn" / "train.py"
    train.write_text(TRAIN.replace('"""Trains the churn model."""', '"""Trains the churn model (v2)."""'),
                     encoding="utf-8")
    blocked = commit(repo, env, "touch train")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert "GR201" in out and "(error, blocking)" in out
    # The security hook judges bandit's B105 as GR201 does: an error, not a pass.
    security = out.partition("groundrules security (bandit)")[2].partition("groundrules types")[0]
    assert "Failed" in security and "B105" in security and "(error, blocking)" in security, out

    # 4. fix: the safe fixes (notebook outputs); then, reviewed, one policy fix (yaml.safe_load
    # changes what loads, so it is UNSAFE: asked for by code with --unsafe-fixes).
    fixed = groundrules(repo, env, "fix")
    assert fixed.returncode == 1 and "GR313" in fixed.stdout and "GR206" not in fixed.stdout, fixed.stdout
    policy = groundrules(repo, env, "fix", "--unsafe-fixes", "--select", "GR206")
    assert policy.returncode == 1 and "GR206" in policy.stdout, policy.stdout + policy.stderr
    assert "yaml.safe_load(text)" in train.read_text(encoding="utf-8")
    notebook = json.loads((repo / "notebooks" / "explore_churn.ipynb").read_text(encoding="utf-8"))
    assert all(cell.get("outputs", []) == [] for cell in notebook["cells"])

    # 5. A baseline of what is left (the secret, the leakage): recorded, configured, said.
    baseline = groundrules(repo, env, "init", "--baseline")
    assert baseline.returncode == 0, baseline.stderr
    assert "Recorded" in baseline.stdout and ".groundrules-baseline.json" in baseline.stdout
    assert 'baseline = ".groundrules-baseline.json"' in (repo / "pyproject.toml").read_text(encoding="utf-8")
    entries = json.loads((repo / ".groundrules-baseline.json").read_text(encoding="utf-8"))["entries"]
    assert {"GR201", "GR410"} <= {e["code"] for e in entries}

    # 6. The commit touching the baselined files passes: every hook honours the baseline.
    passed = commit(repo, env, "fixes and a baseline")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    train.write_text(train.read_text(encoding="utf-8") + "\n\nMAX_DEPTH = 6\n", encoding="utf-8")
    touched = commit(repo, env, "touch a baselined file")
    assert touched.returncode == 0, touched.stdout + touched.stderr
    ran = [line for line in touched.stderr.splitlines() if line.startswith("groundrules ")]  # git: hooks on stderr
    assert len(ran) == 6 and all(line.endswith(("Passed", "Skipped")) for line in ran), touched.stderr
    assert sum(line.endswith("Passed") for line in ran) == 5  # all but the notebook hook: no notebook staged

    # 7. A new finding in that file blocks, and only it is reported.
    train.write_text(train.read_text(encoding="utf-8") + NEW_FINDING, encoding="utf-8")
    new = commit(repo, env, "a new problem")
    out = new.stdout + new.stderr
    assert new.returncode != 0, out
    assert "GR207" in out and "B307" in out
    assert "GR201" not in out and "B105" not in out  # the baselined secret stays quiet

    # 8. The CI command: only the lines changed since main, beyond the baseline.
    run(repo, env, "git", "reset", "-q")  # the commit was refused: the change is in the work tree
    ci = groundrules(repo, env, "check", "--with", "bandit,mypy", "--diff", "main")
    assert ci.returncode == 1, ci.stdout + ci.stderr
    codes = {line.split(": ", 1)[1].split(" ", 1)[0] for line in ci.stdout.splitlines() if line.startswith("src/")}
    assert codes == {"GR207"}, ci.stdout  # bandit's B307 reported once, as ours
    assert "(also bandit B307)" in ci.stdout
    train.write_text(train.read_text(encoding="utf-8").replace(NEW_FINDING, ""), encoding="utf-8")
    clean = groundrules(repo, env, "check", "--with", "bandit,mypy", "--diff", "main")
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_readme_first_screen_says_what_and_who_then_shows_the_notebook_example(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_screen = readme[:800]
    what = first_screen.index("checks a data-science team's Python and Jupyter notebooks")
    assert what < first_screen.index("```sh") and "for data\nscientists" in first_screen
    assert "minutes" in readme.partition("**Run the tests**")[2][:80]  # how long the test command takes
    example = "examples/churn/notebooks/explore_churn.ipynb"
    assert example in readme[:2500]
    # the example shown is the example's real output: each code the README quotes is reported
    proc = subprocess.run([str(BIN / "groundrules"), "check", "notebooks/explore_churn.ipynb"],
                          cwd=ROOT / "examples" / "churn", capture_output=True, text=True, check=False)
    shown = readme.partition("run from `examples/churn`):")[2].partition("```\n\n")[0]
    quoted = [line for line in shown.splitlines() if line.startswith(("notebooks/", "Found ", "1 fixable"))]
    assert len(quoted) >= 4 and all(line in proc.stdout.splitlines() for line in quoted), proc.stdout
    assert proc.returncode == 1
