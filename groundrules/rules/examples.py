"""Running a rule's declared examples: the same code serves the tests and ``explain``."""

from __future__ import annotations

from typing import List, Type

from groundrules.rules.engine import check_source
from groundrules.rules.framework import ExampleLike, Finding, Rule, as_example
from groundrules.rules.registry import catalog
from groundrules.standards.model import Layer, resolve_layers


def run_example(rule: Type[Rule], example: ExampleLike) -> List[Finding]:
    """The findings of ``rule`` alone on ``example``, at default options but those it sets."""
    ex = as_example(example)
    cat = catalog()
    options = tuple((key, cat.options[key].parse(value)) for key, value in ex.options.items())
    layers = (Layer("example", select=(rule.code,), options=options),)
    standards = resolve_layers(layers, cat)
    # Examples are text; a lone surrogate stands for a raw, undecodable byte.
    data = ex.source.encode("utf-8", "surrogateescape")
    module = ex.path[:-3].replace("/", ".") if ex.path.endswith(".py") else None
    result = check_source(data, ex.path, ex.path, standards, [rule], module=module)
    return [f for f in result.findings if f.code == rule.code]
