"""Running a rule's declared examples: the same code serves the tests and ``explain``."""

from __future__ import annotations

from typing import Any, Dict, List, Type

from groundrules.rules.engine import check_source
from groundrules.rules.framework import ExampleLike, Finding, Rule, as_example
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.model import BannedApi, Layer, resolve_layers
from groundrules.standards.schema import Category


def run_example(rule: Type[Rule], example: ExampleLike) -> List[Finding]:
    """The findings of ``rule`` on ``example``, at default options but those it sets.

    Only ``rule`` runs, except for the diagnostics that judge other rules' findings (GR902,
    GR903), which run with every rule.  Besides rule options, an example may set the top-level
    ``reason-required`` and ``banned-api`` keys.
    """
    ex = as_example(example)
    cat = catalog()
    settings: Dict[str, Any] = dict(ex.options)
    reason_required = tuple(settings.pop("reason-required", ()))
    banned = tuple(
        BannedApi(b["code"], b["name"], b["message"], tuple(b.get("allowed-in", ())))
        for b in settings.pop("banned-api", ())
    )
    options = tuple((key, cat.options[key].parse(value)) for key, value in settings.items())
    judge_all = rule.category is Category.DIAGNOSTICS
    layer = Layer(
        "example",
        select=("GR",) if judge_all else (rule.code,) + tuple(b.code for b in banned),
        options=options,
        reason_required=reason_required,
        banned_api=banned,
    )
    standards = resolve_layers((layer,), cat)
    # Examples are text; a lone surrogate stands for a raw, undecodable byte.
    data = ex.source.encode("utf-8", "surrogateescape")
    module = ex.path[:-3].replace("/", ".") if ex.path.endswith(".py") else None
    rules = all_rules() if judge_all else (rule,)
    # Lines of the file, also in scripts exported from notebooks (which report by cell).
    result = check_source(data, ex.path, ex.path, standards, rules, module=module, as_reported=False)
    if rule.carries_team_rules:
        return [f for f in result.findings if f.code in {b.code for b in banned}]
    return [f for f in result.findings if f.code == rule.code]
