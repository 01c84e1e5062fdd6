"""Fixing a notebook is linear in its cells (#14): LibCST parses the joined cells once, however
many cells and passes there are, and not at all when no finding has an allowed fix.  Counted,
not timed: the real ``libcst.parse_module`` is wrapped to count its calls (it still parses).
benchmarks/notebook_fix_scaling.py prints the times."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any, Dict, Iterator, List

import libcst
import pytest

from groundrules.codemods.framework import fix_source
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.loader import load_standards
from groundrules.standards.model import Layer
from groundrules.standards.schema import FixClass

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "notebook_fix_scaling.py"
UNSAFE = frozenset({FixClass.SAFE, FixClass.UNSAFE})


def _benchmark() -> Any:
    spec = importlib.util.spec_from_file_location("notebook_fix_scaling", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[List[int]]:
    calls = [0]
    real = libcst.parse_module

    def counting(*args: Any, **kwargs: Any) -> libcst.Module:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(libcst, "parse_module", counting)
    yield calls


#: The exploration rules are off in notebooks unless asked for by code, as `fix --select` does.
ASKED = (Layer("test", select=("GR", "GR101", "GR103", "GR105", "GR120", "GR121")),)


def fix(tmp_path: Path, nb: Dict[str, Any], allowed: frozenset = UNSAFE) -> Any:  # type: ignore[type-arg]
    path = tmp_path / "big.ipynb"
    text = json.dumps(nb, indent=1)
    path.write_text(text, encoding="utf-8")
    standards = load_standards(None, catalog(), tmp_path).resolve(path, catalog(), ASKED)
    return fix_source(text, str(path), "big.ipynb", standards, all_rules(), allowed)


def test_one_libcst_parse_per_notebook_whatever_its_size(tmp_path, parses):
    build = _benchmark().build
    counts = []
    for cells in (20, 300):
        parses[0] = 0
        outcome = fix(tmp_path, build(cells))
        # Work in every stretch: prints, displays, magics, encodings; two passes (GR120 shows
        # up once GR103 removed the magics above the imports).
        assert {"GR101", "GR103", "GR105", "GR121"} <= set(outcome.fixed)
        assert outcome.fixed.count("GR101") >= cells // 10
        counts.append(parses[0])
    assert counts == [1, 1]


def test_no_libcst_parse_without_a_fixable_python_finding(tmp_path, parses):
    nb = {"cells": [{"cell_type": "code", "execution_count": 3, "metadata": {},
                     "outputs": [{"name": "stdout", "output_type": "stream", "text": ["4\n"]}],
                     "source": ["import logging\n", "logging.info('%s', 2 + 2)\n"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    outcome = fix(tmp_path, nb)
    assert outcome.fixed == ("GR313",)  # outputs stripped, no Python fix
    assert parses[0] == 0
    # A notebook with a print has an UNSAFE fix only: the safe run does not parse it either.
    nb["cells"][0]["source"] = ["print(2 + 2)\n"]
    outcome = fix(tmp_path, nb, frozenset({FixClass.SAFE}))
    assert "GR101" not in outcome.fixed and parses[0] == 0
