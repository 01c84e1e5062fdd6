"""Which bandit tests report the same problem as one of our rules (from the rules' "Peers" in the
rule catalogue): on the same line, the problem is reported once, as our finding."""

from __future__ import annotations

from typing import Dict, Tuple

_GR_TO_BANDIT: Dict[str, Tuple[str, ...]] = {
    "GR112": ("B110", "B112"),
    "GR114": ("B108",),
    "GR119": ("B101",),
    "GR201": ("B105", "B106", "B107"),
    "GR202": ("B608",),
    # B403 (`import pickle`), B603 (any `subprocess` call without a shell) and B607 (a program
    # found on PATH) report what no rule reports, by design: the gate keeps them as bandit's.
    "GR203": ("B301",),
    "GR204": ("B614",),
    "GR205": ("B615",),
    "GR206": ("B506",),
    "GR207": ("B102", "B307"),
    "GR208": ("B602", "B604", "B605", "B606"),
    "GR209": ("B113",),
    "GR210": ("B323", "B501"),
    "GR211": ("B108", "B306"),
    "GR212": ("B202",),
    "GR213": ("B303", "B324"),
    "GR216": ("B310", "B312", "B321"),
    "GR304": ("B106",),
}




def peers(test: str) -> Tuple[str, ...]:
    """The rules that report what bandit's ``test`` reports (B108: GR114 and GR211)."""
    return tuple(rule for rule, tests in _GR_TO_BANDIT.items() if test in tests)


def bandit_tests() -> Tuple[str, ...]:
    """Every bandit test that has a peer among the rules."""
    return tuple(sorted({test for tests in _GR_TO_BANDIT.values() for test in tests}))
