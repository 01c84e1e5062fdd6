"""Fixes: before/after pairs (NAME.in.py / NAME.out.py; a no-op case has only NAME.in.py), stability,
and files kept intact on disk.

A pair's input may start with header comments (kept in the output, as any comment is):
``# unsafe`` runs it with ``--unsafe-fixes``; ``# path: src/app.py`` checks it as that path;
``# options: {"security.default-timeout": 10}`` sets rule options (JSON, as in rule fixtures);
``# select: GR211`` selects only those codes (comma-separated), so an unsafe pair shows one fix.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from conftest import run_cli

from groundrules.codemods.framework import all_fixes, fix_source
from groundrules.rules.registry import all_rules, by_code, catalog
from groundrules.standards.model import Layer, resolve_layers
from groundrules.standards.schema import FixClass

FIXTURES = Path(__file__).parent / "fixtures" / "codemods"
PAIRS = sorted(FIXTURES.glob("*.in.py"))
STANDARDS = resolve_layers((Layer("t", select=("GR",)),), catalog())
ALL = frozenset({FixClass.SAFE, FixClass.UNSAFE})


def run_fix(text: str, allowed=ALL, path: str = "m.py", standards=STANDARDS) -> str:
    return fix_source(text, path, path, standards, all_rules(), allowed).text


def _header(text: str, key: str):
    match = re.search(rf"^# {key}: (.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def _pair_settings(text: str):
    """The path and standards a pair's headers ask for."""
    options = json.loads(_header(text, "options") or "{}")
    cat = catalog()
    parsed = tuple((key, cat.options[key].parse(value)) for key, value in options.items())
    select = tuple(c.strip() for c in (_header(text, "select") or "GR").split(","))
    standards = (
        resolve_layers((Layer("t", select=select, options=parsed),), cat) if parsed or select != ("GR",) else STANDARDS
    )
    return _header(text, "path") or "m.py", standards


@pytest.mark.parametrize("source", PAIRS, ids=lambda p: p.name[: -len(".in.py")])
def test_before_after_and_stable(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    out = source.with_name(source.name.replace(".in.py", ".out.py"))
    # A no-op case has no .out.py: the fix must leave the file exactly as it was.
    expected = out.read_text(encoding="utf-8") if out.exists() else text
    allowed = ALL if text.startswith("# unsafe") else frozenset({FixClass.SAFE})
    path, standards = _pair_settings(text)
    once = run_fix(text, allowed, path, standards)
    assert once == expected
    assert run_fix(once, allowed, path, standards) == once  # a second run changes nothing


def _changes(pair: Path) -> bool:
    out = pair.with_name(pair.name.replace(".in.py", ".out.py"))
    return out.exists() and pair.read_text(encoding="utf-8") != out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "source",
    [p for p in PAIRS if p.read_text(encoding="utf-8").startswith("# unsafe") and _changes(p)],
    ids=lambda p: p.name,
)
def test_unsafe_fixes_need_opt_in(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    from groundrules.rules.engine import check_source

    path, standards = _pair_settings(text)
    safe_only = run_fix(text, frozenset({FixClass.SAFE}), path, standards)
    left = check_source(safe_only.encode(), path, path, standards, all_rules()).findings
    expected = source.with_name(source.name.replace(".in.py", ".out.py")).read_text(encoding="utf-8")
    # Without --unsafe-fixes the policy rewrites are not made: their findings remain, or (a safe
    # rewrite with a policy extra, such as GR208's check=True) the output stops short of it.
    assert safe_only != expected
    assert any(f.fix is FixClass.UNSAFE for f in left) or not any(f.fix is FixClass.SAFE for f in left)


def test_every_fix_matches_a_rule_that_declares_it():
    fixed = {code for fix in all_fixes() for code in fix.codes}
    declared = {r.code for r in all_rules() if r.fix is not None}
    assert fixed == declared
    for fix in all_fixes():
        for code in fix.codes:
            rule = by_code()[code]
            # The rule's class is the strongest its sub-cases offer.
            assert rule.fix is not None


@pytest.mark.parametrize("rule", [r for r in all_rules() if r.fix is not None], ids=lambda r: r.code)
def test_fixed_bad_examples_are_quiet_and_parse(rule):
    from groundrules.rules.examples import run_example
    from groundrules.rules.framework import as_example

    for example in rule.bad:
        ex = as_example(example)
        out = run_fix(ex.source)
        assert run_fix(out) == out
        remaining = [f for f in run_example(rule, out) if f.fix is not None]
        assert not remaining, (ex.source, out)


def test_fix_command_keeps_encoding_bom_newlines_and_mode(tmp_path):
    # GR118's removal of an `if False:` block is a SAFE fix (docs/fix-audit.md).
    crlf = tmp_path / "crlf.py"
    crlf.write_bytes(b"LIMIT = 3\r\nif False:\r\n    LIMIT = 10\r\n")
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfname = 'caf\xc3\xa9'\nif False:\n    name = 'x'\n")
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\nif False:\n    name = 'x'\n")
    os.chmod(latin, 0o750)
    proc = run_cli(["fix", "."], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert crlf.read_bytes() == b"LIMIT = 3\r\n"
    assert bom.read_bytes() == b"\xef\xbb\xbfname = 'caf\xc3\xa9'\n"
    assert latin.read_bytes() == b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n"
    assert stat.S_IMODE(latin.stat().st_mode) == 0o750
    assert "crlf.py: fixed 1 (GR118 x1)" in proc.stdout
    # No temp files left (the result cache is not one).
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") and p.name != ".groundrules_cache"] == []
    again = run_cli(["fix", "."], tmp_path)
    assert again.returncode == 0 and "Nothing to fix." in again.stdout


def test_fix_diff_writes_nothing_and_unparsable_files_are_left(tmp_path):
    target = tmp_path / "m.py"
    original = b"LIMIT = 3\nif False:\n    LIMIT = 10\ntry:\n    x()\nexcept:\n    pass\n"
    target.write_bytes(original)
    (tmp_path / "broken.py").write_bytes(b"def f(:\n")
    proc = run_cli(["fix", "--diff"], tmp_path)
    assert proc.returncode == 1
    assert "-if False:" in proc.stdout
    assert "except Exception" not in proc.stdout  # unsafe, not asked for
    assert target.read_bytes() == original
    assert (tmp_path / "broken.py").read_bytes() == b"def f(:\n"
    unsafe = run_cli(["fix", "--unsafe-fixes", "--select", "GR111"], tmp_path)
    assert unsafe.returncode == 1
    assert b"except Exception:" in target.read_bytes() and b"if False:" in target.read_bytes()


def test_check_marks_fixable_findings_with_the_flag_needed(tmp_path):
    (tmp_path / "m.py").write_text("LIMIT = 3\nif False:\n    LIMIT = 10\ntry:\n    x()\nexcept:\n    raise\n",
                                   encoding="utf-8")
    out = run_cli(["check"], tmp_path).stdout
    assert "GR118 `if False:` never runs its body: delete the dead branch (version control keeps it) [*]" in out
    assert "[*unsafe]" in out and "--unsafe-fixes" in out


def test_whole_prototype_in_examples(tmp_path):
    import json
    import shutil

    from conftest import ROOT

    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    proto = tmp_path / "examples" / "churn" / "notebooks" / "churn_prototype.py"
    before = proto.read_text(encoding="utf-8")
    safe = run_cli(["fix", "examples/churn/notebooks/churn_prototype.py"], tmp_path)
    # Nothing in the prototype has a behaviour-preserving rewrite: its leftover `df.head()` is a
    # cell's output (GR105 is UNSAFE), its `except:` a policy (GR111).
    assert safe.returncode == 0 and "Nothing to fix." in safe.stdout, safe.stdout
    assert proto.read_text(encoding="utf-8") == before
    unsafe = run_cli(["fix", "--unsafe-fixes", "examples"], tmp_path)
    assert unsafe.returncode == 1, unsafe.stderr
    text = proto.read_text(encoding="utf-8")
    for expected in ("yaml.safe_load(", 'encoding="utf-8"', "timeout=20", "except Exception:"):
        assert expected in text, expected
    # Advice (GR405 `inplace=True`, GR415 `.values`) is off in an exported notebook: fixed when
    # asked for by code.
    assert "df = df.dropna()" not in text and ".to_numpy()" not in text
    advice = run_cli(["fix", "--unsafe-fixes", "--select", "GR405,GR415", "examples"], tmp_path)
    assert advice.returncode == 1, advice.stdout + advice.stderr
    text = proto.read_text(encoding="utf-8")
    assert "df = df.dropna()" in text and ".to_numpy()" in text
    compile(text, str(proto), "exec")
    again = run_cli(["fix", "--unsafe-fixes", "examples"], tmp_path)
    assert again.returncode == 0 and "Nothing to fix." in again.stdout
    doc = json.loads(run_cli(["check", "--format", "json", "examples"], tmp_path).stdout)
    assert not [f for f in doc["findings"] if f["fix"]]
    # What needs a human is still reported: the secret, the leakage.
    assert {"GR201", "GR410"} <= {f["code"] for f in doc["findings"]}
    assert 'df.loc[df["tenure"] < 0, "tenure"] = 0' in text  # GR403, under --unsafe-fixes


def test_fix_in_worker_processes_gives_what_one_process_gives(tmp_path):
    # Enough files for the worker pool (runner.PARALLEL_THRESHOLD); some fixable, some not.
    for i in range(45):
        body = "LIMIT = 3\nif False:\n    LIMIT = 10\n" if i % 3 else "x = 1\n"
        (tmp_path / f"m{i:02d}.py").write_text(body, encoding="utf-8")
    serial = run_cli(["fix", "--diff", "--jobs", "1", "."], tmp_path)
    parallel = run_cli(["fix", "--diff", "--jobs", "2", "."], tmp_path)
    assert serial.returncode == parallel.returncode == 1
    assert parallel.stdout == serial.stdout
    assert "Would fix 30 findings in 30 files." in parallel.stdout
    written = run_cli(["fix", "--jobs", "2", "."], tmp_path)
    assert written.returncode == 1
    assert (tmp_path / "m01.py").read_text(encoding="utf-8") == "LIMIT = 3\n"
    assert run_cli(["fix", "--jobs", "2", "."], tmp_path).returncode == 0


def test_a_fix_module_carries_its_rule_name():
    # `print_instead_of_logging` finds the rule (rules/coding/print_instead_of_logging.py) and its
    # fix (codemods/fixes/print_instead_of_logging.py); a rule with two fixes adds a suffix.
    for fix in all_fixes():
        module = fix.__module__.rsplit(".", 1)[1]
        for code in fix.codes:
            rule_module = by_code()[code].__module__.rsplit(".", 1)[1]
            assert module == rule_module or module.startswith(rule_module + "_"), (fix, rule_module)


@pytest.mark.parametrize("rule", [r for r in all_rules() if r.fix is not None], ids=lambda r: r.code)
def test_a_fixable_rule_states_its_tier_and_why(rule):
    safety = rule.fix_safety
    tier = "UNSAFE" if rule.fix is FixClass.UNSAFE else "SAFE"
    # The tier is named in the docs (POLICY/COND are kinds of UNSAFE), with a reason after it.
    assert tier in safety or (tier == "UNSAFE" and ("POLICY" in safety or "--unsafe-fixes" in safety)), safety
    assert len(safety.split()) > 15, safety
