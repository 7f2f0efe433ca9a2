"""Each check rule: a definition that triggers it and one that does not.

Definitions are built in tmp_path from small dicts (written with indent=2) or literal
texts; expected lines are found by searching the written text, never by asking the
code under test where things are.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capcheck.checks import RULE_MODULES, CheckContext, all_rules
from capcheck.facts import TransformerFacts, build_facts
from capcheck.load.definitions import read_definition
from capcheck.load.transformer import scan_destination
from capcheck.model import Finding, LoadError, Severity

BASE_DB: dict[str, Any] = {
    "name": "EXAMPLE",
    "displayName": "Example",
    "config": {
        "supportedSourceTypes": ["cloud", "web", "warehouse"],
        "supportedConnectionModes": {
            "cloud": ["cloud"],
            "web": ["cloud", "device"],
            "warehouse": ["cloud"],
        },
        "supportedMessageTypes": {
            "cloud": ["identify", "track", "record"],
            "device": {"web": ["track"]},
        },
        "destConfig": {
            "defaultConfig": ["apiKey", "region"],
            "web": ["connectionMode", "useNativeSDK"],
            "warehouse": ["listId"],
        },
        "secretKeys": ["apiKey"],
        "includeKeys": ["region"],
        "excludeKeys": [],
        "supportsVisualMapper": True,
        "disableJsonMapper": False,
        "transformAtV1": "router",
    },
    "options": {"isBeta": True},
}
# schema.json defines apiKey at the top and listId only in a conditional branch.
BASE_SCHEMA: dict[str, Any] = {
    "configSchema": {
        "type": "object",
        "required": ["apiKey"],
        "properties": {"apiKey": {"type": "string"}},
        "allOf": [
            {
                "if": {"properties": {"connectionMode": {"type": "object"}}},
                "then": {"properties": {"listId": {"type": "string"}}},
            }
        ],
    }
}
# ui-config.json (section-list layout) defines region.
BASE_UI: dict[str, Any] = {
    "uiConfig": [
        {"title": "Connection settings", "fields": [
            {"type": "textInput", "label": "API key", "value": "apiKey"},
            {"type": "singleSelect", "label": "Region", "value": "region",
             "options": [{"name": "EU", "value": "eu"}]},
        ]}
    ]
}


def db(**changes: Any) -> dict[str, Any]:
    """BASE_DB with config keys changed (value None deletes the key)."""
    data = copy.deepcopy(BASE_DB)
    for key, value in changes.items():
        if value is None:
            data["config"].pop(key, None)
        else:
            data["config"][key] = value
    return data


def write_def(
    root: Path,
    db_config: dict[str, Any] | str,
    schema: dict[str, Any] | str | None = BASE_SCHEMA,
    ui: dict[str, Any] | str | None = BASE_UI,
    name: str = "example",
) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for file, content in (("db-config.json", db_config), ("schema.json", schema),
                          ("ui-config.json", ui)):
        if content is not None:
            text = content if isinstance(content, str) else json.dumps(content, indent=2) + "\n"
            (folder / file).write_text(text, encoding="utf-8")
    return folder


def line_of(folder: Path, needle: str, file: str = "db-config.json", nth: int = 1) -> int:
    """1-based line of the nth line of ``file`` containing ``needle``."""
    hits = [i for i, line in enumerate((folder / file).read_text().splitlines(), 1)
            if needle in line]
    assert len(hits) >= nth, f"{needle!r} not found {nth} times in {file}"
    return hits[nth - 1]


def line_after(folder: Path, anchor: str, needle: str) -> int:
    """1-based line of the first line containing ``needle`` after the one with ``anchor``."""
    start = line_of(folder, anchor)
    lines = (folder / "db-config.json").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if i > start and needle in line)


def context(folder: Path, transformer_src: Path | None = None) -> CheckContext:
    raw = read_definition(folder)
    facts = build_facts(raw)
    usable = None if isinstance(facts, LoadError) else facts
    if usable is not None and transformer_src is not None:
        usable.transformer = TransformerFacts(True, scan_destination(transformer_src,
                                                                     [folder.name]))
    return CheckContext(raw, usable)


def run(folder: Path, transformer_src: Path | None = None) -> list[Finding]:
    ctx = context(folder, transformer_src)
    found = [f for rule in all_rules() for f in rule.check(ctx)]
    return sorted(found, key=Finding.sort_key)


def only(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def transformer(root: Path, body: str, name: str = "example") -> Path:
    src = root / "transformer" / "src"
    folder = src / "v0" / "destinations" / name
    folder.mkdir(parents=True)
    (folder / "transform.js").write_text(body, encoding="utf-8")
    return src


RECORD_HANDLER = (
    "const process = (event) => {\n"
    "  const { message } = event;\n"
    "  if (message.type === EventType.RECORD) {\n"
    "    return processRecord(message);\n"
    "  }\n"
    "  return processTrack(message);\n"
    "};\n"
)
NO_RECORD_HANDLER = (
    "// records are not supported: message.type === 'record' never reaches here\n"
    "const process = (event) => {\n"
    "  if (event.message.type === 'track') return processTrack(event.message);\n"
    "  throw new Error('unsupported');\n"
    "};\n"
)


# -- the registry and the base definition ----------------------------------------


def test_registry_contract() -> None:
    rules = all_rules()
    assert len(rules) == len(RULE_MODULES)
    codes = [r.CODE for r in rules]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)
    assert {"CAP001", "CAP002", "CAP003"} <= set(codes)
    assert {f"CAP1{n:02d}" for n in range(1, 11)} <= set(codes)
    for rule in rules:
        assert isinstance(rule.SEVERITY, Severity)
        assert rule.NAME == rule.NAME.lower() and " " not in rule.NAME
        assert rule.SUMMARY and "\n" not in rule.SUMMARY
        doc = rule.__doc__ or ""
        assert doc.startswith(f"# {rule.CODE} {rule.NAME}")
        assert "Failing example" in doc and "Passing example" in doc
        assert "Why it matters" in doc
        assert callable(rule.check)


def test_base_definition_is_clean(tmp_path: Path) -> None:
    folder = write_def(tmp_path, BASE_DB)
    assert run(folder) == []
    assert run(folder, transformer(tmp_path, RECORD_HANDLER)) == []


# -- CAP001 invalid-json -------------------------------------------------------


def test_cap001_invalid_json(tmp_path: Path) -> None:
    broken = '{\n  "configSchema": {\n    "type": "object",\n}\n'
    folder = write_def(tmp_path, BASE_DB, schema=broken)
    findings = run(folder)
    [finding] = only(findings, "CAP001")
    assert finding.severity is Severity.ERROR
    assert finding.location.file.endswith("schema.json")
    assert (finding.location.line, finding.location.column) == (4, 1)
    assert finding.message.startswith("invalid JSON: ")
    assert finding.destination == "example"


def test_cap001_missing_db_config(tmp_path: Path) -> None:
    folder = tmp_path / "lost"
    folder.mkdir()
    [finding] = run(folder)
    assert (finding.code, finding.message) == ("CAP001", "file not found")
    assert finding.location.file.endswith("db-config.json")


def test_cap001_silent_on_valid_files(tmp_path: Path) -> None:
    assert only(run(write_def(tmp_path, BASE_DB)), "CAP001") == []


# -- CAP002 duplicate-key ------------------------------------------------------


def test_cap002_duplicate_key_in_db_config(tmp_path: Path) -> None:
    text = json.dumps(BASE_DB, indent=2).replace(
        '"supportsVisualMapper": true,',
        '"supportsVisualMapper": true,\n    "saveDestinationResponse": true,\n'
        '    "supportsVisualMapper": false,',
    )
    folder = write_def(tmp_path, text)
    first = line_of(folder, '"supportsVisualMapper"')
    second = line_of(folder, '"supportsVisualMapper"', nth=2)
    [finding] = only(run(folder), "CAP002")
    assert finding.location.line == second
    assert finding.location.column == 5
    assert finding.location.pointer == "/config/supportsVisualMapper"
    assert finding.message == (
        f"duplicate key `supportsVisualMapper` in /config (first on line {first}); "
        "the parser keeps only this last one"
    )


def test_cap002_duplicate_key_in_ui_config(tmp_path: Path) -> None:
    ui = json.dumps(BASE_UI, indent=2).replace('"title": "Connection settings",',
                                               '"title": "Connection settings",\n'
                                               '      "title": "Again",')
    folder = write_def(tmp_path, BASE_DB, ui=ui)
    [finding] = only(run(folder), "CAP002")
    assert finding.location.file.endswith("ui-config.json")
    assert finding.location.line == line_of(folder, '"title": "Again"', file="ui-config.json")
    assert "duplicate key `title` in /uiConfig/0" in finding.message


def test_cap002_silent_without_duplicates(tmp_path: Path) -> None:
    assert only(run(write_def(tmp_path, BASE_DB)), "CAP002") == []


# -- CAP003 schema-violation ---------------------------------------------------


def test_cap003_string_where_a_list_belongs(tmp_path: Path) -> None:
    folder = write_def(tmp_path, db(supportedSourceTypes="warehouse"))
    findings = run(folder)
    [finding] = only(findings, "CAP003")
    assert finding.location.line == line_of(folder, '"supportedSourceTypes"')
    assert finding.location.pointer == "/config/supportedSourceTypes"
    assert finding.message == "/config/supportedSourceTypes: expected a list, found a string"
    # facts cannot be built, so the consistency rules stay silent: one problem, one finding
    assert [f.code for f in findings] == ["CAP003"]


def test_cap003_unknown_source_type(tmp_path: Path) -> None:
    folder = write_def(tmp_path, db(supportedSourceTypes=["cloud", "andriod", "web", "warehouse"]))
    [finding] = only(run(folder), "CAP003")
    assert finding.location.line == line_of(folder, '"andriod"')
    assert finding.location.pointer == "/config/supportedSourceTypes/1"
    assert finding.message.startswith('/config/supportedSourceTypes/1: "andriod" is not a known '
                                      "value (expected one of: amp, android,")


def test_cap003_missing_required_key(tmp_path: Path) -> None:
    folder = write_def(tmp_path, db(destConfig=None))
    [finding] = only(run(folder), "CAP003")
    assert finding.location.line == line_of(folder, '"config"')
    assert finding.message == "/config: missing required key `destConfig`"


def test_cap003_message_types_shapes(tmp_path: Path) -> None:
    folder = write_def(tmp_path, db(supportedMessageTypes="track"), name="a")
    [finding] = only(run(folder), "CAP003")
    assert finding.message == ("/config/supportedMessageTypes: expected a list or an object, "
                               "found a string")
    assert finding.location.line == line_of(folder, '"supportedMessageTypes"')

    # keys are connection modes (upstream allows cloud, device and hybrid), not source types
    folder = write_def(tmp_path, db(supportedMessageTypes={"cloud": ["track"],
                                                           "batch": ["track"]}), name="b")
    [finding] = only(run(folder), "CAP003")
    assert finding.location.line == line_of(folder, '"batch": [')
    assert finding.message == ("/config/supportedMessageTypes/batch: `batch` is not an "
                               "allowed key here (expected cloud, device, hybrid)")

    folder = write_def(tmp_path, db(supportedMessageTypes={"cloud": ["track", "trak"]}),
                       name="c")
    [finding] = only(run(folder), "CAP003")
    assert finding.location.line == line_of(folder, '"trak"')
    assert finding.location.pointer == "/config/supportedMessageTypes/cloud/1"


def test_cap003_wrong_flag_type_and_empty_list(tmp_path: Path) -> None:
    folder = write_def(tmp_path, db(supportsVisualMapper="yes",
                                    supportedConnectionModes={"cloud": [], "web": ["cloud"],
                                                              "warehouse": ["cloud"]}))
    messages = {(f.location.line, f.message) for f in only(run(folder), "CAP003")}
    assert messages == {
        (line_of(folder, '"cloud": []'),
         "/config/supportedConnectionModes/cloud: must not be empty"),
        (line_of(folder, '"supportsVisualMapper"'),
         "/config/supportsVisualMapper: expected true or false, found a string"),
    }


def test_cap003_silent_on_valid_definition(tmp_path: Path) -> None:
    assert only(run(write_def(tmp_path, BASE_DB)), "CAP003") == []


# -- CAP101 / CAP102 / CAP103: RETL features without the warehouse source type ---------


def test_cap101_visual_mapper_without_warehouse(tmp_path: Path) -> None:
    folder = write_def(tmp_path, db(supportedSourceTypes=["cloud", "web"]))
    [finding] = only(run(folder), "CAP101")
    assert finding.severity is Severity.ERROR
    assert finding.location.line == line_of(folder, '"supportsVisualMapper"')
    assert finding.message == ("supportsVisualMapper is true but supportedSourceTypes lacks "
                               "`warehouse`: the Visual Data Mapper needs RETL")


def test_cap101_silent_with_warehouse_or_flag_false(tmp_path: Path) -> None:
    assert only(run(write_def(tmp_path, BASE_DB, name="a")), "CAP101") == []
    folder = write_def(tmp_path, db(supportedSourceTypes=["cloud", "web"],
                                    supportsVisualMapper=False), name="b")
    assert only(run(folder), "CAP101") == []


def test_cap102_json_mapper_flag_without_warehouse(tmp_path: Path) -> None:
    folder = write_def(tmp_path, db(supportedSourceTypes=["cloud", "web"]))
    [finding] = only(run(folder), "CAP102")
    assert finding.severity is Severity.WARNING
    assert finding.location.line == line_of(folder, '"disableJsonMapper"')
    assert finding.message.startswith("disableJsonMapper is set (false) but supportedSourceTypes "
                                      "lacks `warehouse`")


def test_cap102_silent_with_warehouse_or_without_flag(tmp_path: Path) -> None:
    assert only(run(write_def(tmp_path, BASE_DB, name="a")), "CAP102") == []
    folder = write_def(tmp_path, db(supportedSourceTypes=["cloud", "web"],
                                    disableJsonMapper=None), name="b")
    assert only(run(folder), "CAP102") == []


def test_cap103_warehouse_mode_and_dest_config(tmp_path: Path) -> None:
    folder = write_def(tmp_path, db(supportedSourceTypes=["cloud", "web"]))
    findings = run(folder)
    got = [(f.location.line, f.message) for f in only(findings, "CAP103")]
    assert got == [
        (line_of(folder, '"warehouse": ['),
         "supportedConnectionModes.warehouse is set but supportedSourceTypes lacks `warehouse`: "
         "RETL is not offered"),
        (line_of(folder, '"warehouse": [', nth=2),
         "destConfig.warehouse is set but supportedSourceTypes lacks `warehouse`: "
         "RETL is not offered"),
    ]
    # the warehouse key is CAP103's alone
    assert only(findings, "CAP106") == []


def test_cap103_silent_with_warehouse(tmp_path: Path) -> None:
    assert only(run(write_def(tmp_path, BASE_DB)), "CAP103") == []


# -- CAP104 / CAP105: record declaration vs transformer code ------------------------


def test_cap104_record_declared_without_handler(tmp_path: Path) -> None:
    folder = write_def(tmp_path, BASE_DB)
    src = transformer(tmp_path, NO_RECORD_HANDLER)
    [finding] = only(run(folder, src), "CAP104")
    assert finding.severity is Severity.ERROR
    assert finding.location.line == line_of(folder, '"record"')
    assert finding.location.pointer == "/config/supportedMessageTypes/cloud/2"
    assert finding.message == ("`record` is declared (cloud) but no record handler was found in "
                               "src/v0/destinations/example (1 files scanned)")


def test_cap104_needs_a_resolved_transformer(tmp_path: Path) -> None:
    folder = write_def(tmp_path, BASE_DB)
    assert only(run(folder), "CAP104") == []  # no --transformer
    other = transformer(tmp_path, NO_RECORD_HANDLER, name="someone_else")
    assert only(run(folder, other), "CAP104") == []  # folder not found: nothing to compare


def test_cap104_silent_with_handler(tmp_path: Path) -> None:
    folder = write_def(tmp_path, BASE_DB)
    assert only(run(folder, transformer(tmp_path, RECORD_HANDLER)), "CAP104") == []


def test_cap105_handler_without_declaration(tmp_path: Path) -> None:
    folder = write_def(tmp_path, db(supportedMessageTypes={"cloud": ["identify", "track"]}))
    src = transformer(tmp_path, RECORD_HANDLER)
    [finding] = only(run(folder, src), "CAP105")
    assert finding.severity is Severity.WARNING
    assert finding.location.line == line_of(folder, '"supportedMessageTypes"')
    code_file = src / "v0" / "destinations" / "example" / "transform.js"
    assert finding.message == (f"the transformer handles `record` ({code_file}:3:24) but "
                               "supportedMessageTypes does not declare it")


def test_cap105_silent_when_declared_or_not_handled(tmp_path: Path) -> None:
    folder = write_def(tmp_path, BASE_DB, name="a")
    assert only(run(folder, transformer(tmp_path / "t1", RECORD_HANDLER, name="a")),
                "CAP105") == []
    folder = write_def(tmp_path, db(supportedMessageTypes={"cloud": ["track"]}), name="b")
    assert only(run(folder, transformer(tmp_path / "t2", NO_RECORD_HANDLER, name="b")),
                "CAP105") == []


# -- CAP106 / CAP107: source types vs connection modes --------------------------------


def test_cap106_modes_and_settings_for_undeclared_source(tmp_path: Path) -> None:
    data = db(supportedSourceTypes=["cloud", "warehouse"])
    folder = write_def(tmp_path, data)
    findings = only(run(folder), "CAP106")
    web_lines = [line_after(folder, '"supportedConnectionModes"', '"web"'),
                 line_after(folder, '"destConfig"', '"web"')]
    assert [(f.location.line, f.message) for f in findings] == [
        (web_lines[0], "supportedConnectionModes has an entry for `web`, which is not in "
                       "supportedSourceTypes"),
        (web_lines[1], "destConfig has an entry for `web`, which is not in supportedSourceTypes"),
    ]
    assert all(f.severity is Severity.WARNING for f in findings)


def test_cap106_silent_for_declared_sources_and_default_config(tmp_path: Path) -> None:
    assert only(run(write_def(tmp_path, BASE_DB)), "CAP106") == []


def test_cap107_source_type_without_mode(tmp_path: Path) -> None:
    folder = write_def(tmp_path, db(supportedConnectionModes={"cloud": ["cloud"],
                                                              "web": ["cloud"]}))
    [finding] = only(run(folder), "CAP107")
    assert finding.severity is Severity.ERROR
    assert finding.location.line == line_of(folder, '"warehouse"')  # the source type item
    assert finding.location.pointer == "/config/supportedSourceTypes/2"
    assert finding.message == ("source type `warehouse` has no entry in supportedConnectionModes, "
                               "so it cannot be connected in any mode")


def test_cap107_silent_when_every_source_has_a_mode(tmp_path: Path) -> None:
    assert only(run(write_def(tmp_path, BASE_DB, name="a")), "CAP107") == []
    # a missing supportedConnectionModes is optional upstream: CAP111's (info), not
    # CAP107's, and not a schema violation
    findings = run(write_def(tmp_path, db(supportedConnectionModes=None), name="b"))
    assert only(findings, "CAP107") == []
    assert only(findings, "CAP003") == []
    assert [f.code for f in findings if f.code.startswith("CAP11")] == ["CAP111"]


# -- CAP108 undefined-setting-key --------------------------------------------------


def test_cap108_keys_nobody_defines(tmp_path: Path) -> None:
    data = db(secretKeys=["apiKey", "apiSecret"], includeKeys=["regoin", "headers.to"])
    data["config"]["destConfig"]["defaultConfig"].append("legacyFlag")
    folder = write_def(tmp_path, data)
    got = [(f.location.line, f.message) for f in only(run(folder), "CAP108")]
    assert got == sorted([
        (line_of(folder, '"regoin"'),
         "includeKeys names `regoin`, which neither schema.json nor ui-config.json defines; "
         "did you mean `region`?"),
        (line_of(folder, '"headers.to"'),
         "includeKeys names `headers.to`, which neither schema.json nor ui-config.json defines"),
        (line_of(folder, '"legacyFlag"'),
         "destConfig.defaultConfig names `legacyFlag`, which neither schema.json nor "
         "ui-config.json defines"),
        (line_of(folder, '"apiSecret"'),
         "secretKeys names `apiSecret`, which neither schema.json nor ui-config.json defines"),
    ])


def test_cap108_native_sdk_key_without_device_mode(tmp_path: Path) -> None:
    folder = write_def(tmp_path, db(supportedConnectionModes={
        "cloud": ["cloud"], "web": ["cloud"], "warehouse": ["cloud"]},
        supportedMessageTypes={"cloud": ["track"]}))
    [finding] = only(run(folder), "CAP108")
    assert finding.location.line == line_of(folder, '"useNativeSDK"')
    assert finding.message == (
        "destConfig.web names `useNativeSDK`, which neither schema.json nor ui-config.json "
        "defines (the platform provides it only when a source type offers `device` or "
        "`hybrid` mode)"
    )


def test_cap108_defined_keys_pass(tmp_path: Path) -> None:
    # apiKey (schema properties), listId (schema conditional branch), region (ui field),
    # connectionMode/useNativeSDK (web offers device mode), a dotted path into a defined
    # setting, and the warehouse loader flags on a warehouse-category destination
    data = db(secretKeys=["apiKey", "headers.to"], includeKeys=["region", "useNativeSDKToSend"])
    data["category"] = "warehouse"
    data["config"]["supportedConnectionModes"]["web"] = ["cloud", "device", "hybrid"]
    data["config"]["destConfig"]["defaultConfig"] += ["underscoreDivideNumbers",
                                                      "allowUsersContextTraits"]
    schema = copy.deepcopy(BASE_SCHEMA)
    schema["configSchema"]["properties"]["headers"] = {"type": "array"}
    folder = write_def(tmp_path, data, schema=schema)
    assert only(run(folder), "CAP108") == []


def test_cap108_template_layout_ui_config(tmp_path: Path) -> None:
    ui = {"uiConfig": {"baseTemplate": [{"title": "Initial setup", "sections": [
        {"groups": [{"fields": [{"type": "textInput", "label": "Region", "configKey": "region"}]}]}
    ]}]}}
    folder = write_def(tmp_path, BASE_DB, ui=ui)
    assert only(run(folder), "CAP108") == []
    folder = write_def(tmp_path, BASE_DB, ui=ui, schema=None, name="no_schema")
    lines = [f.location.line for f in only(run(folder), "CAP108")]
    assert lines == sorted([line_of(folder, '"apiKey"', nth=n) for n in (1, 2)]
                           + [line_of(folder, '"listId"')])


# -- CAP109 unknown-key ------------------------------------------------------------


def test_cap109_misspelt_key_did_you_mean(tmp_path: Path) -> None:
    text = json.dumps(BASE_DB, indent=2).replace('"supportsVisualMapper"', '"supportsVisualMaper"')
    folder = write_def(tmp_path, text)
    [finding] = only(run(folder), "CAP109")
    assert finding.severity is Severity.ERROR
    assert finding.location.line == line_of(folder, '"supportsVisualMaper"')
    assert finding.location.pointer == "/config/supportsVisualMaper"
    assert finding.message == ("unknown key `supportsVisualMaper` in config; "
                               "did you mean `supportsVisualMapper`?")


def test_cap109_top_level_and_options(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE_DB)
    data["displayname"] = "Example"
    data["options"]["beta"] = True
    data["config"]["somethingElse"] = 1
    folder = write_def(tmp_path, data)
    got = {(f.location.line, f.message) for f in only(run(folder), "CAP109")}
    assert got == {
        (line_of(folder, '"displayname"'),
         "unknown key `displayname` at the top level; did you mean `displayName`?"),
        (line_of(folder, '"beta"'), "unknown key `beta` in options"),
        (line_of(folder, '"somethingElse"'), "unknown key `somethingElse` in config"),
    }


def test_cap109_known_keys_come_from_the_schema() -> None:
    from capcheck.checks import unknown_key
    from capcheck.checks.schema import load_schema

    config_props = set(load_schema()["$defs"]["config"]["properties"])
    assert set(unknown_key.known_keys()["/config"]) == config_props
    assert {"supportsVisualMapper", "supportedMessageTypes"} <= config_props


def test_cap109_silent_on_known_keys(tmp_path: Path) -> None:
    assert only(run(write_def(tmp_path, BASE_DB)), "CAP109") == []


# -- CAP110 message types for an unoffered mode --------------------------------------


def test_cap110_device_types_without_device_mode(tmp_path: Path) -> None:
    data = db(
        supportedSourceTypes=["cloud", "web", "android", "warehouse"],
        supportedConnectionModes={"cloud": ["cloud"], "web": ["cloud"], "android": ["cloud"],
                                  "warehouse": ["cloud"]},
        supportedMessageTypes={"cloud": ["track"],
                               "device": {"web": ["track"], "ios": ["track"]}},
    )
    data["config"]["destConfig"]["web"] = ["connectionMode"]
    folder = write_def(tmp_path, data)
    got = [(f.location.line, f.message) for f in only(run(folder), "CAP110")]
    assert got == [
        (line_of(folder, '"web": [', nth=2),
         "supportedMessageTypes.device.web declares message types but source type `web` does "
         "not offer device mode (modes: cloud)"),
        (line_of(folder, '"ios": ['),
         "supportedMessageTypes.device.ios declares message types but `ios` is not in "
         "supportedSourceTypes"),
    ]


def test_cap110_plain_device_list_and_cloud(tmp_path: Path) -> None:
    data = db(supportedSourceTypes=["web"], supportedConnectionModes={"web": ["cloud"]},
              supportedMessageTypes={"device": ["track"]}, supportsVisualMapper=None,
              disableJsonMapper=None)
    data["config"]["destConfig"] = {"defaultConfig": ["apiKey"]}
    folder = write_def(tmp_path, data, name="a")
    [finding] = only(run(folder), "CAP110")
    assert finding.location.line == line_of(folder, '"device"')
    assert finding.message == ("supportedMessageTypes.device declares message types but no "
                               "supported source type offers device mode")
    data["config"]["supportedConnectionModes"] = {"web": ["device"]}
    data["config"]["supportedMessageTypes"] = {"cloud": ["track"]}
    folder = write_def(tmp_path, data, name="b")
    [finding] = only(run(folder), "CAP110")
    assert finding.message == ("supportedMessageTypes.cloud declares message types but no "
                               "supported source type offers cloud mode")


def test_cap110_hybrid_offers_device_and_cloud(tmp_path: Path) -> None:
    data = db(supportedConnectionModes={"cloud": ["cloud"], "web": ["hybrid"],
                                        "warehouse": ["cloud"]})
    assert only(run(write_def(tmp_path, data, name="a")), "CAP110") == []
    assert only(run(write_def(tmp_path, BASE_DB, name="b")), "CAP110") == []


@pytest.mark.parametrize("code", ["CAP101", "CAP106", "CAP107", "CAP108", "CAP110"])
def test_fact_rules_yield_nothing_without_facts(tmp_path: Path, code: str) -> None:
    folder = write_def(tmp_path, db(supportedSourceTypes="web"))
    raw = read_definition(folder)
    facts = build_facts(raw)
    # a field of the wrong shape still gives facts (the audit degrades only what depends
    # on it), but the consistency rules do not see them: CAP003 reports the field
    assert not isinstance(facts, LoadError) and facts.problems
    assert CheckContext(raw, facts).facts is None
    rule = next(r for r in all_rules() if r.CODE == code)
    assert list(rule.check(CheckContext(raw, facts))) == []
    assert list(rule.check(CheckContext(raw, None))) == []


# -- robustness: no rule raises, whatever the JSON ----------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["config", "name", "supportedSourceTypes",
                                       "supportedMessageTypes", "supportedConnectionModes",
                                       "destConfig", "device", "web", "warehouse", "record",
                                       "secretKeys", "a/b~c"]), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(config=_json)
def test_no_rule_raises_on_arbitrary_config(config: Any) -> None:
    data = copy.deepcopy(BASE_DB)
    data["config"] = config if not isinstance(config, dict) else {**data["config"], **config}
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_def(Path(tmp), data)
        src = transformer(Path(tmp), RECORD_HANDLER)
        for finding in run(folder, src):
            assert finding.location.line is not None
            assert "\n" not in finding.message
