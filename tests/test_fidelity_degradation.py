"""A field of the wrong shape degrades only what depends on it.

For every field the facts read, each wrong shape (a list for an object, an object for
a list, a string, null, a number, an empty value where upstream requires content) must
be a problem on that field (its line and pointer), make the verdicts that depend on it
unknown with that problem as evidence, and leave every other verdict as it was. Shapes
that are valid for the field must change nothing. The table below is the specification:
field -> the verdicts that depend on it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from capcheck.cli import main
from capcheck.facts import build_facts
from capcheck.load.definitions import read_definition
from capcheck.model import LoadError, Status
from capcheck.report.audit import run_audit

BASE: dict[str, Any] = {
    "name": "EXAMPLE",
    "displayName": "Example",
    "config": {
        "supportedSourceTypes": ["cloud", "warehouse"],
        "supportedConnectionModes": {"cloud": ["cloud"], "warehouse": ["cloud"]},
        "supportedMessageTypes": {"cloud": ["track", "record"]},
        "destConfig": {"defaultConfig": ["apiKey"], "warehouse": ["listId"]},
        "secretKeys": ["apiKey"],
        "includeKeys": ["apiKey"],
        "excludeKeys": [],
        "syncBehaviours": ["upsert"],
        "supportsVisualMapper": True,
        "disableJsonMapper": False,
    },
}
ALL = ("retl", "json_mapper", "vdm_v1", "vdm_v2")
BASELINE = {"retl": "supported", "json_mapper": "supported", "vdm_v1": "supported",
            "vdm_v2": "supported"}

# field pointer -> (key path in BASE, the verdicts that depend on it, its kind)
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "": ((), ALL, "root"),
    "/name": (("name",), (), "name"),
    "/displayName": (("displayName",), (), "string"),
    "/config": (("config",), ALL, "config"),
    "/config/supportedSourceTypes": (("config", "supportedSourceTypes"),
                                     ("retl", "json_mapper"), "non-empty list"),
    "/config/supportedMessageTypes": (("config", "supportedMessageTypes"), ("vdm_v2",),
                                      "list or object of lists"),
    "/config/supportedConnectionModes": (("config", "supportedConnectionModes"), (),
                                         "list or object of lists"),
    "/config/destConfig": (("config", "destConfig"), (), "object of lists"),
    "/config/secretKeys": (("config", "secretKeys"), (), "list"),
    "/config/includeKeys": (("config", "includeKeys"), (), "list"),
    "/config/excludeKeys": (("config", "excludeKeys"), (), "list"),
    "/config/syncBehaviours": (("config", "syncBehaviours"), (), "list"),
    "/config/supportsVisualMapper": (("config", "supportsVisualMapper"), ("vdm_v1",), "flag"),
    "/config/disableJsonMapper": (("config", "disableJsonMapper"), ("json_mapper",), "flag"),
}
SHAPES: dict[str, Any] = {
    "list": ["x"], "object": {"x": 1}, "string": "x", "null": None, "number": 3,
    "empty list": [], "empty object": {}, "empty string": "",
}
# Which shapes are valid for each kind of field (everything else is a wrong shape). A
# valid shape still changes what the field says (e.g. {"x": 1} as config drops every
# key), so only the wrong shapes are compared with the baseline. {"x": 1} is a wrong
# shape *inside* an object of lists (its member is a number): the problem is then on
# that member, and still makes the whole field unknown.
VALID: dict[str, set[str]] = {
    "root": set(),  # {} and {"x": 1} have no config: a problem on /config
    "config": {"object", "empty object"},
    "name": {"string"},
    "string": {"string", "empty string"},
    "non-empty list": {"list"},
    "list": {"list", "empty list"},
    "list or object of lists": {"list", "empty object"},
    "object of lists": {"empty object"},
    "flag": set(),
}
CASES = [(ptr, shape) for ptr in FIELDS for shape in SHAPES]


def put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> Any:
    if not path:
        return value
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def write(tmp_path: Path, data: Any) -> tuple[Path, str]:
    folder = tmp_path / "defs" / "example"
    folder.mkdir(parents=True)
    text = json.dumps(data, indent=2)
    (folder / "db-config.json").write_text(text, encoding="utf-8")
    return folder, text


@pytest.fixture
def transformer(tmp_path: Path) -> Path:
    code = tmp_path / "transformer" / "src" / "v0" / "destinations" / "example"
    code.mkdir(parents=True)
    (code / "transform.js").write_text(
        "const process = (event) => {\n  if (event.message.type === 'record') {\n"
        "    return event;\n  }\n};\n", encoding="utf-8")
    return tmp_path / "transformer"


def verdicts_of(folder: Path, transformer: Path) -> dict[str, Any]:
    result = run_audit([folder], transformer)
    [report] = result.reports
    return {v.capability: v for v in report.verdicts}


def test_baseline(tmp_path: Path, transformer: Path) -> None:
    folder, _ = write(tmp_path, BASE)
    found = verdicts_of(folder, transformer)
    assert {k: v.status.value for k, v in found.items()} == BASELINE


def line_of_key(text: str, path: tuple[str, ...]) -> int:
    if not path:
        return 1
    needle = f'"{path[-1]}":'
    indent = "  " * len(path)
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(indent + needle):
            return number
    raise AssertionError(needle)


@pytest.mark.parametrize("ptr, shape", CASES, ids=[f"{p or '/'} as {s}" for p, s in CASES])
def test_a_wrong_shape_degrades_only_what_depends_on_it(
    tmp_path: Path, transformer: Path, ptr: str, shape: str
) -> None:
    path, dependents, kind = FIELDS[ptr]
    data = put(copy.deepcopy(BASE), path, copy.deepcopy(SHAPES[shape]))
    folder, text = write(tmp_path, data)
    facts = build_facts(read_definition(folder))
    assert not isinstance(facts, LoadError)  # never dropped: the file parsed
    found = verdicts_of(folder, transformer)
    statuses = {k: v.status.value for k, v in found.items()}
    if shape in VALID[kind]:
        assert facts.problems == ()
        return
    # the problem is on that field (or inside it), at its line, with its pointer
    if ptr == "" and isinstance(SHAPES[shape], dict):
        # an object without config (nor name: the folder name stands in)
        assert [(p.field, p.location.line) for p in facts.problems] == [("/config", 1),
                                                                        ("/name", 1)]
        assert facts.name == "example"
        problem = facts.problems[0]
    else:
        [problem] = facts.problems
    if ptr == "" and isinstance(SHAPES[shape], dict):
        pass
    elif problem.pointer == ptr:
        assert problem.field == ptr
        assert problem.location.line == line_of_key(text, path)
    else:
        assert problem.field == ptr and problem.pointer == ptr + "/x"
        assert problem.location.line == line_of_key(text, (*path, "x"))
    # what depends on it is unknown, with the problem as evidence ...
    for cap in dependents:
        assert statuses[cap] == "unknown", cap
    direct = [c for c in dependents if c != "json_mapper" or ptr.endswith("disableJsonMapper")]
    for cap in direct:
        assert any(e.location == problem.location for e in found[cap].evidence), cap
    # ... and everything else is still decided as before
    for cap in set(ALL) - set(dependents):
        assert statuses[cap] == BASELINE[cap], cap


@pytest.mark.parametrize("ptr", ["/config/supportedConnectionModes", "/config/destConfig",
                                 "/config/secretKeys", "/config/syncBehaviours"])
def test_connection_config_marks_only_the_broken_part_unknown(
    tmp_path: Path, transformer: Path, ptr: str
) -> None:
    path = FIELDS[ptr][0]
    folder, _ = write(tmp_path, put(copy.deepcopy(BASE), path, 7))
    [report] = run_audit([folder], transformer).reports
    cc = report.connection_config
    assert cc is not None  # RETL is still supported, so the connection config is reported
    unknown = [e.fact for e in cc.evidence if "unknown" in e.fact]
    assert len(unknown) == 1 and unknown[0].startswith(f"`{ptr}` has the wrong shape")
    if ptr != "/config/destConfig":
        assert [s.key for s in cc.settings] == ["apiKey", "listId"]
    if ptr != "/config/supportedConnectionModes":
        assert cc.connection_modes == ("cloud",)


def test_variant_json_mapper_also_depends_on_supports_visual_mapper(
    tmp_path: Path, transformer: Path
) -> None:
    data = put(copy.deepcopy(BASE), ("config", "supportsVisualMapper"), "yes")
    folder, _ = write(tmp_path, data)
    result = run_audit([folder], transformer, variants={"json_mapper": "excludes-visual-mapper"})
    statuses = {v.capability: v.status for v in result.reports[0].verdicts}
    assert statuses["json_mapper"] is Status.UNKNOWN and statuses["retl"] is Status.SUPPORTED


def test_the_2023_retl_destination_with_empty_connection_modes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`"supportedConnectionModes": []` used to drop the destination (no report, exit 2)."""
    data = put(copy.deepcopy(BASE), ("config", "supportedConnectionModes"), [])
    folder, text = write(tmp_path, data)
    monkeypatch.chdir(tmp_path)
    code = main(["audit", "defs", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1  # found something; the input was usable
    line = line_of_key(text, ("config", "supportedConnectionModes"))
    assert err.strip() == (f"capcheck: error: defs/example/db-config.json:{line}:5: "
                           "/config/supportedConnectionModes: must not be empty")
    doc = json.loads(out)
    [report] = doc["reports"]
    assert {v["capability"]: v["status"] for v in report["verdicts"]} == {
        "retl": "supported", "json_mapper": "supported", "vdm_v1": "supported",
        "vdm_v2": "unknown"}  # no --transformer here
    assert doc["errors"][0]["pointer"] == "/config/supportedConnectionModes"
    # the markdown report says what could not be read
    assert main(["audit", "defs"]) == 1
    out, _ = capsys.readouterr()
    assert "## Definition problems" in out
    assert "- **Warehouse connection modes**: unknown (see Definition problems)" in out
    # and the CI gate reports it once, on that line, as a schema violation
    assert main(["check", "defs"]) == 1
    out, _ = capsys.readouterr()
    assert out.strip() == (f"defs/example/db-config.json:{line}:5: CAP003 error: "
                           "/config/supportedConnectionModes: must not be empty")


def test_an_unparsable_file_is_still_cap001_exit_2_for_that_destination_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, BASE)
    broken = tmp_path / "defs" / "broken"
    broken.mkdir()
    (broken / "db-config.json").write_text('{"name": "X", "config": {', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["audit", "defs", "--format", "json"]) == 2
    out, _ = capsys.readouterr()
    assert [r["destination"] for r in json.loads(out)["reports"]] == ["example"]
    assert main(["check", "defs"]) == 2
    out, _ = capsys.readouterr()
    assert " CAP001 error: invalid JSON" in out and "defs/example" not in out


@pytest.mark.parametrize("schema, pointer", [
    ({"configSchema": {"required": "apiKey"}}, "/configSchema/required"),
    ({"configSchema": {"required": ["apiKey", 3]}}, "/configSchema/required/1"),
    ({"configSchema": []}, "/configSchema"),
    ([1], ""),
])
def test_schema_json_required_of_the_wrong_shape_leaves_only_required_unknown(
    tmp_path: Path, transformer: Path, schema: Any, pointer: str
) -> None:
    folder, _ = write(tmp_path, BASE)
    (folder / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
    facts = build_facts(read_definition(folder))
    assert not isinstance(facts, LoadError)
    [problem] = facts.problems
    assert problem.pointer == pointer and problem.location.file.endswith("schema.json")
    [report] = run_audit([folder], transformer).reports
    assert {v.capability: v.status.value for v in report.verdicts} == BASELINE
    cc = report.connection_config
    assert cc is not None and [s.key for s in cc.settings] == ["apiKey", "listId"]
    assert [e.fact for e in cc.evidence if "unknown" in e.fact] == [
        f"`schema.json {pointer or '/'}` has the wrong shape ({problem.message}), so whether "
        "a setting is required is unknown"]


def test_schema_json_required_when_fine_is_read(tmp_path: Path, transformer: Path) -> None:
    folder, _ = write(tmp_path, BASE)
    (folder / "schema.json").write_text(
        json.dumps({"configSchema": {"required": ["apiKey"]}}), encoding="utf-8")
    [report] = run_audit([folder], transformer).reports
    cc = report.connection_config
    assert cc is not None
    assert [(s.key, s.required) for s in cc.settings] == [("apiKey", True), ("listId", False)]
