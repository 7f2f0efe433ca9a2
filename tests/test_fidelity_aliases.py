"""The transformer's own handler aliases (DestHandlerMap) decide which code is scanned.

Fixture trees under fixtures/fidelity/aliases: ``with_map`` routes EXAMPLE_OAUTH to
``example`` (which handles record; example_oauth/ holds only a network handler),
``without_map`` has no map file (an older release), ``unreadable_map`` builds the map
with a spread capcheck does not evaluate. The real tree is used when
CAPCHECK_TRANSFORMER is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from capcheck.load.aliases import HandlerAlias, parse_handler_map, read_handler_aliases
from capcheck.model import Status
from capcheck.report.audit import run_audit

ALIASES = Path(__file__).parent / "fixtures" / "fidelity" / "aliases"
DEFS = ALIASES / "defs"
MAP = "src/constants/destinationCanonicalNames.js"


def vdm_v2(tree: str) -> tuple[Status, list[str], str]:
    [report] = run_audit([DEFS], ALIASES / tree).reports
    verdict = report.verdict("vdm_v2")
    assert verdict is not None
    return verdict.status, [e.fact for e in verdict.evidence], report.transformer.note


def test_alias_target_is_scanned_and_named_in_the_evidence() -> None:
    status, evidence, note = vdm_v2("with_map")
    cite = f"EXAMPLE_OAUTH runs src/v0/destinations/example (handler alias in {MAP}:5)"
    assert status is Status.SUPPORTED  # the target handles record
    assert cite in evidence
    assert note == f"scanned 1 file in src/v0/destinations/example; {cite}"


def test_alias_evidence_points_at_the_map_line() -> None:
    [report] = run_audit([DEFS], ALIASES / "with_map").reports
    verdict = report.verdict("vdm_v2")
    assert verdict is not None
    [alias] = [e for e in verdict.evidence if "handler alias" in e.fact]
    assert alias.location is not None and alias.location.line == 5
    lines = (ALIASES / "with_map" / MAP).read_text(encoding="utf-8").splitlines()
    assert lines[alias.location.line - 1].strip().startswith("example_oauth:")


def test_tree_without_the_map_falls_back_to_the_name_with_a_note() -> None:
    status, evidence, note = vdm_v2("without_map")
    assert status is Status.PARTIAL  # only the network handler folder, as before
    expected = (f"no handler alias map in this tree ({MAP} not found); folders looked up "
                "by destination name")
    assert note.endswith(expected) and "src/v0/destinations/example_oauth" in note
    assert expected in evidence


def test_unreadable_map_falls_back_with_the_reason_and_line() -> None:
    status, evidence, note = vdm_v2("unreadable_map")
    assert status is Status.PARTIAL
    assert note.endswith(f"handler aliases not read ({MAP}, line 4: unexpected '.' where a key "
                         "belongs); folders looked up by destination name")
    assert any(e.startswith("handler aliases not read") for e in evidence)


@pytest.mark.parametrize("text, expected", [
    ("const DestHandlerMap = { ga360: 'ga' };", {"ga360": ("ga", 1)}),
    ('const DestHandlerMap = {\n  "a": "b",\n  \'c\': `d`,\n};', {"a": ("b", 2), "c": ("d", 3)}),
    ("export const DestHandlerMap: Record<string, string> = {\n  x: 'y', // why\n"
     "  /* z: 'no' */\n  w: 'v'\n};", {"x": ("y", 2), "w": ("v", 4)}),
    ("// DestHandlerMap = { fake: 'x' }\nconst DestHandlerMap = {\n  real: 'r',\n};",
     {"real": ("r", 3)}),
    ("const DestHandlerMap = {\n  Salesforce_OAuth: 'salesforce',\n};",
     {"salesforce_oauth": ("salesforce", 2)}),
    ("const DestHandlerMap = {};", {}),
    ("const DestHandlerMap = { a: 'it\\'s' };", {"a": ("it's", 1)}),
])
def test_parse_handler_map(text: str, expected: dict[str, tuple[str, int]]) -> None:
    parsed = parse_handler_map(text)
    assert {k: (v.target, v.line) for k, v in parsed.items()} == expected
    assert all(isinstance(v, HandlerAlias) for v in parsed.values())


@pytest.mark.parametrize("text, reason", [
    ("const Other = { a: 'b' };", "no `DestHandlerMap = {...}` object literal found"),
    ("const DestHandlerMap = { a: b };", "the value of `a` is not a string literal"),
    ("const DestHandlerMap = { [key]: 'b' };", "unexpected '[' where a key belongs"),
    ("const DestHandlerMap = { a: 'b'", "`DestHandlerMap` is not closed"),
    ("const DestHandlerMap = { a 'b' };", "expected ':' after key `a`"),
])
def test_parse_handler_map_refuses_what_it_cannot_read(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("[", r"\[").replace("(", r"\(")):
        parse_handler_map(text)


def test_read_handler_aliases_of_the_fixture_tree() -> None:
    aliases = read_handler_aliases(ALIASES / "with_map" / "src")
    assert aliases.note == "" and aliases.file == MAP
    assert {k: v.target for k, v in aliases.aliases.items()} == {
        "example_oauth": "example", "example_oauth_sandbox": "example", "legacy-name": "example"}
    assert aliases.lookup(["Example_OAuth"]) == aliases.aliases["example_oauth"]
    assert aliases.lookup(["example"]) is None


@pytest.fixture
def real_src() -> Path:
    root = os.environ.get("CAPCHECK_TRANSFORMER")
    if not root:
        pytest.skip("CAPCHECK_TRANSFORMER not set")
    return Path(root) / "src"


def test_real_tree_map_is_read(real_src: Path) -> None:
    aliases = read_handler_aliases(real_src)
    assert aliases.note == ""
    found = {k: v.target for k, v in aliases.aliases.items()}
    # the entries the current release is known to have (more may be added upstream)
    assert found.get("ga360") == "ga"
    assert found.get("salesforce_oauth") == "salesforce"
    for alias in aliases.aliases.values():  # every target is a real destination folder
        assert any((real_src / layout / alias.target).is_dir()
                   for layout in ("v0/destinations", "v1/destinations", "cdk/v2/destinations"))


def test_real_tree_salesforce_oauth_runs_salesforce(real_src: Path, tmp_path: Path) -> None:
    folder = tmp_path / "salesforce_oauth"
    folder.mkdir()
    (folder / "db-config.json").write_text(
        '{"name": "SALESFORCE_OAUTH", "displayName": "Salesforce", "config": {\n'
        '  "supportedSourceTypes": ["cloud"], "destConfig": {"defaultConfig": []}}}\n',
        encoding="utf-8")
    [report] = run_audit([folder], real_src.parent, portable=True).reports
    line = read_handler_aliases(real_src).aliases["salesforce_oauth"].line
    assert report.transformer.folders[0] == "src/v0/destinations/salesforce"
    assert (f"SALESFORCE_OAUTH runs src/v0/destinations/salesforce (handler alias in "
            f"{MAP}:{line})") in report.transformer.note
