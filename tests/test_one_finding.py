"""One problem, one finding: no two findings on one line for the same cause, and messages that
agree with each other, over a corpus of realistic notebook-ish files."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from groundrules.rules.engine import check_source
from groundrules.rules.framework import Finding
from groundrules.rules.overlaps import OVERLAPS, one_per_cause
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.loader import load_standards
from groundrules.standards.model import Layer

CORPUS = Path(__file__).parent / "fixtures" / "signal_corpus"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".py", ".ipynb"))
#: Every rule named by its code: the exploration context turns nothing off.
EVERY_CODE = (Layer("command line", select=tuple(r.code for r in all_rules())),)


def check(path: Path, overrides: Tuple[Layer, ...] = (), as_reported: bool = True) -> List[Finding]:
    standards = load_standards(None, catalog(), cwd=CORPUS).resolve(path, catalog(), overrides)
    return list(check_source(path.read_bytes(), path.name, path.name, standards, all_rules(),
                             as_reported=as_reported).findings)


def by_line(findings: List[Finding]) -> Dict[Tuple[object, ...], List[str]]:
    lines: Dict[Tuple[object, ...], List[str]] = defaultdict(list)
    for f in findings:
        lines[(f.cell, f.line)].append(f.code)
    return lines


def test_the_corpus_has_each_measured_pair() -> None:
    """The corpus holds every overlap the issue measured, or the tests below prove nothing."""
    raw = [f for path in FILES for f in check(path, EVERY_CODE, as_reported=False)]
    pairs = {(o.winner, o.loser) for o in OVERLAPS}
    seen = set()
    for path in FILES:
        for codes in by_line(check(path, EVERY_CODE, as_reported=False)).values():
            seen |= {(a, b) for a in codes for b in codes if (a, b) in pairs}
    for pair in [("GR214", "GR103"), ("GR112", "GR111"), ("GR401", "GR402"), ("GR307", "GR308"),
                 ("GR114", "GR307"), ("GR114", "GR308")]:
        assert pair in seen, pair
    assert raw


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_duplicate_cause_pairs_on_one_line(path: Path) -> None:
    for overrides in ((), EVERY_CODE):
        for where, codes in by_line(check(path, overrides)).items():
            for overlap in OVERLAPS:
                assert not (overlap.winner in codes and overlap.loser in codes), (path.name, where, codes)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_default_run_gives_one_finding_per_line(path: Path) -> None:
    for where, codes in by_line(check(path)).items():
        assert len(codes) == 1, (path.name, where, codes)


def test_the_winner_names_the_loser_and_takes_its_severity() -> None:
    # Every code selected: GR307/GR308 (advice) are off by default in an exported notebook.
    found = check(CORPUS / "kaggle_export.py", EVERY_CODE)
    read = next(f for f in found if f.code == "GR114" and "train.csv" in f.message)
    assert "also GR307:" in read.message and "also GR308:" in read.message
    bare = next(f for f in found if f.code == "GR112")
    assert "also GR111: bare `except:`" in bare.message
    # `!pip install`: the install finding only.
    on_install = [f.code for f in found if f.cell == 1 and f.line == 3]
    assert "GR214" in on_install and "GR103" not in on_install, on_install


def test_fixes_still_see_every_finding() -> None:
    raw = check(CORPUS / "kaggle_export.py", EVERY_CODE, as_reported=False)
    assert {"GR111", "GR112", "GR103", "GR214"} <= {f.code for f in raw}
    assert len(one_per_cause(raw)) < len(raw)


def test_numpy_messages_agree() -> None:
    """GR401 no longer says "seed the global stream" where GR402 says "do not use it", and GR402
    names the generator to create, not the assignment as a call to make."""
    found = check(CORPUS / "percent_cells.py", EVERY_CODE) + check(CORPUS / "kaggle_export.py", EVERY_CODE)
    unseeded = next(f for f in found if f.code == "GR401" and "numpy.random.rand()" in f.message)
    assert "np.random.seed" not in unseeded.message
    assert "np.random.default_rng(SEED)" in unseeded.message and "rng.random((d0, d1, ...))" in unseeded.message
    seeded = next(f for f in found if f.code == "GR402" and "np.random.seed()" in f.message)
    assert "call `rng = " not in seeded.message and "draw from `rng`" in seeded.message


def test_gr313_once_per_notebook() -> None:
    found = [f for f in check(CORPUS / "eda.ipynb") if f.code == "GR313"]
    assert len(found) == 1 and found[0].cell == 2 and "(first: cell 2)" in found[0].message


def test_advice_about_a_file_wide_habit_is_one_finding() -> None:
    found = [f for f in check(CORPUS / "kaggle_export.py", EVERY_CODE) if f.code == "GR402"]
    assert len(found) == 1 and found[0].message.endswith("(2 more like it in this file)")
    # The fix still sees each call.
    raw = [f for f in check(CORPUS / "kaggle_export.py", EVERY_CODE, as_reported=False) if f.code == "GR402"]
    assert len(raw) == 3


def test_an_unseeded_stream_is_one_finding_per_file(tmp_path: Path) -> None:
    """Forty draws from an unseeded `np.random` are one problem (no seeded generator): one
    finding at the first draw, counting the rest; another stream is another problem."""
    source = tmp_path / "draws.py"
    source.write_text(
        "import random\n\nimport numpy as np\n\n\ndef main() -> None:\n"
        "    a = np.random.rand(3)\n    b = np.random.normal(size=3)\n    c = np.random.randint(5)\n"
        "    d = random.random()\n    print(a, b, c, d)\n",
        encoding="utf-8",
    )
    found = [f for f in check(source) if f.code == "GR401"]
    assert [f.line for f in found] == [7, 10], found
    assert "(2 more unseeded draws in this file)" in found[0].message
    assert "more unseeded" not in found[1].message
