"""The claim reader on the sentence shapes of real reports, the VDM v2 partial-state
table, ``--verify-claims --explain`` and the exit code when no report is recognised."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from capcheck.cli import main
from capcheck.model import Status
from capcheck.render.claims_explain import escape
from capcheck.report.claims import CLAIMABLE, COMPATIBLE, parse_claims, parse_document

HERE = Path(__file__).parent
CORE = HERE / "fixtures" / "core"
MOENGAGE_DEFS = HERE / "fixtures" / "docs" / "definitions"
README = HERE.parent / "README.md"

S, P, N, NA = Status.SUPPORTED, Status.PARTIAL, Status.NOT_SUPPORTED, Status.NOT_APPLICABLE


def read(line: str, title: str = "# Acme RETL report") -> list[tuple[str, Status]]:
    return [(c.capability, c.status) for c in parse_claims(f"{title}\n\n{line}\n")]


# --- negations about something else --------------------------------------------------

@pytest.mark.parametrize("line", [
    "- No batching happens in the RETL path",
    "- No special RETL logic",
    "- No identify, screen or alias support for RETL events",
    "- Device mode is not supported for RETL",
    "- RETL events are not deduplicated",
    "- RETL syncs are not retried on errors",
    "- No RETL-specific rate limiting",
    "- The RETL path does not support `group` calls",
    "- Deletes are not propagated for VDM v2 records",
    "- JSON Mapper fields are not validated",
    "- No VDM v2 mapping is generated for group calls",
    "- Without RETL support in the workspace nothing is sent",
    "- If the JSON Mapper is disabled, the default mapping is used",
    "- ⚠️ RETL events are not deduplicated",
    "- ❌ No support for `alias` calls in RETL",
    "- RETL: batching is not supported",
    "- **RETL path**: no retries",
    "- The SDK does not support VDM v1.",
    "- Cloud mode supports VDM v2.",
    "**Note**: batching is not applied to RETL traffic.",
    "No batching happens in the RETL path; rows are sent one by one.",
])
def test_negations_about_something_else_yield_no_claim(line: str) -> None:
    assert read(line) == []


@pytest.mark.parametrize("line", [
    "- RETL is not supported in device mode.",
    "- VDM v2 is supported only for audience lists.",
    "- The JSON Mapper is not supported when hashing is off.",
    "- RETL is supported for cloud mode, but not for device mode.",
    "- **RETL**: Yes, but only for offline conversions",
    "- **VDM v2**: Not supported in the current release",
    "- Dub supports RETL and the JSON Mapper, but not VDM v1.",
    "- [x] RETL",
    "- [ ] VDM v2",
])
def test_statements_restricted_to_a_scope_are_skipped(line: str) -> None:
    assert read(line) == []


# --- qualifying labels, several capabilities, premise and conclusion -----------------

@pytest.mark.parametrize(("line", "expected"), [
    ("- **JSON Mapper only**: no VDM v1 or v2 support", [("vdm_v1", N), ("vdm_v2", N)]),
    ("- **RETL only**: neither VDM v1 nor VDM v2", [("vdm_v1", N), ("vdm_v2", N)]),
    ("- No VDM v1 or VDM v2 support", [("vdm_v1", N), ("vdm_v2", N)]),
    ("Neither VDM v1 nor v2.", [("vdm_v1", N), ("vdm_v2", N)]),
    ("VDM v1/v2: not supported", [("vdm_v1", N), ("vdm_v2", N)]),
    ("- **VDM (v1/v2)**: not supported", [("vdm_v1", N), ("vdm_v2", N)]),
    ("- **RETL & JSON Mapper**: ✅ Yes", [("retl", S), ("json_mapper", S)]),
    ("- VDM v1, VDM v2: ❌", [("vdm_v1", N), ("vdm_v2", N)]),
    ("**Not supported:** VDM v1, VDM v2", [("vdm_v1", N), ("vdm_v2", N)]),
    ("- Does NOT have `supportsVisualMapper: true`, so VDM v1 is not supported",
     [("vdm_v1", N)]),
    ("- Has `supportsVisualMapper: true`, therefore VDM v1 is supported", [("vdm_v1", S)]),
    ("- `record` is declared and handled, hence VDM v2 is supported.", [("vdm_v2", S)]),
    ("Because RETL is unavailable, the JSON Mapper is not applicable.",
     [("json_mapper", NA)]),
    ("- RETL is not supported, so the settings below are ignored.", []),
    ("Since RETL is not supported, the following analysis applies:", []),
])
def test_qualifiers_lists_and_conclusions(line: str, expected: list[tuple[str, Status]]
                                          ) -> None:
    assert read(line) == expected


# --- bold answers, emoji, questions, tables, prose -----------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("## RETL Support\n\n**RETL is NOT supported** for the Dub destination.", [("retl", N)]),
    ("**VDM v2 is partially supported**: declared, no handler.", [("vdm_v2", P)]),
    ("- ✅ RETL\n- ❌ VDM v1\n- ⚠️ VDM v2", [("retl", S), ("vdm_v1", N), ("vdm_v2", P)]),
    ("- VDM v2 ❌", [("vdm_v2", N)]),
    ("- RETL — ✅ (warehouse)", [("retl", S)]),
    ("- **Is RETL supported?** No — warehouse missing", [("retl", N)]),
    ("**Q: Is RETL supported?** **A:** No.", [("retl", N)]),
    ("### VDM v2\n\nNo batching here.\n\n**No** - neither half.", [("vdm_v2", N)]),
    ("## VDM v1 / v2 support\n\n**No** — neither.", [("vdm_v1", N), ("vdm_v2", N)]),
    ("| Capability | Declared | Supported |\n|---|---|---|\n| VDM v2 | ✅ | ❌ |",
     [("vdm_v2", N)]),
    ("| Capability | Declared | Handled |\n|---|---|---|\n| VDM v2 | ✅ | ❌ |", []),
    ("| RETL | VDM v1 |\n|---|---|\n| ✅ | ❌ |", [("retl", S), ("vdm_v1", N)]),
    ("| Destination | RETL |\n|---|---|\n| A | ✅ |\n| B | ❌ |", []),
    ("| Question | Answer |\n|---|---|\n| Is RETL supported? | Yes |", [("retl", S)]),
    ("Acme does not support RETL.", [("retl", N)]),
    ("The Acme destination supports the JSON Mapper.", [("json_mapper", S)]),
    ("Unlike Braze, Acme does not support RETL.", []),
    ("## RETL Support: ✅ Yes\n\nNo.", [("retl", S)]),
    ("## Is VDM v2 supported? No", [("vdm_v2", N)]),
    ("## Why is VDM v1 not supported?\n\nNo.", []),
    ("- **RETL Support**: The Acme destination does **not** support RETL.", [("retl", N)]),
    ("- **VDM V2**: The transformer does not support VDM v2 for `group` calls.", []),
    ("- **RETL**: Yes (limited to `identify`)", []),
    ("- **VDM V2**: Supported (declared only)", []),
    ("- **VDM V1**: Yes (?)", []),
    ("- **VDM v2**: No (except for the legacy endpoint)", []),
    ("- **VDM v1**: No (planned)", [("vdm_v1", N)]),
    ("## Is RETL supported at all?\n\nNo, but rows can be sent with the API.", [("retl", N)]),
    ("## Is RETL supported at all?\n\nYes, but only for `identify` rows.", []),
    ("- RETL: Supported?", []),
    ("- RETL: ✅ / ❌", []),
    ("- VDM v2 is not fully supported", []),
    ("## 1. Is RETL supported at all?\n\n✅ **Yes.** `warehouse` is listed.", [("retl", S)]),
    ("- Not applicable: JSON Mapper, VDM v1 (RETL is off).",
     [("json_mapper", NA), ("vdm_v1", NA)]),
    ("The JSON Mapper is therefore not applicable.", [("json_mapper", NA)]),
    ("- RETL is thus supported.", [("retl", S)]),
    ("The SDK is small. It does not support RETL.", []),
    ("It does not support RETL.", []),
    ("- The SDK is small. It does not support RETL.", []),
    ("- It does not support RETL.", [("retl", N)]),
    ("**It does not support RETL.**", [("retl", N)]),
    ("- The Acme destination does not fully support VDM v2", []),
    ("- RETL is not supported yet.", [("retl", N)]),
    ("- RETL isn't supported.", [("retl", N)]),
    ("- Both RETL and the JSON Mapper are supported.", [("retl", S), ("json_mapper", S)]),
    ("**Batch Support**: RETL events are batched", []),
    ("**RETL Handling**: None", []),
    ("**Record Event Support (VDM v2)**: No", []),
    ("- VDM v1 flag: false", []),
    ("- **VDM support**: Yes (v2)", []),
    ("### Does it have vdm support?\n\n**Yes** - VDM v2 via record events", []),
    ("### Does it have vdm support?\n\n**Yes** - the VDM flag is set", [("vdm_v1", S)]),
])
def test_answer_shapes(text: str, expected: list[tuple[str, Status]]) -> None:
    assert read(text) == expected


def test_only_the_first_answer_under_a_question_is_read() -> None:
    text = "## Is RETL supported at all?\n\nNo special RETL logic.\n\nYes.\n\nNo.\n"
    assert [(c.line, c.status) for c in parse_claims(text)] == [(5, S)]


def test_skipped_lines_say_why() -> None:
    parsed = parse_document(
        "# Acme RETL\n\n- No batching happens in the RETL path\n"
        "- RETL is not supported in device mode\n"
        "- **JSON Mapper only**: no VDM v1 or v2 support\n"
        "```\n- RETL: yes\n```\n")
    reasons = {s.line: (s.capabilities, s.reason) for s in parsed.skipped}
    assert reasons[3] == (("retl",), "the capability is only the setting, not the subject")
    assert reasons[4][1].startswith("qualified by 'in device mode'")
    assert reasons[5] == (("json_mapper",), "qualifying label 'JSON Mapper only'")
    assert reasons[7] == (("retl",), "inside a fenced code block")
    assert [(c.line, c.capability, c.words) for c in parsed.claims] == [
        (5, "vdm_v1", "no VDM v1 or v2 support"),
        (5, "vdm_v2", "no VDM v1 or v2 support"),
    ]


# --- the partial-state table -----------------------------------------------------------

def _verify(tmp_path: Path, folder: str, claim: str, transformer: bool,
            capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    doc = tmp_path / "reports" / folder / "retl.md"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(f"# Notes\n\n- **VDM V2**: {claim}\n", encoding="utf-8")
    args = ["docs", "--verify-claims", str(tmp_path / "reports"), str(CORE / "defs" / folder)]
    if transformer:
        args += ["--transformer", str(CORE / "transformer")]
    capsys.readouterr()
    code = main(args)
    return code, capsys.readouterr().err


@pytest.mark.parametrize(("folder", "transformer", "claim", "exit_code"), [
    # code handles record, record not declared: the platform never sends it
    ("code_only", True, "Not supported", 0),
    ("code_only", True, "Partial", 0),
    ("code_only", True, "Supported", 1),
    # record declared, no handler: the events fail
    ("trap_dest", True, "Not supported", 0),
    ("trap_dest", True, "Not applicable", 0),
    ("trap_dest", True, "Partial", 0),
    ("trap_dest", True, "Supported", 1),
    # not declared, code not examined: "supported" is still wrong
    ("code_only", False, "Partial", 0),
    ("code_only", False, "Supported", 1),
    # fully supported and not supported
    ("const_dest", True, "Supported", 0),
    ("const_dest", True, "Partial", 1),
    ("const_dest", True, "Not supported", 1),
    ("plain_retl", True, "Partial", 1),
    ("plain_retl", True, "Not supported", 0),
])
def test_partial_states(tmp_path: Path, capsys: pytest.CaptureFixture[str], folder: str,
                        transformer: bool, claim: str, exit_code: int) -> None:
    code, err = _verify(tmp_path, folder, claim, transformer, capsys)
    assert code == exit_code, err
    assert "1 claim checked" in err


@pytest.mark.parametrize(("claim", "exit_code"), [
    ("Partial", 0), ("Limited", 0), ("Supported", 0), ("Not supported", 1),
])
def test_a_partial_claim_about_a_capability_without_partial_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], claim: str, exit_code: int
) -> None:
    doc = tmp_path / "moengage" / "retl.md"
    doc.parent.mkdir()
    doc.write_text(f"# Notes\n\n- **RETL**: {claim}\n", encoding="utf-8")
    assert main(["docs", "--verify-claims", str(tmp_path), str(MOENGAGE_DEFS)]) == exit_code
    assert "1 claim checked" in capsys.readouterr().err


@pytest.mark.parametrize("claim", ["Supported", "Partial", "Not supported"])
def test_declared_with_code_not_examined_is_not_verifiable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], claim: str
) -> None:
    code, err = _verify(tmp_path, "const_dest", claim, False, capsys)
    assert code == 0
    assert "0 claims checked, 0 contradictions, 1 not verifiable" in err


def test_readme_table_is_the_compatibility_data() -> None:
    text = README.read_text(encoding="utf-8")
    head = "| Computed state | claim \"supported\""
    assert head in text
    columns = (S, P, N, NA)
    rows: dict[str, frozenset[Status]] = {}
    for line in text[text.index(head):].splitlines()[2:]:
        if not line.startswith("| `"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        state = re.match(r"`([^`]+)`", cells[0])
        assert state is not None
        marks = cells[1:]
        assert set(marks) <= {"compatible", "contradiction", "not verifiable"}
        rows[state.group(1)] = frozenset(
            s for s, m in zip(columns, marks, strict=True) if m != "contradiction")
        if "not verifiable" in marks:
            assert set(marks) == {"not verifiable"}
    assert rows == dict(COMPATIBLE)
    assert all(v == CLAIMABLE for k, v in rows.items()
               if "not verifiable" in text.split(f"`{k}`", 1)[1].splitlines()[0])


# --- --explain and input problems ------------------------------------------------------

def test_explain_lists_claims_and_skipped_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "moengage" / "retl.md"
    doc.parent.mkdir()
    doc.write_text("# MoEngage RETL\n\n## RETL Support\n\n**RETL is NOT supported** for "
                   "MoEngage.\n\n- No batching happens in the RETL path\n"
                   "- VDM v2: not supported\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["docs", "--verify-claims", str(tmp_path), str(MOENGAGE_DEFS),
                 "--explain"]) == 1
    out = capsys.readouterr().out.splitlines()
    shown = doc.as_posix()
    assert out[0] == f"{shown}: destination moengage: 2 claims read, 3 lines skipped"
    assert f'  {shown}:5: read RETL: not supported from "RETL is NOT supported" ' \
           "(contradicts computed supported)" in out
    assert f"  {shown}:7: skipped RETL: the capability is only the setting, not the " \
           'subject: "- No batching happens in the RETL path"' in out
    assert f'  {shown}:8: read VDM v2: not supported from "VDM v2: not supported" ' \
           "(agrees with computed not declared, code not examined)" in out
    # the contradiction itself is still printed
    assert any(line.startswith(f"{shown}:5: RETL: not supported contradicts") for line in out)


def test_explain_escapes_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "moengage.md"
    doc.write_text("# MoEngage RETL\n\n- RETL events \x1b[2J are not deduplicated\u202e\n"
                   "- **VDM V2**: No\x07\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["docs", "--verify-claims", str(doc), str(MOENGAGE_DEFS), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "\\x1b[2J" in out and "\\u202e" in out
    assert escape("a\tb\\c") == "a\\x09b\\\\c"


def test_explain_needs_verify_claims(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "--explain", "--out", "x"]) == 2
    assert "--explain needs --verify-claims" in capsys.readouterr().err


@pytest.mark.parametrize("content", [None, "# Notes\n\nNothing about capabilities.\n",
                                     "# Acme RETL\n\n- No batching in the RETL path\n"])
def test_no_recognised_report_is_exit_2_naming_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    if content is not None:
        (folder / "notes.md").write_text(content, encoding="utf-8")
    capsys.readouterr()
    assert main(["docs", "--verify-claims", str(folder), str(MOENGAGE_DEFS)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"capcheck: error: {folder}: no RETL report recognised")


def test_a_single_file_with_no_report_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "README.md"
    doc.write_text("# Readme\n\nSee the docs.\n", encoding="utf-8")
    assert main(["docs", "--verify-claims", str(doc), str(MOENGAGE_DEFS)]) == 2
    assert f"{doc}: no RETL report recognised (1 Markdown file, none states" in \
        capsys.readouterr().err


def test_random_markdown_never_breaks_the_reader() -> None:
    import random

    atoms = ["RETL", "VDM v1", "VDM v2", "v2", "JSON Mapper", "**", "`", "(", ")", ":", "|",
             "-", "—", "✅", "❌", "⚠️", "not", "no", "supported", "is", "does", "support",
             "the", "destination", "so", ",", ".", "?", "Yes", "No", "# ", "## ", "- ",
             "> ", "```", "\n", "[x] ", "Q:", "A:", "\\|", "\x1b", "\u202e", "\ue000"]
    rng = random.Random(9)
    for _ in range(400):
        text = "".join(rng.choice(atoms) + rng.choice(["", " "])
                       for _ in range(rng.randint(1, 60)))
        parsed = parse_document(text)
        lines = text.splitlines()
        for claim in parsed.claims:
            assert claim.status in CLAIMABLE
            assert claim.text == lines[claim.line - 1].strip()
