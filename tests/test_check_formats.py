"""Renderers of `capcheck check`: text, json, github, sarif, junit (models in, text out)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from capcheck.gate.checker import CheckResult, DestinationRef, RuleInfo, known_rules
from capcheck.model import Finding, Location, Severity
from capcheck.render import (
    CHECK_FORMATS,
    check_github,
    check_json,
    check_junit,
    check_sarif,
    check_text,
)

RULES = [
    *known_rules([]),  # the engine's own codes, CAP001 included
    RuleInfo("CAP101", "visual-mapper-without-warehouse", Severity.ERROR,
             "supportsVisualMapper without warehouse",
             "# CAP101 visual-mapper-without-warehouse\n\n**What it catches.** A `flag` "
             "without\nwarehouse.\n\n**Failing example**\n\n```json\n{}\n```"),
    RuleInfo("CAP105", "undefined-setting-key", Severity.WARNING, "an undefined key", "Doc."),
    RuleInfo("CAP150", "note-rule", Severity.INFO, "a note", ""),
]


def finding(code: str, dest: str, line: int | None = 3, message: str = "msg",
            column: int | None = 5, file: str | None = None) -> Finding:
    severity = next(r.severity for r in RULES if r.code == code)
    loc = Location(file or f"defs/{dest}/db-config.json", line, column,
                   "/config/x" if line else None)
    return Finding(code, severity, message, loc, dest)


def result(findings: list[Finding], dests: tuple[str, ...] = ("alpha", "beta", "gamma"),
           fail_on: Severity = Severity.ERROR) -> CheckResult:
    return CheckResult(
        findings=sorted(findings, key=Finding.sort_key),
        destinations=[DestinationRef(d, d.upper(), f"defs/{d}/db-config.json") for d in dests],
        rules=sorted(RULES, key=lambda r: r.code),
        fail_on=fail_on,
    )


SAMPLE = result([
    finding("CAP101", "alpha", 7, "`supportsVisualMapper` is true but `warehouse` is missing",
            9),
    finding("CAP105", "alpha", 12, "secretKeys names `apiKey`, which schema.json lacks"),
    finding("CAP001", "beta", 4, "invalid JSON: Expecting value", 1),
    finding("CAP150", "gamma", None, "a note", None),
])


def test_registry_names_every_format() -> None:
    assert set(CHECK_FORMATS) == {"text", "json", "github", "sarif", "junit"}


def test_text_lines() -> None:
    assert check_text.render(SAMPLE).splitlines() == [
        "defs/alpha/db-config.json:7:9: CAP101 `supportsVisualMapper` is true but "
        "`warehouse` is missing",
        "defs/alpha/db-config.json:12:5: CAP105 secretKeys names `apiKey`, which schema.json "
        "lacks",
        "defs/beta/db-config.json:4:1: CAP001 invalid JSON: Expecting value",
        "defs/gamma/db-config.json: CAP150 a note",
    ]


def test_json_round_trips() -> None:
    doc = json.loads(check_json.render(SAMPLE))
    back = [
        Finding(f["code"], Severity(f["severity"]), f["message"],
                Location(f["file"], f["line"], f["column"], f["pointer"]), f["destination"])
        for f in doc["findings"]
    ]
    assert back == SAMPLE.findings
    assert doc["summary"] == {"destinations": 3, "findings": 4, "error": 2, "warning": 1,
                              "info": 1, "failOn": "error", "failing": 2}
    assert [d["destination"] for d in doc["destinations"]] == ["alpha", "beta", "gamma"]
    assert check_json.render(SAMPLE) == check_json.render(SAMPLE)


# -- github -------------------------------------------------------------------------


def test_github_annotations_have_file_line_and_errors_first() -> None:
    lines = check_github.render(SAMPLE).splitlines()
    assert lines == [
        "::error file=defs/alpha/db-config.json,line=7,col=9,title=CAP101::"
        "`supportsVisualMapper` is true but `warehouse` is missing",
        "::error file=defs/beta/db-config.json,line=4,col=1,title=CAP001::"
        "invalid JSON: Expecting value",
        "::warning file=defs/alpha/db-config.json,line=12,col=5,title=CAP105::"
        "secretKeys names `apiKey`, which schema.json lacks",
        "::notice file=defs/gamma/db-config.json,title=CAP150::a note",
    ]


def test_github_escaping() -> None:
    odd = finding("CAP101", "alpha", 2, "100% wrong\r\nsecond: line, here",
                  file="defs/a:b,c/db-config.json")
    line = check_github.render(result([odd])).strip()
    assert line == (
        "::error file=defs/a%3Ab%2Cc/db-config.json,line=2,col=5,title=CAP101::"
        "100%25 wrong%0D%0Asecond: line, here"
    )
    assert check_github.escape_property("a%b\n") == "a%25b%0A"


def test_github_cap_of_ten_per_kind_with_one_notice() -> None:
    findings = (
        [finding("CAP101", "alpha", n) for n in range(1, 16)]  # 15 errors
        + [finding("CAP105", "beta", n) for n in range(1, 13)]  # 12 warnings
        + [finding("CAP150", "gamma", n) for n in range(1, 4)]  # 3 notes
    )
    lines = check_github.render(result(findings)).splitlines()
    kinds = [line.split(" ", 1)[0] for line in lines if line.startswith("::")]
    assert kinds.count("::error") == 10 and kinds.count("::warning") == 10
    assert kinds.count("::notice") == 3 + 1  # the three notes and the summary notice
    assert kinds[:10] == ["::error"] * 10
    plain = [line for line in lines if not line.startswith("::")]
    assert len(plain) == 7 and all(re.match(r"defs/\w+/db-config\.json:\d+:5: CAP1", p)
                                   for p in plain)
    assert lines[-1] == ("::notice title=capcheck::7 more findings not shown as annotations "
                         "(GitHub shows 10 per kind per step); see the log above")


def test_github_notice_slot_is_kept_when_notes_overflow() -> None:
    findings = [finding("CAP101", "alpha", n) for n in range(1, 12)] + [
        finding("CAP150", "gamma", n) for n in range(1, 11)]
    lines = check_github.render(result(findings)).splitlines()
    assert sum(line.startswith("::notice") for line in lines) == 10  # 9 notes + summary
    assert lines[-1].startswith("::notice title=capcheck::2 more findings")


def test_github_no_notice_under_the_cap() -> None:
    out = check_github.render(result([finding("CAP101", "alpha", n) for n in range(1, 11)]))
    assert out.count("::error") == 10 and "title=capcheck" not in out


# -- sarif --------------------------------------------------------------------------


def test_sarif_has_what_code_scanning_requires(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc = json.loads(check_sarif.render(SAMPLE))
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert doc["version"] == "2.1.0"
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "capcheck"
    assert driver["informationUri"].startswith("https://")
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", driver["version"])
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert set(rule) >= {"id", "name", "shortDescription", "fullDescription", "help",
                             "defaultConfiguration"}
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"] and "markdown" in rule["help"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    cap101 = driver["rules"][ids.index("CAP101")]
    assert cap101["fullDescription"]["text"] == "What it catches. A flag without warehouse."
    assert cap101["help"]["markdown"].startswith("# CAP101")
    assert driver["rules"][ids.index("CAP150")]["defaultConfiguration"]["level"] == "note"

    results = run["results"]
    assert len(results) == 4
    for res, f in zip(results, SAMPLE.findings, strict=True):
        assert res["ruleId"] == f.code
        assert driver["rules"][res["ruleIndex"]]["id"] == f.code
        assert res["level"] == {"error": "error", "warning": "warning", "info": "note"}[
            f.severity.value]
        assert res["message"]["text"] == f.message
        (location,) = res["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": f.location.file, "uriBaseId": "%SRCROOT%"}
        region = physical["region"]
        assert region["startLine"] >= 1 and region.get("startColumn", 1) >= 1
        assert res["partialFingerprints"]["capcheckFinding/v1"]
    assert results[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 7,
                                                                          "startColumn": 9}
    assert results[3]["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}


def test_sarif_uris_are_relative_with_forward_slashes(tmp_path: Path) -> None:
    inside = tmp_path / "defs" / "my dest" / "db-config.json"
    assert check_sarif.artifact_location(str(inside), tmp_path) == {
        "uri": "defs/my%20dest/db-config.json", "uriBaseId": "%SRCROOT%"}
    outside = check_sarif.artifact_location("/elsewhere/x/db-config.json", tmp_path)
    assert outside == {"uri": "file:///elsewhere/x/db-config.json"}


def test_sarif_fingerprint_survives_a_line_move() -> None:
    a = finding("CAP101", "alpha", 7)
    b = finding("CAP101", "alpha", 9)
    fp = [json.loads(check_sarif.render(result([f])))["runs"][0]["results"][0]
          ["partialFingerprints"] for f in (a, b)]
    assert fp[0] == fp[1]


# -- junit --------------------------------------------------------------------------


def test_junit_one_testcase_per_destination() -> None:
    root = ET.fromstring(check_junit.render(SAMPLE))
    assert root.tag == "testsuites"
    (suite,) = root
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["alpha", "beta", "gamma"]
    assert suite.get("tests") == "3" and suite.get("failures") == "2"
    alpha, beta, gamma = cases
    failure = alpha.find("failure")
    assert failure is not None and failure.get("type") == "CAP101"
    assert failure.text is not None and failure.text.splitlines() == [
        check_text.finding_line(f) for f in SAMPLE.findings if f.destination == "alpha"]
    assert beta.find("failure") is not None
    assert gamma.find("failure") is None  # only an info finding: passes, shown in output
    assert "CAP150 a note" in (gamma.findtext("system-out") or "")


def test_junit_escapes_xml() -> None:
    nasty = finding("CAP101", "alpha", 1, 'a <b> & "c" \x01 ]]>')
    root = ET.fromstring(check_junit.render(result([nasty], ("alpha",))))
    text = root.find("testsuite/testcase/failure").text  # type: ignore[union-attr]
    # the text line under the failure shows the control character escaped (\x01)
    assert text is not None and 'a <b> & "c" \\x01 ]]>' in text


def test_junit_failures_follow_fail_on() -> None:
    warning_only = [finding("CAP105", "beta", 2)]
    failures = [
        ET.fromstring(check_junit.render(result(warning_only, fail_on=sev))).get("failures")
        for sev in (Severity.ERROR, Severity.WARNING)
    ]
    assert failures == ["0", "1"]
    root = ET.fromstring(check_junit.render(result(SAMPLE.findings, fail_on=Severity.INFO)))
    assert root.get("failures") == "3"
