"""CAP003 is never stricter than upstream's own db-config schema.

Each folder under fixtures/fidelity/upstream_accepts is a minimal definition (written
here, not copied) of a shape that some release of upstream's schema accepts; its name
says why it must pass. Each folder under upstream_rejects is a shape every upstream
release rejects: CAP003 must still report it (being lenient is no excuse to go blind).
The keys capcheck would like to see although upstream does not require them are their
own info rules (CAP111, CAP112), tested at the end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from capcheck.checks import CheckContext, all_rules
from capcheck.checks.schema import load_schema
from capcheck.facts import build_facts
from capcheck.load.definitions import read_definition
from capcheck.model import Finding, LoadError, Severity

FIXTURES = Path(__file__).parent / "fixtures" / "fidelity"
ACCEPTS = sorted(p for p in (FIXTURES / "upstream_accepts").iterdir() if p.is_dir())
REJECTS = sorted(p for p in (FIXTURES / "upstream_rejects").iterdir() if p.is_dir())


def findings(folder: Path) -> list[Finding]:
    raw = read_definition(folder)
    facts = build_facts(raw)
    ctx = CheckContext(raw, None if isinstance(facts, LoadError) else facts)
    return sorted((f for rule in all_rules() for f in rule.check(ctx)), key=Finding.sort_key)


def test_there_is_a_fixture_for_each_shape() -> None:
    assert len(ACCEPTS) >= 12 and len(REJECTS) >= 5


@pytest.mark.parametrize("folder", ACCEPTS, ids=[p.name for p in ACCEPTS])
def test_cap003_and_cap109_accept_what_upstream_accepts(folder: Path) -> None:
    codes = [(f.code, f.message) for f in findings(folder) if f.code in ("CAP003", "CAP109")]
    assert codes == []


@pytest.mark.parametrize("folder", ACCEPTS, ids=[p.name for p in ACCEPTS])
def test_upstream_accepted_shapes_still_give_facts(folder: Path) -> None:
    facts = build_facts(read_definition(folder))
    assert not isinstance(facts, LoadError)
    assert facts.problems == ()


@pytest.mark.parametrize("folder", REJECTS, ids=[p.name for p in REJECTS])
def test_cap003_still_reports_what_every_upstream_release_rejects(folder: Path) -> None:
    found = [f for f in findings(folder) if f.code == "CAP003"]
    assert found, "CAP003 went blind"
    expected = folder / "expected.txt"
    if expected.exists():
        assert [f.message for f in found] == [expected.read_text(encoding="utf-8").strip()]


def test_schema_requires_only_what_upstream_requires() -> None:
    schema = load_schema()
    assert schema["required"] == ["name", "displayName", "config"]
    assert schema["$defs"]["config"]["required"] == ["supportedSourceTypes", "destConfig"]
    assert "required" not in schema["$defs"]["config"]["properties"]["destConfig"]


def test_connection_modes_list_form_is_read_as_every_source_types_modes() -> None:
    facts = build_facts(read_definition(
        FIXTURES / "upstream_accepts" / "connection_modes_as_one_list_for_every_source_type"))
    assert not isinstance(facts, LoadError)
    assert facts.connection_modes == {"cloud": ("cloud",), "warehouse": ("cloud",)}
    # so CAP107 (a source type without a mode) has nothing to say
    assert [f for f in findings(
        FIXTURES / "upstream_accepts" / "connection_modes_as_one_list_for_every_source_type")
        if f.code == "CAP107"] == []


def test_missing_connection_modes_is_cap111_info_not_a_schema_error() -> None:
    folder = FIXTURES / "upstream_accepts" / "warehouse_loader_without_connection_modes"
    found = findings(folder)
    assert [(f.code, f.severity) for f in found] == [("CAP111", Severity.INFO)]
    text = (folder / "db-config.json").read_text(encoding="utf-8").splitlines()
    line = found[0].location.line
    assert line is not None and '"config"' in text[line - 1]  # reported on the config key


def test_missing_default_config_is_cap112_info_not_a_schema_error() -> None:
    folder = FIXTURES / "upstream_accepts" / "dest_config_without_default_config"
    found = [f for f in findings(folder) if f.code.startswith("CAP11")]
    assert [(f.code, f.severity) for f in found] == [("CAP112", Severity.INFO)]
    text = (folder / "db-config.json").read_text(encoding="utf-8").splitlines()
    line = found[0].location.line
    assert line is not None and '"destConfig"' in text[line - 1]


def test_cap111_and_cap112_silent_when_the_keys_are_there() -> None:
    folder = FIXTURES / "upstream_accepts" / "no_supported_message_types"
    assert [f for f in findings(folder) if f.code in ("CAP111", "CAP112")] == []


def test_cap110_and_cap108_abstain_without_connection_modes(tmp_path: Path) -> None:
    """Without supportedConnectionModes the modes are not known: no rule may claim a mode
    is not offered, nor that the platform does not provide connectionMode."""
    import json

    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "db-config.json").write_text(json.dumps({
        "name": "X", "displayName": "X",
        "config": {"supportedSourceTypes": ["web"],
                   "supportedMessageTypes": {"device": {"web": ["track"]}},
                   "destConfig": {"defaultConfig": ["apiKey"], "web": ["connectionMode",
                                                                       "useNativeSDK"]}}},
        indent=2))
    (folder / "ui-config.json").write_text(json.dumps(
        {"uiConfig": [{"title": "x", "fields": [{"type": "textInput", "label": "Key",
                                                  "value": "apiKey"}]}]}))
    assert [f.code for f in findings(folder)] == ["CAP111"]
