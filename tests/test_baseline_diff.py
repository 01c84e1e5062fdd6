"""The CI gate: ``groundrules baseline``, ``check --baseline`` and ``check --diff``, with real git."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Dict, List

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
