"""``groundrules init`` in real temporary git repositories, its configs validated by real pre-commit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import yaml
from conftest import run_cli

from groundrules.hooks.init import HOOK_IDS, HOOKS, Options, pre_commit_text, pyproject_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PRE_COMMIT = str(Path(sys.executable).with_name("pre-commit"))
#: Where this environment's `groundrules` and `pre-commit` are: on PATH, as for a user who
#: installed groundrules in the environment where they commit.
BIN = str(Path(sys.executable).parent)


def run_init(args: List[str], cwd: Path, path: str = f"{BIN}:/usr/bin:/bin") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "groundrules", "init", *args], cwd=cwd, capture_output=True, text=True,
        env={"PATH": path, "NO_COLOR": "1", "HOME": str(cwd)}, check=False,
    )

USER_PYPROJECT = """# The team's project file: this comment must survive.
[project]
name = "churn"   # trailing comment
version = "1.0"

[tool.black]
line-length = 100
"""

USER_CONFIG = """# our hooks
repos:
-   repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.5.0  # pinned on purpose
    hooks:
    -   id: trailing-whitespace

# CI settings stay below the repos
ci:
    autofix_prs: false
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


def _validate(repo: Path) -> None:
    proc = subprocess.run([PRE_COMMIT, "validate-config", ".pre-commit-config.yaml"], cwd=repo,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _hook_ids(config: dict) -> List[str]:
    return [hook["id"] for entry in config["repos"] for hook in entry["hooks"]]


def test_init_in_an_empty_repository_creates_both_files(repo):
    proc = run_init([], repo)
    assert proc.returncode == 0, proc.stderr
    tool = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["groundrules"]
    assert tool == {
        "extends": ["groundrules:recommended"],
        # Prototype paths get the lenient pack (and lenient mypy in the types hook).
        "profiles": {
            "prototype": {
                "paths": ["notebooks/**", "**/*.ipynb", "scratch/**"],
                "extends": ["groundrules:prototype"],
            }
        },
    }
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    # repo: local hooks running the installed groundrules: no repository URL or tag to resolve
    assert [entry["repo"] for entry in config["repos"]] == ["local"]
    hooks = config["repos"][0]["hooks"]
    assert [h["id"] for h in hooks] == list(HOOK_IDS)
    assert all(h["language"] == "system" and h["entry"].startswith("groundrules ") for h in hooks)
    _validate(repo)
    assert proc.stdout.rstrip().splitlines()[-4:][0].startswith("  1. pre-commit install")
    # the written standards load: check runs on them
    (repo / "ok.py").write_text('"""Fine."""\n', encoding="utf-8")
    assert run_cli(["check", "ok.py"], repo).returncode == 0


def test_init_keeps_the_users_files_and_is_idempotent(repo):
    (repo / "pyproject.toml").write_text(USER_PYPROJECT, encoding="utf-8")
    (repo / ".pre-commit-config.yaml").write_text(USER_CONFIG, encoding="utf-8")
    sub = repo / "src"
    sub.mkdir()
    first = run_init([], sub)  # from a subdirectory: the repository root is set up
    assert first.returncode == 0, first.stderr
    pyproject = (repo / "pyproject.toml").read_text(encoding="utf-8")
    assert pyproject.startswith(USER_PYPROJECT)
    assert tomllib.loads(pyproject)["tool"]["black"] == {"line-length": 100}
    config_text = (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    for line in USER_CONFIG.splitlines():
        assert line in config_text.splitlines()
    config = yaml.safe_load(config_text)
    assert config["ci"] == {"autofix_prs": False}
    assert _hook_ids(config) == ["trailing-whitespace", *HOOK_IDS]
    _validate(repo)
    assert not (sub / "pyproject.toml").exists() and not (sub / ".pre-commit-config.yaml").exists()

    second = run_init([], repo)
    assert second.returncode == 0, second.stderr
    assert (repo / "pyproject.toml").read_text(encoding="utf-8") == pyproject
    assert (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8") == config_text
    assert "left as is" in second.stdout


def test_init_adds_only_the_missing_hooks():
    existing = (
        "repos:\n  - repo: https://github.com/groundrules/groundrules\n    rev: v0.0.9\n"
        "    hooks:\n      - id: groundrules-check\n"
    )
    text, note = pre_commit_text(existing, Options(repo="https://git.acme.dev/groundrules", rev="v2.1.0"))
    assert text is not None and text.startswith(existing)
    ids = _hook_ids(yaml.safe_load(text))
    assert ids.count("groundrules-check") == 1 and set(ids) == set(HOOK_IDS)
    assert "groundrules-check" not in note
    added = yaml.safe_load(text)["repos"][-1]
    assert added["repo"] == "https://git.acme.dev/groundrules" and added["rev"] == "v2.1.0"
    local, _ = pre_commit_text(existing)  # the default: the missing hooks as one repo: local entry
    assert local is not None and yaml.safe_load(local)["repos"][-1]["repo"] == "local"


def test_init_leaves_an_existing_groundrules_table():
    existing = '[tool.groundrules]\nextends = ["groundrules:production"]\n'
    assert pyproject_text(existing) == (None, "left as is: [tool.groundrules] is already there")
    dotted = '[tool]\ngroundrules = { extends = ["groundrules:production"] }\n'
    assert pyproject_text(dotted)[0] is None


def test_init_keeps_crlf_line_endings(repo):
    (repo / "pyproject.toml").write_bytes(b'[project]\r\nname = "x"\r\n')
    (repo / ".pre-commit-config.yaml").write_bytes(USER_CONFIG.replace("\n", "\r\n").encode())
    assert run_init([], repo).returncode == 0
    for name in ("pyproject.toml", ".pre-commit-config.yaml"):
        data = (repo / name).read_bytes()
        assert b"groundrules" in data and b"\n" not in data.replace(b"\r\n", b""), name
    _validate(repo)


def test_init_refuses_broken_files_and_writes_nothing(repo):
    (repo / "pyproject.toml").write_text("[project\nname = 1\n", encoding="utf-8")
    (repo / ".pre-commit-config.yaml").write_text("repos: [unclosed\n", encoding="utf-8")
    proc = run_init([], repo)
    assert proc.returncode == 2
    errors = proc.stderr.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith("groundrules: ") and "pyproject.toml: is not valid TOML" in errors[0]
    assert ".pre-commit-config.yaml: is not valid YAML" in errors[1]
    assert (repo / "pyproject.toml").read_text(encoding="utf-8") == "[project\nname = 1\n"
    assert sorted(p.name for p in repo.iterdir()) == [".git", ".pre-commit-config.yaml", "pyproject.toml"]


def test_init_refuses_a_flow_style_repos_list_it_cannot_extend(repo):
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    proc = run_init([], repo)
    assert proc.returncode == 2
    assert "by hand" in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8") == "repos: []\n"
    assert not (repo / "pyproject.toml").exists()  # all or nothing: the other file is not set up either


def test_init_with_a_broken_pyproject_creates_no_pre_commit_config(repo):
    broken = '[project]\nname="x"\nname="y"\n'  # a duplicate key: not valid TOML
    (repo / "pyproject.toml").write_text(broken, encoding="utf-8")
    proc = run_init([], repo)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "pyproject.toml: is not valid TOML" in proc.stderr
    assert "nothing written" in proc.stderr and proc.stdout == ""
    assert (repo / "pyproject.toml").read_text(encoding="utf-8") == broken
    assert sorted(p.name for p in repo.iterdir()) == [".git", "pyproject.toml"]


def test_init_outside_a_git_repository_warns(tmp_path):
    proc = run_init([], tmp_path)
    assert proc.returncode == 0, proc.stderr
    warning = proc.stderr.splitlines()
    assert len(warning) == 1 and warning[0].startswith(f"groundrules: {tmp_path}: warning: not a git repository")
    assert "git init" in warning[0] and "pre-commit install" in warning[0]
    assert (tmp_path / "pyproject.toml").is_file() and (tmp_path / ".pre-commit-config.yaml").is_file()


def test_init_in_a_git_repository_prints_no_warning(repo):
    proc = run_init([], repo)
    assert proc.returncode == 0 and proc.stderr == ""


DATA_ACCESS = '"""Reads the warehouse."""\nimport psycopg2\n\n\ndef connect(dsn: str) -> object:\n    """A connection."""\n    return psycopg2.connect(dsn)\n'


def test_init_detects_the_data_layer_so_gr301_stays_quiet_there(repo):
    package = repo / "src" / "churn"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "data_access.py").write_text(DATA_ACCESS, encoding="utf-8")
    (package / "io.py").write_text('"""Formats numbers, no client."""\n', encoding="utf-8")
    (package / "dal").mkdir()
    (package / "dal" / "__init__.py").write_text("import boto3\n", encoding="utf-8")
    (package / "train.py").write_text(DATA_ACCESS.replace("Reads the warehouse", "Trains"), encoding="utf-8")
    before = run_cli(["check", "--select", "GR301", "src"], repo)
    assert "src/churn/data_access.py:7:12: GR301" in before.stdout  # no configuration yet: the layer is flagged (at its connect call)
    proc = run_init(["--no-baseline"], repo)
    assert proc.returncode == 0, proc.stderr
    assert "data-access layer churn.dal.*, churn.data_access" in proc.stdout
    tool = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["groundrules"]
    assert tool["data-access"] == {"allowed-modules": ["churn.dal.*", "churn.data_access"]}
    after = run_cli(["check", "--select", "GR301", "src"], repo)
    assert "src/churn/train.py:7:12: GR301" in after.stdout and "data_access.py" not in after.stdout


def test_init_data_layer_flag_replaces_detection_and_extends_an_existing_table(repo):
    (repo / "pyproject.toml").write_text('[tool.groundrules]\nextends = ["groundrules:recommended"]\n', encoding="utf-8")
    proc = run_init(["--data-layer", "acme.warehouse", "--data-layer", "acme.lake.*", "--no-baseline"], repo)
    assert proc.returncode == 0, proc.stderr
    tool = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["groundrules"]
    assert tool == {"extends": ["groundrules:recommended"],
                    "data-access": {"allowed-modules": ["acme.warehouse", "acme.lake.*"]}}
    again = run_init(["--data-layer", "acme.warehouse", "--no-baseline"], repo)
    assert again.returncode == 0 and "left as is" in again.stdout


def test_init_with_a_published_repository_pins_it(repo):
    proc = run_init(["--repo", "https://git.acme.dev/tools/groundrules", "--rev", "v1.4.0", "--no-baseline"], repo)
    assert proc.returncode == 0, proc.stderr
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert config["repos"] == [{"repo": "https://git.acme.dev/tools/groundrules", "rev": "v1.4.0",
                                "hooks": [{"id": h} for h in HOOK_IDS]}]
    _validate(repo)
    alone = run_init(["--repo", "https://git.acme.dev/tools/groundrules"], repo)
    assert alone.returncode == 2 and "--repo and --rev go together" in alone.stderr


def test_init_warns_when_groundrules_is_not_on_path(repo):
    proc = run_init(["--no-baseline"], repo, path="/usr/bin:/bin")
    assert proc.returncode == 0
    assert "`groundrules` is not on PATH" in proc.stderr and "git commit" in proc.stderr


def test_init_baseline_records_findings_and_writes_the_key(repo):
    (repo / "legacy.py").write_text('"""Old code."""\nimport yaml\n\n\ndef load(text: str) -> object:\n'
                                    '    """Parse."""\n    return yaml.load(text)\n', encoding="utf-8")
    plain = run_init([], repo)  # not a terminal: no baseline, the documented default
    assert "baseline" not in tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["groundrules"]
    assert "groundrules init --baseline" in plain.stdout and not (repo / ".groundrules-baseline.json").exists()
    proc = run_init(["--baseline"], repo)
    assert proc.returncode == 0, proc.stderr
    tool = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["groundrules"]
    assert tool["baseline"] == ".groundrules-baseline.json"
    # GR206 (bandit's B506 merged into it) and whatever mypy says about yaml's stubs
    assert re.search(r"Recorded \d+ findings? \(1 file\) in \.groundrules-baseline\.json: check and the hooks",
                     proc.stdout), proc.stdout
    assert "pre-commit install" in proc.stdout.splitlines()[-3]
    assert run_cli(["check", "legacy.py"], repo).returncode == 0  # the key is honoured


def test_manifest_and_local_hooks_share_one_definition():
    manifest = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    local = {h["id"]: h for h in yaml.safe_load(pre_commit_text(None)[0] or "")["repos"][0]["hooks"]}
    assert [h["id"] for h in manifest] == [h.id for h in HOOKS]
    for published in manifest:
        written = local[published["id"]]
        for key in ("name", "entry", "types", "types_or", "require_serial", "pass_filenames"):
            assert published.get(key) == written.get(key), (published["id"], key)


def test_init_asks_for_a_baseline_on_a_terminal(repo):
    import os
    import pty

    (repo / "legacy.py").write_text('"""Old."""\nimport yaml\n\n\ndef load(text: str) -> object:\n'
                                    '    """Parse."""\n    return yaml.load(text)\n', encoding="utf-8")
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "groundrules", "init"], cwd=repo, stdin=slave, stdout=slave,
                            stderr=slave, env={"PATH": f"{BIN}:/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(repo)})
    os.close(slave)
    seen = b""
    while b"[y/N]" not in seen:
        seen += os.read(master, 1024)
    os.write(master, b"y\n")
    assert proc.wait(timeout=300) == 0
    try:
        while True:
            seen += os.read(master, 4096)
    except OSError:  # the terminal closed with the process
        pass
    os.close(master)
    assert b"Record today's findings as the baseline" in seen and b"Recorded" in seen
    tool = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["groundrules"]
    assert tool["baseline"] == ".groundrules-baseline.json" and (repo / ".groundrules-baseline.json").is_file()


def test_init_warns_about_an_entry_from_the_unpublished_repository(repo):
    old = ("repos:\n  - repo: https://github.com/groundrules/groundrules\n    rev: v0.1.0\n    hooks:\n"
           + "".join(f"      - id: {hook}\n" for hook in HOOK_IDS))
    (repo / ".pre-commit-config.yaml").write_text(old, encoding="utf-8")
    proc = run_init(["--no-baseline"], repo)
    assert proc.returncode == 0
    assert "publishes no release tags: delete that entry and run `groundrules init` again" in proc.stderr
    assert (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8") == old
