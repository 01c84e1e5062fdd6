"""The handoff report, for the scientist and the engineer who read it together: Markdown with
the spec's sections in order, and the same data as JSON."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Dict, List, Mapping

GATE_TITLES = (("parses", "G1 parses"), ("import_no_work", "G2 import does no work"), ("clean", "G3 clean"),
               ("accounted", "G4 accounted"))


def to_json(data: Mapping[str, object]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _cell(item: Mapping[str, Any]) -> str:
    if not item.get("cell"):
        return "module"
    return f"{item['cell']}:{item['line']}"


def _code(text: str) -> str:
    text = text.replace("\n", " ⏎ ").replace("|", "\\|")
    return f"`{text}`" if "`" not in text else f"``{text}``"


def to_markdown(data: Mapping[str, Any]) -> str:
    lines: List[str] = [f"# Handoff: {data['source']} → {data['module']}", ""]
    gates = data["gates"]
    lines += ["## Summary", ""]
    lines.append(f"- Source: `{data['source']}`")
    lines.append(f"- Module: `{data['module']}`")
    lines.append(f"- Steps: {len(data['steps'])} ({', '.join(s['name'] for s in data['steps']) or 'none'})")
    kinds = Counter(s["kind"] for s in data["settings"])
    lines.append(f"- Settings: {len(data['settings'])} ({kinds['secret']} secret, {kinds['path']} path, "
                 f"{kinds['parameter']} parameter)")
    lines.append(f"- Changes: {len(data['changes'])}; removed: {len(data['removed'])}; blocking: {len(data['blocking'])}")
    lines.append(f"- Findings: {len(data['findings_before'])} before, {len(data['findings_after'])} after")
    lines.append("- Gates: " + ", ".join(f"{title} {'pass' if gates[key] else 'FAIL'}" for key, title in GATE_TITLES))
    lines.append(f"- Exit: {data['exit']}")
    lines += ["", "## Checklist for the engineer", ""]
    lines += [f"- [ ] {item}" for item in data["checklist"]] or ["Nothing left to do."]
    if data["settings"]:
        lines += ["", "| Setting | Environment variable | Kind | Required | Default | Cells |", "|---|---|---|---|---|---|"]
        for s in data["settings"]:
            default = "—" if s["default"] is None else _code(json.dumps(s["default"]))
            cells = ", ".join(str(c) for c in s["cells"])
            lines.append(f"| `{s['field']}` | `{s['env']}` | {s['kind']} | {'yes' if s['required'] else 'no'} | {default} | {cells} |")
    lines += ["", "## Steps", ""]
    if data["steps"]:
        lines += ["| Step | Cells | Parameters | Returns |", "|---|---|---|---|"]
        for step in data["steps"]:
            lines.append(f"| `{step['name']}` | {', '.join(str(c) for c in step['cells'])} | "
                         f"{', '.join(step['params']) or '—'} | {', '.join(step['returns']) or '—'} |")
    else:
        lines.append("No steps: nothing runs at import to move into functions.")
    lines += ["", "## Changes", ""]
    if data["changes"]:
        lines += ["| Rule | Cell:line | What and why |", "|---|---|---|"]
        for change in data["changes"]:
            rule = f"{change['rule']} (`groundrules explain {change['rule']}`)" if change["rule"].startswith("GR") else change["rule"]
            what = change["what"].replace("|", "\\|")
            lines.append(f"| {rule} | {_cell(change)} | {what} |")
    else:
        lines.append("None.")
    lines += ["", "## Removed", ""]
    if data["removed"]:
        lines += ["| Cell:line | Original | Reason |", "|---|---|---|"]
        for item in data["removed"]:
            lines.append(f"| {_cell(item)} | {_code(item['text'])} | {item['reason']} |")
    else:
        lines.append("None.")
    if data["blocking"]:
        lines += ["", "### Blocking", ""]
        for item in data["blocking"]:
            lines.append(f"- cell {_cell(item)} ({item['rule']}): {item['why']}")
    if data["dependencies"]:
        lines += ["", "### Dependencies to add", ""]
        lines += [f"- `{d}`" for d in data["dependencies"]]
    lines += ["", "## Findings", "", "### Before (by group)", ""]
    lines += _findings_by_group(data["findings_before"])
    lines += ["", "### After", ""]
    lines += [f"- line {f['line']}: {f['code']} {f['message']}" for f in data["findings_after"]] or ["None."]
    if data.get("verify") is not None:
        lines += ["", "## Verify", "", "```json", json.dumps(data["verify"], indent=2, ensure_ascii=False), "```"]
    return "\n".join(lines) + "\n"


def _findings_by_group(findings: List[Dict[str, Any]]) -> List[str]:
    if not findings:
        return ["None."]
    by_group: Dict[str, Counter[str]] = {}
    for finding in findings:
        by_group.setdefault(finding["category"], Counter())[f"{finding['code']} {finding['name']}"] += 1
    lines: List[str] = []
    for group in sorted(by_group):
        counts = by_group[group]
        detail = ", ".join(f"{name} ×{n}" for name, n in sorted(counts.items()))
        lines.append(f"- {group}: {sum(counts.values())} ({detail})")
    return lines
