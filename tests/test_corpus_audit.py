"""All real integrations-config definitions (CAPCHECK_CORPUS) audit cleanly, and the
engine's counts match counts taken independently, straight from the JSON."""

from __future__ import annotations

import json
from pathlib import Path

from capcheck.load.jsondoc import resolve_pointer
from capcheck.model import Status
from capcheck.report.audit import run_audit


def independent_counts(corpus: Path) -> dict[str, set[str]]:
    counts: dict[str, set[str]] = {"retl": set(), "vdm_v1": set(), "record": set(),
                                   "json_mapper": set()}
    for folder in sorted(corpus.iterdir()):
        path = folder / "db-config.json"
        if not path.is_file():
            continue
        config = json.loads(path.read_text(encoding="utf-8"))["config"]
        retl = "warehouse" in config.get("supportedSourceTypes", [])
        if retl:
            counts["retl"].add(folder.name)
            if config.get("disableJsonMapper") is not True:
                counts["json_mapper"].add(folder.name)
        if config.get("supportsVisualMapper") is True:
            counts["vdm_v1"].add(folder.name)

        def mentions_record(node: object) -> bool:
            if isinstance(node, list):
                return "record" in node
            if isinstance(node, dict):
                return any(mentions_record(v) for v in node.values())
            return False

        if mentions_record(config.get("supportedMessageTypes")):
            counts["record"].add(folder.name)
    return counts


def test_every_real_definition_audits_without_error(corpus: Path) -> None:
    result = run_audit([corpus])
    assert result.errors == []
    assert len(result.reports) == 239
    for report in result.reports:
        assert len(report.verdicts) == 4
        for verdict in report.verdicts:
            assert verdict.evidence, (report.destination, verdict.capability)


def test_counts_match_an_independent_count(corpus: Path) -> None:
    expected = independent_counts(corpus)
    reports = run_audit([corpus]).reports

    def having(cap: str, *states: Status) -> set[str]:
        return {r.destination for r in reports
                if (v := r.verdict(cap)) is not None and v.status in states}

    assert having("retl", Status.SUPPORTED) == expected["retl"]
    assert having("json_mapper", Status.SUPPORTED) == expected["json_mapper"]
    assert having("vdm_v1", Status.SUPPORTED) == expected["vdm_v1"]
    # Without transformer code, a declared `record` cannot be confirmed: unknown, not yes.
    assert having("vdm_v2", Status.UNKNOWN) == expected["record"]
    assert having("vdm_v2", Status.SUPPORTED, Status.PARTIAL) == set()
    # the figures the team's notes quote
    assert (len(expected["retl"]), len(expected["vdm_v1"]), len(expected["record"])) == (
        178, 34, 14)


def test_real_moengage_lists_warehouse(corpus: Path) -> None:
    """The seed document says MoEngage has no RETL; the real definition says otherwise."""
    [report] = run_audit([corpus / "moengage"]).reports
    retl = report.verdict("retl")
    assert retl is not None and retl.status is Status.SUPPORTED
    assert report.connection_config is not None
    assert [s.key for s in report.connection_config.settings][:3] == ["apiId", "apiKey", "region"]
    assert report.connection_config.connection_modes == ("cloud",)


def test_every_retl_destination_has_labelled_settings(corpus: Path) -> None:
    """Labels come from both ui-config layouts: every warehouse setting that has a field
    in ui-config.json gets a label (its own, or its section's title for dynamic forms)."""
    reports = [r for r in run_audit([corpus]).reports if r.connection_config]
    settings = [s for r in reports for s in r.connection_config.settings]  # type: ignore[union-attr]
    with_field = [s for s in settings if s.label_location is not None]
    assert len(with_field) > 1000
    for setting in (s for s in with_field if not s.label):
        # the only unlabelled ones are fields hidden from the UI, with no section title
        loc = setting.label_location
        assert loc is not None and loc.pointer is not None
        node = resolve_pointer(json.loads(Path(loc.file).read_text()), loc.pointer)
        assert node.get("hidden") is True, (loc.short(), node)
