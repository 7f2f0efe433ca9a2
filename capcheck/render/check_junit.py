"""``capcheck check`` JUnit XML output: one test case per destination.

A destination with findings at or above ``--fail-on`` has one ``<failure>`` whose text
lists all its findings (``path:line:col: CODE message``); findings below the threshold
go to ``<system-out>`` of a passing case. Load problems without a destination are not
test cases (the command exits 2 for them).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from capcheck.gate.checker import CheckResult
from capcheck.model import Finding
from capcheck.render.check_text import finding_line

CLASSNAME = "capcheck.destinations"
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _lines(findings: list[Finding]) -> str:
    return _clean("\n".join(finding_line(f) for f in findings))


def render(result: CheckResult) -> str:
    by_dest: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_dest.setdefault(finding.destination, []).append(finding)
    cases: list[ET.Element] = []
    failures = 0
    for dest in result.destinations:
        case = ET.Element("testcase", {
            "classname": CLASSNAME, "name": _clean(dest.destination), "file": _clean(dest.file),
        })
        found = by_dest.get(dest.destination, [])
        failing = [f for f in found if f.severity.rank >= result.fail_on.rank]
        if failing:
            failures += 1
            codes = sorted({f.code for f in failing})
            failure = ET.SubElement(case, "failure", {
                "type": ",".join(codes),
                "message": _clean(f"{dest.name}: {len(failing)} finding"
                           f"{'s' if len(failing) != 1 else ''} ({', '.join(codes)})"),
            })
            failure.text = _lines(found)
        elif found:
            ET.SubElement(case, "system-out").text = _lines(found)
        cases.append(case)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0",
              "skipped": "0"}
    root = ET.Element("testsuites", {"name": "capcheck", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "capcheck check", **counts})
    suite.extend(cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
