"""Documentation of the check rules: one table, one Markdown page.

Both read the rule registry (``capcheck.checks.RULE_MODULES``) and nothing else, so the
``capcheck rule`` command and the docs generator print the same text.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from types import ModuleType

from tabulate import tabulate


def rule_doc(rule: ModuleType) -> str:
    """A rule's Markdown documentation (its module docstring, dedented)."""
    return inspect.cleandoc(rule.__doc__ or "").strip()


def rule_header(rule: ModuleType) -> str:
    return (
        f"{rule.CODE} {rule.NAME}\n"
        f"Severity: {rule.SEVERITY.value}\n"
        f"Summary: {rule.SUMMARY}\n"
    )


def render_rule(rule: ModuleType) -> str:
    """What ``capcheck rule CODE`` prints: code, name, severity, summary, then the doc."""
    return f"{rule_header(rule)}\n{rule_doc(rule)}\n"


def render_table(rules: Sequence[ModuleType]) -> str:
    rows = [[r.CODE, r.SEVERITY.value, r.NAME, r.SUMMARY] for r in rules]
    return tabulate(rows, headers=["Code", "Severity", "Name", "Summary"],
                    tablefmt="github") + "\n"


def _demote(doc: str) -> str:
    """Shift the doc's headings one level down so they nest under the page title."""
    lines = []
    in_code = False
    for line in doc.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        lines.append("#" + line if line.startswith("#") and not in_code else line)
    return "\n".join(lines)


def render_markdown(rules: Sequence[ModuleType]) -> str:
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
        summary = r.SUMMARY.replace("|", "\\|")
        parts.append(f"| [{r.CODE}](#{anchor(r)}) | {r.SEVERITY.value} | {r.NAME} | {summary} |")
    for r in rules:
        doc = _demote(rule_doc(r))
        if not doc.startswith("## "):
            doc = f"## {r.CODE} {r.NAME}\n\n{doc}"
        parts += ["", doc, "", f"Severity: **{r.SEVERITY.value}**"]
    return "\n".join(parts) + "\n"


def anchor(rule: ModuleType) -> str:
    """GitHub's anchor for the rule's heading (``## CAP101 name: summary ...``)."""
    doc = rule_doc(rule)
    first = doc.splitlines()[0].lstrip("#").strip() if doc else f"{rule.CODE} {rule.NAME}"
    kept = "".join(c for c in first.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")
