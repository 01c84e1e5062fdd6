"""Generated programs (hypothesmith) through check, ``fix --unsafe-fixes`` and ``handoff`` on
notebooks built from them: no crash (no GR900, no exception), every output
parses, a second run changes nothing.

In process, not a subprocess per program, so CI can afford many: ``GROUNDRULES_FUZZ_EXAMPLES``
sets how many (100 here by default; ``.ci/run`` runs 1,000).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
from pathlib import Path
from typing import List

import hypothesmith
from hypothesis import HealthCheck, given, settings

from groundrules.codemods.framework import fix_source
from groundrules.hooks.cli import main
from groundrules.rules.engine import check_source
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.loader import load_standards
from groundrules.standards.model import Layer
from groundrules.standards.schema import FixClass

EXAMPLES = int(os.environ.get("GROUNDRULES_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis directory left in the checkout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
ALLOWED = frozenset({FixClass.SAFE, FixClass.UNSAFE})
#: Under scripts/: an entry point, so GR102's fix (moving code under a main guard) is tried too.
PATH = "scripts/fuzzed.py"


def _standards(path: str):
    standards = load_standards(None, catalog(), Path.cwd())
    everything = (Layer("fuzz", select=tuple(r.code for r in all_rules())),)
    return standards.resolve(Path(path), catalog(), everything)


PY = _standards(PATH)
NB = _standards("notebooks/fuzzed.ipynb")


def _crashes(findings) -> List[str]:
    return [f"{f.code} {f.message}" for f in findings if f.code == "GR900"]


def _notebook(source: str) -> str:
    """The program as a notebook: a markdown cell, then one code cell per blank-line block."""
    blocks = [b for b in source.split("\n\n") if b.strip()] or [source]
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# fuzzed\n"]}]
    cells += [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": block.splitlines(keepends=True)}
        for block in blocks
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def check_and_fix(source: str) -> None:
    findings = check_source(source.encode("utf-8", "surrogatepass"), PATH, PATH, PY, all_rules(), "scripts.fuzzed")
    assert not _crashes(findings.findings)
    fixed = fix_source(source, PATH, PATH, PY, all_rules(), ALLOWED, "scripts.fuzzed")
    if fixed.text != source:
        ast.parse(fixed.text)  # the output parses
        after = check_source(fixed.text.encode("utf-8", "surrogatepass"), PATH, PATH, PY, all_rules(), "scripts.fuzzed")
        assert not _crashes(after.findings)
    again = fix_source(fixed.text, PATH, PATH, PY, all_rules(), ALLOWED, "scripts.fuzzed")
    assert again.text == fixed.text, "a second fix changed the file"


def check_and_fix_notebook(source: str) -> None:
    text = _notebook(source)
    path = "notebooks/fuzzed.ipynb"
    findings = check_source(text.encode("utf-8", "surrogatepass"), path, path, NB, all_rules())
    assert not _crashes(findings.findings)
    fixed = fix_source(text, path, path, NB, all_rules(), ALLOWED)
    json.loads(fixed.text)  # the output is a notebook still
    again = fix_source(fixed.text, path, path, NB, all_rules(), ALLOWED)
    assert again.text == fixed.text, "a second fix changed the notebook"


def handoff(source: str, tmp: Path) -> None:
    """Handoff twice from the same notebook: no crash, the module parses, byte-identical output."""
    src = tmp / "fuzzed.ipynb"
    src.write_text(_notebook(source), encoding="utf-8")
    outputs = []
    for run in ("first", "second"):  # same file name, so the module's header names the same report
        dest = tmp / run / "module.py"
        dest.parent.mkdir()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
            code = main(["handoff", str(src), "--to", str(dest), "--force"])
        assert code in (0, 1), err.getvalue()
        outputs.append(dest.read_text(encoding="utf-8"))
    ast.parse(outputs[0])
    assert outputs[0] == outputs[1], "handoff is not deterministic"


@FUZZ
@given(source=hypothesmith.from_grammar())
def test_generated_programs_check_and_fix_without_crash_and_stably(source):
    check_and_fix(source)


@settings(FUZZ, max_examples=max(5, EXAMPLES // 10))  # LibCST-built trees: ten times slower
@given(source=hypothesmith.from_node())
def test_generated_syntax_trees_check_and_fix_without_crash_and_stably(source):
    check_and_fix(source)


@settings(FUZZ, max_examples=max(10, EXAMPLES // 5))
@given(source=hypothesmith.from_grammar())
def test_notebooks_built_from_generated_programs_check_and_fix_stably(source):
    check_and_fix_notebook(source)


@settings(FUZZ, max_examples=max(10, EXAMPLES // 10))
@given(source=hypothesmith.from_grammar())
def test_handoff_of_notebooks_built_from_generated_programs(source, tmp_path_factory):
    handoff(source, tmp_path_factory.mktemp("handoff"))


@settings(FUZZ, max_examples=max(25, EXAMPLES // 4))  # cheap per example; generation dominates
@given(source=hypothesmith.from_grammar())
def test_commented_code_prose_filter_never_rejects_a_program(source):
    """GR117 skips the parse of comment text it can prove is prose (two adjacent names): a
    program that parses must never be called prose, or commented-out code would go unreported."""
    from groundrules.rules.coding.commented_out_code import _cannot_parse

    assert not _cannot_parse(source)


@settings(FUZZ, max_examples=max(25, EXAMPLES // 4))
@given(source=hypothesmith.from_grammar())
def test_commented_code_mark_filter_never_rejects_code(source):
    """GR117 skips the parse of comment text with no `=`, `(` nor statement keyword: a program
    with any statement the rule counts as code must always carry one of those marks."""
    from groundrules.rules.coding.commented_out_code import _CODE_MARK, _looks_like_code

    tree = ast.parse(source)
    if any(_looks_like_code(stmt, source) for stmt in tree.body):
        assert _CODE_MARK.search(source)
