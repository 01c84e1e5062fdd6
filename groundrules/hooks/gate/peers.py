"""Which bandit tests report the same problem as one of our rules (from the rules' "Peers" in the
rule catalogue): on the same line, the problem is reported once, as our finding; and a bandit
finding is rated as its peer is (B105 is as much an error as GR201), whichever tool reports it."""

from __future__ import annotations

from typing import Callable, Dict, List, Mapping, Optional, Tuple

from groundrules.standards.schema import Severity

_GR_TO_BANDIT: Dict[str, Tuple[str, ...]] = {
    "GR112": ("B110", "B112"),
    "GR114": ("B108",),
    "GR119": ("B101",),
    "GR201": ("B105", "B106", "B107"),
    "GR202": ("B608",),
    "GR203": ("B301", "B403"),
    "GR204": ("B614",),
    "GR205": ("B615",),
    "GR206": ("B506",),
    "GR207": ("B102", "B307"),
    "GR208": ("B602", "B603", "B604", "B605", "B606", "B607"),
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


def peer_severity(test: str, rated: Callable[[str], Optional[Severity]]) -> Optional[Severity]:
    """The severity of bandit's ``test`` as its peers are rated for the file (the highest when it
    has two: B108 is GR114 and GR211); ``None`` when it has no peer or none is rated."""
    found = [severity for severity in (rated(rule) for rule in peers(test)) if severity is not None]
    return max(found) if found else None


def mapping_markdown(names: Mapping[str, str], severities: Mapping[str, Severity]) -> str:
    """The mapping as a Markdown table (README and docs), one row per bandit test."""
    rows: List[str] = ["| bandit test | groundrules peer | rated (default) |", "| --- | --- | --- |"]
    for test in bandit_tests():
        rules = peers(test)
        shown = ", ".join(f"{rule} `{names.get(rule, '')}`" for rule in rules)
        worst = max(severities[rule] for rule in rules)
        rows.append(f"| {test} | {shown} | {worst.label} |")
    return "\n".join(rows) + "\n"
