"""The capability rule engine on fixture definitions, the pack, variants and --rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from capcheck import resources
from capcheck.capabilities.pack import PackError, load_pack
from capcheck.load.yamldoc import load_yaml
from capcheck.model import Report, Status
from capcheck.report.audit import run_audit

S = Status


def statuses(report: Report) -> dict[str, Status]:
    return {v.capability: v.status for v in report.verdicts}


def by_dir(paths: list[Path], **kw: object) -> dict[str, Report]:
    result = run_audit(paths, **kw)  # type: ignore[arg-type]
    assert result.errors == []
    return {r.destination: r for r in result.reports}


def test_bundled_pack_validates_against_its_schema() -> None:
    import jsonschema

    schema = json.loads(resources.schema_path("rule-pack").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = load_yaml(resources.rule_pack_path())
    assert not hasattr(doc, "message")
    jsonschema.Draft202012Validator(schema).validate(doc.data)  # type: ignore[union-attr]
    ids = [c.id for c in load_pack().select()]
    assert ids == ["retl", "json_mapper", "vdm_v1", "vdm_v2"]


def test_verdicts_without_transformer(core_defs: Path) -> None:
    reports = by_dir([core_defs])
    assert statuses(reports["visual_dest"]) == {
        "retl": S.SUPPORTED, "json_mapper": S.SUPPORTED, "vdm_v1": S.SUPPORTED,
        "vdm_v2": S.NOT_SUPPORTED,
    }
    assert statuses(reports["no_json_mapper"])["json_mapper"] is S.NOT_SUPPORTED
    assert statuses(reports["plain_retl"])["json_mapper"] is S.SUPPORTED
    # record declared in each of the three shapes; no code to check -> unknown
    for name in ("record_list", "record_by_mode", "record_device"):
        assert statuses(reports[name])["vdm_v2"] is S.UNKNOWN, name
    # code-only half: without a transformer, config alone says "no"
    assert statuses(reports["code_only"])["vdm_v2"] is S.NOT_SUPPORTED


def test_record_declaration_shapes_give_evidence_lines(core_defs: Path) -> None:
    reports = by_dir([core_defs])
    expected = {
        "record_list": ("/config/supportedMessageTypes", 9),
        "record_by_mode": ("/config/supportedMessageTypes/cloud", 11),
        "record_device": ("/config/supportedMessageTypes/device/web", 15),
    }
    for name, (ptr, line) in expected.items():
        verdict = reports[name].verdict("vdm_v2")
        assert verdict is not None
        first = verdict.evidence[0]
        assert first.fact == f"`{ptr}` includes `record`"
        assert first.location is not None and first.location.line == line


def test_verdicts_with_transformer(core_defs: Path, core_transformer: Path) -> None:
    reports = by_dir([core_defs], transformer=core_transformer)
    vdm2 = {name: r.verdict("vdm_v2") for name, r in reports.items()}
    assert vdm2["ts_dest"].status is S.SUPPORTED  # type: ignore[union-attr]
    assert vdm2["const_dest"].status is S.SUPPORTED  # type: ignore[union-attr]
    assert vdm2["list_dest"].status is S.SUPPORTED  # type: ignore[union-attr]
    assert vdm2["group_dest"].status is S.SUPPORTED  # type: ignore[union-attr]
    assert vdm2["zod_dest"].status is S.SUPPORTED  # type: ignore[union-attr]
    assert vdm2["yaml_dest"].status is S.SUPPORTED  # type: ignore[union-attr]
    code_only = vdm2["code_only"]
    assert code_only is not None and code_only.status is S.PARTIAL
    assert "missing `record` in supportedMessageTypes" in code_only.message
    trap = vdm2["trap_dest"]
    assert trap is not None and trap.status is S.PARTIAL
    assert trap.message.endswith("missing record event handling in transformer code")
    no_code = vdm2["no_code"]
    assert no_code is not None and no_code.status is S.UNKNOWN
    assert reports["no_code"].transformer.note.startswith("no transformer folder found")
    evidence = [e.location.short() for e in vdm2["yaml_dest"].evidence if e.location]  # type: ignore[union-attr]
    assert any(s.endswith("procWorkflow.yaml:12:46") for s in evidence), evidence


def test_connection_config_uses_both_ui_layouts(core_defs: Path) -> None:
    reports = by_dir([core_defs])
    cc = reports["visual_dest"].connection_config
    assert cc is not None
    rows = [(s.key, s.label, s.scope, s.secret, s.required) for s in cc.settings]
    assert rows == [
        ("apiToken", "API Token", "defaultConfig", True, True),
        ("region", "Region", "defaultConfig", False, False),
        ("audienceId", None, "warehouse", False, False),
    ]
    assert cc.connection_modes == ("cloud",)
    assert cc.sync_behaviours == ("mirror", "upsert")
    classic = reports["no_json_mapper"].connection_config
    assert classic is not None
    assert [(s.key, s.label, s.secret, s.required) for s in classic.settings] == [
        ("apiKey", "API Key", True, True)
    ]
    assert reports["record_device"].connection_config is not None


def test_alternative_json_mapper_variant(core_defs: Path) -> None:
    default = by_dir([core_defs])
    strict = by_dir([core_defs], variants={"json_mapper": "excludes-visual-mapper"})
    assert statuses(default["visual_dest"])["json_mapper"] is S.SUPPORTED
    verdict = strict["visual_dest"].verdict("json_mapper")
    assert verdict is not None and verdict.status is S.NOT_SUPPORTED
    assert verdict.variant == "excludes-visual-mapper"
    assert "`supportsVisualMapper` is not true" in verdict.message
    assert statuses(strict["plain_retl"])["json_mapper"] is S.SUPPORTED


def test_unknown_variant_is_a_pack_error(core_defs: Path) -> None:
    with pytest.raises(PackError, match="has no variant 'nope'"):
        run_audit([core_defs], variants={"json_mapper": "nope"})
    with pytest.raises(PackError, match="unknown capability 'zzz'"):
        run_audit([core_defs], variants={"zzz": "x"})


def test_rules_file_adds_and_overrides(core_defs: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "capabilities:\n"
        "  - id: retl\n"
        "    title: Warehouse or cloud\n"
        "    conditions:\n"
        "      - any:\n"
        "          - {predicate: source_type_present, args: {source_type: warehouse}}\n"
        "          - {predicate: source_type_present, args: {source_type: cloud}}\n"
        "  - id: audience\n"
        "    title: Audiences\n"
        "    requires: [retl]\n"
        "    conditions:\n"
        "      - {predicate: config_flag_true, args: {flag: isAudienceSupported}}\n"
    )
    reports = by_dir([core_defs], rules=[rules])
    report = reports["visual_dest"]
    assert [v.capability for v in report.verdicts] == [
        "retl", "json_mapper", "vdm_v1", "vdm_v2", "audience"]
    assert report.verdict("retl").title == "Warehouse or cloud"  # type: ignore[union-attr]
    assert statuses(report)["audience"] is S.NOT_SUPPORTED


@pytest.mark.parametrize(
    "text, match",
    [
        ("capabilities: [\n", r"rules\.yaml:2:1: invalid YAML"),
        ("- just a list\n", "must be a mapping"),
        ("capabilities:\n  - id: x\n    conditions:\n      - predicate: nope\n",
         r"rules\.yaml:4:9: unknown predicate 'nope'"),
        ("capabilities:\n  - id: x\n    conditions:\n      - predicate: config_flag_true\n",
         "needs argument 'flag'"),
        ("capabilities:\n  - id: x\n    conditions:\n"
         "      - {predicate: config_flag_true, args: {flag: 3}}\n", "must be a str"),
        ("capabilities:\n  - id: X\n    conditions: []\n", r"rules\.yaml:2:5: /capabilities/0/id"),
        ("capabilities:\n  - id: x\n    colour: red\n    conditions:\n"
         "      - {predicate: config_flag_true, args: {flag: a}}\n", "Additional properties"),
        ("capabilities:\n  - id: x\n    requires: [ghost]\n    conditions:\n"
         "      - {predicate: config_flag_true, args: {flag: a}}\n", "requires unknown"),
        ("capabilities:\n  - id: x\n    messages: {supported: 'has {oops}'}\n    conditions:\n"
         "      - {predicate: config_flag_true, args: {flag: a}}\n", "bad message template"),
        ("!!python/object:os.system ls\n", "invalid YAML"),
    ],
)
def test_bad_rule_files_give_one_line_errors(
    core_defs: Path, tmp_path: Path, text: str, match: str
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(text)
    with pytest.raises(PackError, match=match) as info:
        run_audit([core_defs], rules=[rules])
    assert "\n" not in str(info.value)
