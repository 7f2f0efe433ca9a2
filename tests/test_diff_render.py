"""`capcheck diff` renderers on results built here: Markdown escaping and truncation,
GitHub annotation escaping and the per-step cap, the JSON shape, lost vs gained."""

from __future__ import annotations

import json

import pytest

from capcheck.model import Evidence, Location, Report, Status, TransformerInfo, Verdict
from capcheck.render import DIFF_FORMATS, renderer
from capcheck.render.diff_markdown import md_code, md_fact, md_text
from capcheck.report.diff import (
    CapabilityChange,
    DestinationChange,
    DiffResult,
    SideInfo,
    compare_reports,
)


def verdict(cap: str, status: Status, line: int = 3, file: str = "d/x/db-config.json") -> Verdict:
    return Verdict(cap, cap.upper(), status, f"{cap} is {status.value}",
                   (Evidence(f"`/config/{cap}` says {status.value}", Location(file, line, 5)),))


def report(folder: str, name: str, statuses: dict[str, Status], display: str | None = None,
           line: int = 3) -> Report:
    verdicts = tuple(verdict(c, s, line, f"d/{folder}/db-config.json")
                     for c, s in statuses.items())
    return Report(folder, name, display or name.title(), f"d/{folder}", verdicts, (), {}, {},
                  None, TransformerInfo(False),
                  source_types_location=Location(f"d/{folder}/db-config.json", 2, 3))


def result(**kw: object) -> DiffResult:
    r = DiffResult(SideInfo("main", "a" * 40), SideInfo("feature", "b" * 40), None)
    for key, value in kw.items():
        setattr(r, key, value)
    return r


S, N, NA, P = Status.SUPPORTED, Status.NOT_SUPPORTED, Status.NOT_APPLICABLE, Status.PARTIAL


def test_compare_reports_and_lost() -> None:
    before = report("x", "X", {"retl": S, "vdm_v2": P, "vdm_v1": N})
    after = report("x", "X", {"retl": N, "vdm_v2": S, "vdm_v1": N})
    changes = compare_reports(before, after)
    assert [(c.capability, c.lost) for c in changes] == [("retl", True), ("vdm_v2", False)]
    assert changes[0].describe() == "RETL supported -> not supported"
    assert not compare_reports(before, before)
    # partial -> not supported is a loss; not supported <-> not applicable is not
    pn = compare_reports(report("x", "X", {"vdm_v2": P}), report("x", "X", {"vdm_v2": N}))
    assert pn[0].lost
    nn = compare_reports(report("x", "X", {"json_mapper": N}),
                         report("x", "X", {"json_mapper": NA}))
    assert not nn[0].lost


def test_removed_destination_is_a_loss_only_if_it_supported_something() -> None:
    assert result(removed=[report("x", "X", {"retl": S})]).lost
    assert result(removed=[report("x", "X", {"retl": P})]).lost
    assert not result(removed=[report("x", "X", {"retl": N, "vdm_v1": NA})]).lost
    assert not result(added=[report("x", "X", {"retl": S})]).lost


def test_markdown_escaping_helpers() -> None:
    assert md_text("a|b") == r"a\|b"
    assert md_text("<img src=x onerror=alert(1)>") == r"\<img src=x onerror=alert(1)\>"
    assert md_text("*x* _y_ [z](u) ~w~ &amp;") == r"\*x\* \_y\_ \[z\](u) \~w\~ \&amp;"
    assert md_text("- item") == r"\- item"
    assert md_text("1. item") == r"1\. item"
    assert md_text("line\nbreak") == "line break"
    assert md_text("plain text, 1.5 - ok") == "plain text, 1.5 - ok"
    assert md_code("a|b") == r"`a\|b`"
    assert md_code("x`y") == "``x`y``"
    assert md_fact("`/config/a|b` has `*`") == r"`/config/a\|b` has `*`"
    assert md_fact("snippet === 'record' *x*") == r"snippet === 'record' \*x\*"


def test_markdown_table_is_short_for_big_changes() -> None:
    changed = []
    for i in range(30):
        before = report(f"d{i:02}", f"D{i:02}", {"retl": N})
        after = report(f"d{i:02}", f"D{i:02}", {"retl": S})
        changed.append(DestinationChange(before, after, compare_reports(before, after)))
    out = renderer(DIFF_FORMATS, "markdown").render(result(changed=changed, examined=30), 5)
    rows = [line for line in out.splitlines() if line.startswith("| `D")]
    assert [r.split(" | ")[0] for r in rows] == [f"| `D0{i}`" for i in range(5)]
    assert "… and 25 more rows." in out
    assert out.count("\n  - `main`:") == 5
    assert "- … and 25 more (run `capcheck diff` for all of them)" in out
    assert len(out) < 4000
    full = renderer(DIFF_FORMATS, "markdown").render(result(changed=changed, examined=30))
    assert len([line for line in full.splitlines() if line.startswith("| `D")]) == 20


def test_markdown_nothing_changed() -> None:
    out = renderer(DIFF_FORMATS, "markdown").render(result(examined=2))
    assert out.splitlines()[:2] == [
        "<!-- capcheck-diff -->",
        "**capcheck diff** `main` → `feature`: no capability changes.",
    ]
    assert "|" not in out and "<details>" not in out


def test_github_annotations_are_escaped_and_capped() -> None:
    name = "X,1:2%\nevil"
    before = report("a,b", name, {"retl": N})
    after = report("a,b", name, {"retl": S}, line=7)
    change = DestinationChange(before, after, compare_reports(before, after))
    out = renderer(DIFF_FORMATS, "github").render(result(changed=[change]))
    line = out.splitlines()[0]
    assert line.startswith("::notice file=d/a%2Cb/db-config.json,line=7,col=5,"
                           "title=capcheck diff::X,1:2%25%0Aevil: RETL not supported -> ")
    many = []
    for i in range(12):
        b = report(f"d{i:02}", f"D{i:02}", {"retl": N})
        a = report(f"d{i:02}", f"D{i:02}", {"retl": S})
        many.append(DestinationChange(b, a, compare_reports(b, a)))
    lines = renderer(DIFF_FORMATS, "github").render(result(changed=many)).splitlines()
    assert sum(1 for x in lines if x.startswith("::notice file=")) == 9
    assert lines[9].startswith("d/d09/db-config.json:3:5: D09: RETL")
    assert lines[-1].startswith("::notice title=capcheck diff::3 more changes not shown")


def test_json_shape() -> None:
    before = report("x", "X", {"retl": S})
    after = report("y", "X", {"retl": N})
    change = DestinationChange(before, after, compare_reports(before, after))
    doc = json.loads(renderer(DIFF_FORMATS, "json").render(result(changed=[change], examined=2)))
    assert doc["summary"] == {"examined": 2, "changed": 1, "capabilityChanges": 1, "lost": True,
                              "renamed": 1, "added": 0, "removed": 0, "errors": 0}
    entry = doc["changed"][0]
    assert entry["renamedFrom"] == "d/x" and entry["folder"] == "d/y"
    c = entry["changes"][0]
    assert (c["before"], c["after"], c["lost"]) == ("supported", "not supported", True)
    assert c["afterVerdict"]["evidence"][0]["file"] == "d/y/db-config.json"


@pytest.mark.parametrize("fmt", sorted(DIFF_FORMATS))
def test_every_format_renders_every_kind(fmt: str) -> None:
    b, a = report("x", "X", {"retl": N}), report("x", "X", {"retl": S})
    from capcheck.model import LoadError
    from capcheck.report.diff import SideError

    r = result(changed=[DestinationChange(b, a, compare_reports(b, a))],
               added=[report("n", "NEW", {"retl": S})],
               removed=[report("o", "OLD", {"retl": S})],
               errors=[SideError("head", LoadError(Location("d/z/db-config.json", 1, 2),
                                                   "invalid JSON: x"))],
               examined=4)
    out = renderer(DIFF_FORMATS, fmt).render(r)
    for needle in ("NEW", "OLD", "d/z/db-config.json"):
        assert needle in out
    assert out.endswith("\n")
    assert CapabilityChange("retl", "RETL", None, None).describe() == "RETL absent -> absent"
