"""The CI gate: ``groundrules baseline``, ``check --baseline`` and ``check --diff``, with real git."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Dict, List, Optional

from conftest import run_cli

YAML_LOAD = "    return yaml.load(open(path, encoding='utf-8'))\n"
SRC = "import yaml\n\n\ndef load(path):\n" + YAML_LOAD
SECRET = "sk_live_do_not_store_me"


def git(repo: Path, *args: str) -> str:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(repo), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return proc.stdout


def repo_with(tmp_path: Path, files: Dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for name, text in files.items():
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "start")
    return repo


def findings(repo: Path, *args: str) -> List[Dict[str, object]]:
    proc = run_cli(["check", "--format", "json", "--select", "GR206", *args], repo)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


def test_baseline_is_byte_identical_sorted_and_stores_no_source(tmp_path):
    src = f"import yaml\nTOKEN = '{SECRET}'\n\nclass A:\n    def f(self, p):\n" + YAML_LOAD.replace("    ", "        ")
    repo = repo_with(tmp_path, {"b.py": SRC, "a.py": src})
    assert run_cli(["baseline"], repo).returncode == 0
    first = (repo / ".groundrules-baseline.json").read_bytes()
    assert run_cli(["baseline"], repo).returncode == 0
    assert (repo / ".groundrules-baseline.json").read_bytes() == first
    assert first.endswith(b"}\n") and SECRET.encode() not in first and b"yaml.load" not in first
    entries = json.loads(first)["entries"]
    assert entries == sorted(entries, key=lambda e: (e["code"], e["path"], e["scope"], e["line_hash"]))
    assert {"code": "GR206", "path": "a.py", "scope": "A.f"}.items() <= next(
        e for e in entries if e["code"] == "GR206" and e["path"] == "a.py").items()
    assert not list(repo.glob(".*.tmp"))


def test_check_baseline_quiet_then_second_identical_finding_is_new(tmp_path):
    repo = repo_with(tmp_path, {"mod.py": SRC})
    assert run_cli(["baseline"], repo).returncode == 0
    quiet = run_cli(["check", "--baseline", ".groundrules-baseline.json"], repo)
    assert quiet.returncode == 0 and "All checks passed" in quiet.stdout, quiet.stdout
    (repo / "mod.py").write_text(SRC + YAML_LOAD, encoding="utf-8")
    new = findings(repo, "--baseline", ".groundrules-baseline.json")
    assert [(f["code"], f["line"]) for f in new] == [("GR206", 6)]
    proc = run_cli(["check", "--baseline", ".groundrules-baseline.json"], repo)
    assert proc.returncode == 1 and "mod.py:6:12: GR206" in proc.stdout


def test_line_shift_hides_nothing_and_creates_nothing(tmp_path):
    repo = repo_with(tmp_path, {"mod.py": SRC})
    run_cli(["baseline", "--select", "GR206"], repo)
    shifted = "import yaml\nimport os\n\n\n# moved down\ndef load(path):\n    os.getcwd()\n" + YAML_LOAD
    (repo / "mod.py").write_text(shifted, encoding="utf-8")
    assert findings(repo, "--baseline", ".groundrules-baseline.json") == []
    proc = run_cli(["check", "--baseline", ".groundrules-baseline.json", "--select", "GR206"], repo)
    assert "stale" not in proc.stderr
    # The same line in another function is a different finding: the shift hides nothing.
    moved = shifted + "\n\ndef other(path):\n" + YAML_LOAD
    (repo / "mod.py").write_text(moved, encoding="utf-8")
    assert [f["line"] for f in findings(repo, "--baseline", ".groundrules-baseline.json")] == [12]


def test_stale_hint_and_update_removes_only_stale_adds_only_when_asked(tmp_path):
    two = SRC + "\n\ndef other(path):\n" + YAML_LOAD
    repo = repo_with(tmp_path, {"mod.py": two})
    run_cli(["baseline", "--select", "GR206"], repo)
    assert len(json.loads((repo / ".groundrules-baseline.json").read_text())["entries"]) == 2
    # Fix one finding, add a new one elsewhere.
    (repo / "mod.py").write_text(SRC + "\n\ndef third(path):\n" + YAML_LOAD, encoding="utf-8")
    proc = run_cli(["check", "--select", "GR206", "--baseline", ".groundrules-baseline.json"], repo)
    assert proc.returncode == 1
    hints = [line for line in proc.stderr.splitlines() if "stale" in line]
    assert hints == ["groundrules: baseline .groundrules-baseline.json has 1 stale entry; "
                     "`groundrules baseline --update` removes them"]
    assert run_cli(["baseline", "--update", "--select", "GR206"], repo).returncode == 0
    entries = json.loads((repo / ".groundrules-baseline.json").read_text())["entries"]
    assert [e["scope"] for e in entries] == ["load"]  # stale "other" gone, new "third" not added
    assert run_cli(["baseline", "--update", "--add-new", "--select", "GR206"], repo).returncode == 0
    entries = json.loads((repo / ".groundrules-baseline.json").read_text())["entries"]
    assert sorted(e["scope"] for e in entries) == ["load", "third"]
    assert run_cli(["check", "--baseline", ".groundrules-baseline.json"], repo).returncode == 0
    assert run_cli(["baseline", "--add-new"], repo).returncode == 2


def test_missing_or_invalid_baseline_is_a_one_line_error(tmp_path):
    repo = repo_with(tmp_path, {"mod.py": SRC})
    missing = run_cli(["check", "--baseline", "nope.json"], repo)
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.startswith("groundrules: nope.json: ") and missing.stderr.count("\n") == 1
    (repo / "bad.json").write_text("{not json", encoding="utf-8")
    bad = run_cli(["check", "--baseline", "bad.json"], repo)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "bad.json" in bad.stderr
    (repo / "bad.json").write_text('{"version": 1, "entries": [{"code": "GR206"}]}', encoding="utf-8")
    assert run_cli(["check", "--baseline", "bad.json"], repo).returncode == 2
    update = run_cli(["baseline", "--update", "--output", "absent.json"], repo)
    assert update.returncode == 2 and not (repo / "absent.json").exists()


def test_diff_keeps_changed_and_untracked_lines_since_merge_base(tmp_path):
    repo = repo_with(tmp_path, {"old.py": SRC, "same.py": SRC})
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "old.py").write_text(SRC + "\n\ndef committed(path):\n" + YAML_LOAD, encoding="utf-8")
    git(repo, "commit", "-qam", "feature work")
    # Main moves on after the branch point: its changes are not this branch's.
    git(repo, "checkout", "-q", "main")
    (repo / "main_only.py").write_text(SRC, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "main work")
    git(repo, "checkout", "-q", "feature")
    with (repo / "old.py").open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef uncommitted(path):\n" + YAML_LOAD)
    (repo / "untracked.py").write_text(SRC, encoding="utf-8")
    (repo / ".gitignore").write_text("ignored.py\n", encoding="utf-8")
    (repo / "ignored.py").write_text(SRC, encoding="utf-8")
    kept = {(f["path"], f["line"]) for f in findings(repo, "--diff", "main", ".", "ignored.py")}
    assert kept == {("old.py", 9), ("old.py", 13), ("untracked.py", 5)}
    # Exit code after filtering: nothing changed on the findings' lines -> clean.
    (repo / "untracked.py").unlink()
    git(repo, "checkout", "-q", "--", "old.py")
    git(repo, "reset", "-q", "--hard", "main")
    proc = run_cli(["check", "--diff", "main"], repo)
    assert proc.returncode == 0, proc.stdout
    assert run_cli(["check"], repo).returncode == 1


def test_diff_rename_keeps_only_edited_lines_and_runs_from_a_subdirectory(tmp_path):
    repo = repo_with(tmp_path, {"pkg_a.py": SRC})
    (repo / "sub").mkdir()
    git(repo, "mv", "pkg_a.py", "sub/moved.py")
    with (repo / "sub" / "moved.py").open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef edited(path):\n" + YAML_LOAD)
    kept = findings(repo / "sub", "--diff", "HEAD")
    assert [(f["path"], f["line"]) for f in kept] == [("moved.py", 9)]


def test_diff_errors_outside_git_and_with_a_bad_ref(tmp_path):
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "mod.py").write_text(SRC, encoding="utf-8")
    proc = run_cli(["check", "--diff", "main"], outside)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "groundrules: --diff needs a git repository; this is not one\n"
    repo = repo_with(tmp_path, {"mod.py": SRC})
    bad = run_cli(["check", "--diff", "no-such-branch"], repo)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "no-such-branch" in bad.stderr


def test_baseline_and_diff_together_and_exit_code_after_filtering(tmp_path):
    repo = repo_with(tmp_path, {"mod.py": SRC})
    run_cli(["baseline"], repo)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "baseline")
    assert run_cli(["check"], repo).returncode == 1
    assert run_cli(["check", "--baseline", ".groundrules-baseline.json", "--diff", "HEAD"], repo).returncode == 0
    (repo / "mod.py").write_text(SRC + YAML_LOAD, encoding="utf-8")
    proc = run_cli(["check", "--baseline", ".groundrules-baseline.json", "--diff", "HEAD",
                    "--format", "json"], repo)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert [(f["code"], f["line"]) for f in doc["findings"]] == [("GR206", 6)]
    assert doc["summary"]["failing"] == 1


def test_with_diff_the_surplus_finding_is_the_one_on_a_changed_line(tmp_path):
    # A second identical finding (same code, scope and normalised line) inserted ABOVE the
    # baselined one: the new one is the changed line, not the old one that git shows unchanged.
    repo = repo_with(tmp_path, {"mod.py": SRC})
    run_cli(["baseline"], repo)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "baseline")
    same_normalised = YAML_LOAD.replace("(path, ", "(path,  ")
    (repo / "mod.py").write_text(SRC.replace(YAML_LOAD, same_normalised + YAML_LOAD), encoding="utf-8")
    got = findings(repo, "--baseline", ".groundrules-baseline.json", "--diff", "HEAD")
    assert [f["line"] for f in got] == [5]
    # Without --diff the baseline alone still reports exactly one of the two.
    assert len(findings(repo, "--baseline", ".groundrules-baseline.json")) == 1


# -- notebooks, tools that did not run, --output in a new directory ---------------------------------

def notebook(*cells: Dict[str, object]) -> str:
    """nbformat's layout: one source line per JSON string, indent 1."""
    doc = {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def code(source: str, cell_id: Optional[str] = None, count: Optional[int] = None,
         outputs: Optional[List[object]] = None) -> Dict[str, object]:
    cell: Dict[str, object] = {"cell_type": "code", "execution_count": count, "metadata": {},
                               "outputs": outputs or [], "source": source.splitlines(keepends=True)}
    if cell_id is not None:
        cell["id"] = cell_id
    return cell


def markdown(source: str, cell_id: Optional[str] = None) -> Dict[str, object]:
    cell: Dict[str, object] = {"cell_type": "markdown", "metadata": {}, "source": source.splitlines(keepends=True)}
    if cell_id is not None:
        cell["id"] = cell_id
    return cell


NB_LOAD = "def f(path):\n" + YAML_LOAD + "\n\ndef g(path):\n    return path\n"


def test_notebook_baseline_keys_by_scope_and_line_and_survive_an_inserted_cell(tmp_path):
    repo = repo_with(tmp_path, {"nb.ipynb": notebook(code("import yaml\n"), code(NB_LOAD))})
    assert run_cli(["baseline", "--select", "GR206"], repo).returncode == 0
    [entry] = json.loads((repo / ".groundrules-baseline.json").read_text())["entries"]
    assert entry["scope"] == "f" and "cell" not in entry
    assert entry["line_hash"] == hashlib.sha256(YAML_LOAD.strip().encode()).hexdigest()[:16]
    # A markdown cell above renumbers every cell: nothing new, nothing stale.
    (repo / "nb.ipynb").write_text(notebook(markdown("# Title\n"), code("import yaml\n"), code(NB_LOAD)),
                                   encoding="utf-8")
    proc = run_cli(["check", "--select", "GR206", "--baseline", ".groundrules-baseline.json"], repo)
    assert proc.returncode == 0 and "stale" not in proc.stderr, proc.stdout + proc.stderr
    # Fixed in f, the same line added in g of the same cell: new, and f's entry is stale.
    moved = "def f(path):\n    return path\n\n\ndef g(path):\n" + YAML_LOAD
    (repo / "nb.ipynb").write_text(notebook(markdown("# Title\n"), code("import yaml\n"), code(moved)),
                                   encoding="utf-8")
    proc = run_cli(["check", "--select", "GR206", "--baseline", ".groundrules-baseline.json"], repo)
    assert proc.returncode == 1 and "nb.ipynb:cell 3:6:12: GR206" in proc.stdout, proc.stdout
    assert "1 stale entry" in proc.stderr


def test_diff_in_a_notebook_keeps_only_the_lines_its_cells_gained(tmp_path):
    old = notebook(markdown("# Load\n", "m1"), code("import yaml\n", "c1"), code(NB_LOAD, "c2"),
                   code("def h(path):\n" + YAML_LOAD, "c3"))
    repo = repo_with(tmp_path, {"nb.ipynb": old, "plain.ipynb": notebook(code("import yaml\n" + NB_LOAD))})
    # Re-run (counts, outputs) of c2, a line added to c3, a new cell, a markdown cell on top; and
    # a notebook without cell ids: a markdown cell inserted, one line added to its code.
    ran = code(NB_LOAD, "c2", count=7, outputs=[{"output_type": "stream", "name": "stdout", "text": ["x\n"]}])
    new = notebook(markdown("# New\n", "m0"), markdown("# Load\n", "m1"), code("import yaml\n", "c1"), ran,
                   code("def h(path):\n" + YAML_LOAD + YAML_LOAD, "c3"), code("def k(path):\n" + YAML_LOAD, "c4"))
    (repo / "nb.ipynb").write_text(new, encoding="utf-8")
    plain = notebook(markdown("# Top\n"), code("import yaml\n" + NB_LOAD + "\n\ndef added(path):\n" + YAML_LOAD))
    (repo / "plain.ipynb").write_text(plain, encoding="utf-8")
    everything = {(f["path"], f["cell"], f["line"]) for f in findings(repo)}
    assert ("nb.ipynb", 4, 2) in everything and ("plain.ipynb", 2, 3) in everything
    kept = {(f["path"], f["cell"], f["line"]) for f in findings(repo, "--diff", "HEAD")}
    assert kept == {("nb.ipynb", 5, 3), ("nb.ipynb", 6, 2), ("plain.ipynb", 2, 11)}


def test_update_without_with_keeps_the_entries_of_tools_that_did_not_run(tmp_path):
    src = SRC + "\n\ndef pick():\n    return random.random()\n"
    repo = repo_with(tmp_path, {"mod.py": "import random\n" + src})
    assert run_cli(["baseline", "--with", "bandit"], repo).returncode == 0
    first = (repo / ".groundrules-baseline.json").read_text()
    codes = {e["code"] for e in json.loads(first)["entries"]}
    assert {"B311", "GR206"} <= codes
    check = run_cli(["check", "--baseline", ".groundrules-baseline.json"], repo)
    assert check.returncode == 0 and "stale" not in check.stderr, check.stderr
    # Neither bandit's entries (bandit did not run) nor the unselected codes' are stale.
    assert run_cli(["baseline", "--update"], repo).returncode == 0
    assert run_cli(["baseline", "--update", "--select", "GR206"], repo).returncode == 0
    assert (repo / ".groundrules-baseline.json").read_text() == first
    # When bandit runs and no longer reports it, its entry is stale and goes.
    (repo / "mod.py").write_text("import random\n" + src.replace("random.random()", "4"), encoding="utf-8")
    assert "1 stale entry" in run_cli(["check", "--with", "bandit", "--baseline",
                                       ".groundrules-baseline.json"], repo).stderr
    assert run_cli(["baseline", "--update", "--with", "bandit"], repo).returncode == 0
    codes = {e["code"] for e in json.loads((repo / ".groundrules-baseline.json").read_text())["entries"]}
    assert "B311" not in codes and "GR206" in codes


def test_baseline_output_creates_its_directory(tmp_path):
    repo = repo_with(tmp_path, {"mod.py": SRC})
    proc = run_cli(["baseline", "--output", "ci/gate/baseline.json"], repo)
    assert proc.returncode == 0, proc.stderr
    assert run_cli(["check", "--baseline", "ci/gate/baseline.json"], repo).returncode == 0
    assert os.listdir(repo / "ci" / "gate") == ["baseline.json"]
