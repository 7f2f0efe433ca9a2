"""``capcheck check`` GitHub Actions output: workflow-command annotations.

``::error file=F,line=L,col=C,title=CODE::message``; errors first, then warnings, then
notices (info). A step shows at most 10 annotations of each kind, so past the cap the
remaining findings are printed as plain ``path:line:col: CODE message`` log lines and
one ``::notice`` says how many were not annotated.

Every line is escaped: annotation data per GitHub's rules (``%``, CR, LF) plus the other
control characters made visible; the plain log lines past the cap are escaped like the
text format, so no finding can start a workflow command of its own.
"""

from __future__ import annotations

from capcheck.escape import MAX_LINE, terminal
from capcheck.gate.checker import CheckResult
from capcheck.model import Finding, Severity
from capcheck.render.check_text import finding_line

CAP = 10
COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow-command message (the part after ``::``)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return terminal(text, limit=10 * MAX_LINE)


def escape_property(text: str) -> str:
    """Escape a workflow-command property value (``file=``, ``title=``...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    loc = finding.location
    props = [f"file={escape_property(loc.file)}"]
    if loc.line is not None:
        props.append(f"line={loc.line}")
        if loc.column is not None:
            props.append(f"col={loc.column}")
    props.append(f"title={escape_property(finding.code)}")
    return f"::{COMMANDS[finding.severity]} {','.join(props)}::{escape_data(finding.message)}"


def render(result: CheckResult) -> str:
    by_severity = {sev: [f for f in result.findings if f.severity is sev] for sev in Severity}
    overflow_count = sum(max(0, len(group) - CAP) for group in by_severity.values())
    lines: list[str] = []
    overflow: list[Finding] = []
    for sev in sorted(Severity, key=lambda s: -s.rank):  # errors first
        group = by_severity[sev]
        # The summary notice takes one notice slot when anything overflows.
        cap = CAP - 1 if sev is Severity.INFO and overflow_count else CAP
        lines.extend(annotation(f) for f in group[:cap])
        overflow.extend(group[cap:])
    if overflow:
        lines.extend(finding_line(f) for f in overflow)
        n = len(overflow)
        lines.append(
            f"::notice title=capcheck::{n} more finding{'s' if n != 1 else ''} not shown "
            f"as annotations (GitHub shows {CAP} per kind per step); see the log above"
        )
    return "".join(line + "\n" for line in lines)
