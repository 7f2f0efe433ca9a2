"""``capcheck check`` SARIF 2.1.0 output, in the subset GitHub code scanning accepts.

- ``runs[0].tool.driver``: name, version, ``informationUri`` only when the installed
  package names a home page (``[project.urls]`` Homepage/Repository/Source in
  pyproject.toml: never a placeholder), and ``rules[]`` for every
  code capcheck can report (id, name, shortDescription, fullDescription, help with text
  and markdown, defaultConfiguration.level);
- ``results[]``: ruleId, ruleIndex, level, message.text, one physical location with a
  relative, forward-slash ``uri`` under ``uriBaseId`` ``%SRCROOT%`` and a 1-based
  region, and a line-independent ``partialFingerprints`` entry so an alert survives
  edits that move it.

Paths are made relative to the working directory (the repository root in CI); a file
outside it keeps an absolute ``file://`` URI without a base id.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from capcheck import __version__
from capcheck.gate.checker import CheckResult, RuleInfo
from capcheck.model import Finding, Severity
from capcheck.render.jsontext import indented

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
URL_LABELS = ("homepage", "repository", "source", "documentation")
SRCROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
DESCRIPTION_LIMIT = 1000  # GitHub truncates descriptions past 1024 characters


def artifact_location(file: str, root: Path | None = None) -> dict[str, str]:
    path = Path(file)
    base = (root or Path.cwd()).resolve()
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(base)
        except ValueError:
            return {"uri": path.resolve().as_uri()}
    uri = quote(PurePosixPath(*path.parts).as_posix(), safe="/")
    return {"uri": uri, "uriBaseId": SRCROOT}


def _first_paragraph(text: str) -> str:
    """The first paragraph of a Markdown doc that is not a heading, as plain text."""
    for para in text.strip().split("\n\n"):
        if para.strip() and not para.lstrip().startswith("#"):
            plain = " ".join(line.strip() for line in para.splitlines())
            return plain.replace("**", "").replace("`", "")
    return ""


def rule_descriptor(rule: RuleInfo) -> dict[str, Any]:
    doc = rule.doc or rule.summary
    full = _first_paragraph(doc) or rule.summary
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary[:DESCRIPTION_LIMIT]},
        "fullDescription": {"text": full[:DESCRIPTION_LIMIT]},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["capcheck", "destination-definition"]},
    }


def information_uri() -> str | None:
    """The package's home page from its installed metadata (``Project-URL``), if any."""
    from importlib import metadata

    try:
        entries = metadata.metadata("capcheck").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    urls: dict[str, str] = {}
    for entry in entries:
        label, _, url = str(entry).partition(",")
        urls.setdefault(label.strip().lower(), url.strip())
    return next((urls[k] for k in URL_LABELS if urls.get(k, "").startswith("https://")), None)


def fingerprint(finding: Finding, uri: str) -> str:
    key = "\0".join((finding.code, uri, finding.destination, finding.message))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def result_object(finding: Finding, index: int, root: Path | None = None) -> dict[str, Any]:
    loc = finding.location
    artifact = artifact_location(loc.file, root)
    region: dict[str, int] = {"startLine": max(1, loc.line or 1)}
    if loc.column is not None:
        region["startColumn"] = max(1, loc.column)
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region}}],
        "partialFingerprints": {"capcheckFinding/v1": fingerprint(finding, artifact["uri"])},
    }
    if loc.pointer is not None:
        result["properties"] = {"jsonPointer": loc.pointer, "destination": finding.destination}
    else:
        result["properties"] = {"destination": finding.destination}
    return result


def render(result: CheckResult, root: Path | None = None) -> str:
    rules = list(result.rules)
    index = {r.code: i for i, r in enumerate(rules)}
    for finding in result.findings:  # a code without metadata still gets a descriptor
        if finding.code not in index:
            index[finding.code] = len(rules)
            rules.append(RuleInfo(finding.code, finding.code.lower(), finding.severity,
                                  finding.code, ""))
    driver: dict[str, Any] = {"name": "capcheck"}
    uri = information_uri()
    if uri is not None:
        driver["informationUri"] = uri
    driver.update({
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [rule_descriptor(r) for r in rules],
    })
    doc = {
        "$schema": SCHEMA,
        "version": VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "columnKind": "unicodeCodePoints",
                "results": [
                    result_object(f, index[f.code], root) for f in result.findings
                ],
            }
        ],
    }
    return indented(doc)
