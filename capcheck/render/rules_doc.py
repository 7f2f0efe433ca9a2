"""Documentation of the check rules: one table, one Markdown page.

Both take the rule catalogue (``capcheck.gate.checker.known_rules``: the rule modules of
``capcheck.checks`` plus the codes the check engine itself produces, such as the lock
codes CAP900-CAP902) and nothing else, so ``capcheck rule`` and the docs page print the
same text.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

from capcheck.gate.checker import RuleInfo
from capcheck.render.terminal import fit_table


def rule_doc(rule: RuleInfo) -> str:
    """A rule's Markdown documentation (its module docstring, dedented)."""
    return inspect.cleandoc(rule.doc or "").strip()


def rule_header(rule: RuleInfo) -> str:
    return (
        f"{rule.code} {rule.name}\n"
        f"Severity: {rule.severity.value}\n"
        f"Summary: {rule.summary}\n"
    )


def render_rule(rule: RuleInfo) -> str:
    """What ``capcheck rule CODE`` prints: code, name, severity, summary, then the doc."""
    return f"{rule_header(rule)}\n{rule_doc(rule)}\n"


def render_table(rules: Sequence[RuleInfo], max_width: int = 100) -> str:
    """The rule list as a plain table no wider than ``max_width``: summaries wrap."""
    rows = [[r.code, r.severity.value, r.name, r.summary.replace("`", "")] for r in rules]
    lines = fit_table(["Code", "Severity", "Name", "Summary"], rows, max_width, wrap=(3, 2))
    return "\n".join(lines) + "\n"


def _demote(doc: str) -> str:
    """Shift the doc's headings one level down so they nest under the page title."""
    lines = []
    in_code = False
    for line in doc.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        lines.append("#" + line if line.startswith("#") and not in_code else line)
    return "\n".join(lines)


def render_markdown(rules: Sequence[RuleInfo]) -> str:
    """The rules docs page: an index table, then every rule's full documentation."""
    parts = [
        "# capcheck check rules",
        "",
        "Every finding of `capcheck check` has one of these codes. `capcheck rule CODE` "
        "prints one rule's documentation; select or ignore rules by code or prefix.",
        "",
        "| Code | Severity | Name | Summary |",
        "| --- | --- | --- | --- |",
    ]
    for r in rules:
        summary = r.summary.replace("|", "\\|")
        parts.append(f"| [{r.code}](#{anchor(r)}) | {r.severity.value} | {r.name} | {summary} |")
    for r in rules:
        doc = _demote(rule_doc(r))
        if not doc.startswith("## "):
            doc = f"## {r.code} {r.name}\n\n{doc}"
        parts += ["", doc, "", f"Severity: **{r.severity.value}**"]
    return "\n".join(parts) + "\n"


def anchor(rule: RuleInfo) -> str:
    """GitHub's anchor for the rule's heading (``## CAP101 name: summary ...``)."""
    doc = rule_doc(rule)
    first = (doc.splitlines()[0].lstrip("#").strip() if doc.startswith("#")
             else f"{rule.code} {rule.name}")
    kept = "".join(c for c in first.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")
