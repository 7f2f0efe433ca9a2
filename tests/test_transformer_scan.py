from __future__ import annotations

from pathlib import Path

import pytest

from capcheck.load.transformer import (
    resolve_src,
    scan_code_text,
    scan_destination,
    strip_js_comments,
)
from capcheck.model import LoadError


def record_hits(src: Path, name: str) -> list[tuple[str, int]]:
    code = scan_destination(src, [name])
    return [(Path(h.location.file).name, h.location.line or 0) for h in code.handles("record")]


def test_resolve_src_accepts_checkout_or_src(core_transformer: Path) -> None:
    assert resolve_src(core_transformer) == core_transformer / "src"
    assert resolve_src(core_transformer / "src") == core_transformer / "src"


def test_resolve_src_rejects_other_folders(tmp_path: Path) -> None:
    err = resolve_src(tmp_path)
    assert isinstance(err, LoadError) and "not a transformer checkout" in err.message
    err = resolve_src(tmp_path / "missing")
    assert isinstance(err, LoadError)


def test_v0_js_switch_on_event_type(core_transformer: Path) -> None:
    src = core_transformer / "src"
    assert record_hits(src, "code_only") == [("transform.js", 10)]
    code = scan_destination(src, ["code_only"])
    assert {h.event_type for h in code.hits} == {"identify", "record"}
    assert code.folders == ["v0/destinations/code_only"]


def test_v1_ts_comparison(core_transformer: Path) -> None:
    src = core_transformer / "src"
    assert record_hits(src, "ts_dest") == [("transform.ts", 5)]
    code = scan_destination(src, ["ts_dest"])
    # both folders resolve; the v0 one only has a README, which is not code
    assert code.folders == ["v1/destinations/ts_dest", "v0/destinations/ts_dest"]
    assert code.files_scanned == 1


def test_cdk_v2_workflow_condition(core_transformer: Path) -> None:
    src = core_transformer / "src"
    assert record_hits(src, "yaml_dest") == [("procWorkflow.yaml", 12)]
    code = scan_destination(src, ["yaml_dest"])
    assert [h.event_type for h in code.hits] == ["record", "track"]


def test_constant_defined_in_config_and_compared_in_a_workflow(core_transformer: Path) -> None:
    """`export const SUPPORTED_EVENT_TYPE = 'record'` in config.ts, compared in the
    workflow as `messageType.toLowerCase() === $.SUPPORTED_EVENT_TYPE`."""
    src = core_transformer / "src"
    code = scan_destination(src, ["const_dest"])
    [hit] = code.handles("record")
    assert (Path(hit.location.file).name, hit.location.line) == ("procWorkflow.yaml", 10)
    assert hit.snippet == "=== $.SUPPORTED_EVENT_TYPE (SUPPORTED_EVENT_TYPE is 'record')"


def test_list_of_handled_types(core_transformer: Path) -> None:
    """A list made only of event types (`['record', 'audiencelist']`) names handled types."""
    code = scan_destination(core_transformer / "src", ["list_dest"])
    assert [(h.event_type, h.location.line) for h in code.hits] == [
        ("record", 8), ("audiencelist", 8), ("record", 13)]  # 13: grouped.record


def test_groups_keyed_by_message_type(core_transformer: Path) -> None:
    """`groupedInputs = groupBy(inputs, (i) => i.message.type...)` then
    `groupedInputs.record`: handled. Groups keyed by something else, bracket access on a
    plain object, and tests under testData/ do not count."""
    code = scan_destination(core_transformer / "src", ["group_dest"])
    assert [(h.event_type, h.location.line) for h in code.hits] == [
        ("record", 14), ("record", 15), ("audiencelist", 17), ("audiencelist", 18)]
    assert code.files_scanned == 1
    assert code.hits[0].snippet == "groupedInputs.record (grouped by message type as groupedInputs)"


def test_zod_literal_schema(core_transformer: Path) -> None:
    code = scan_destination(core_transformer / "src", ["zod_dest"])
    assert [(h.event_type, h.location.line, h.snippet) for h in code.hits] == [
        ("record", 4, "z.literal('record')")]


def test_traps_do_not_count(core_transformer: Path) -> None:
    """Comments, strings that merely mention record, `records`, a bare 'record' literal,
    a constant bound to 'record' that is never compared, a list that mixes 'record' with
    other strings, test files, spec files and docs are not record handling."""
    src = core_transformer / "src"
    assert record_hits(src, "trap_dest") == []
    code = scan_destination(src, ["trap_dest"])
    assert code.files_scanned == 1  # only transform.js: tests, spec and docs are skipped
    assert [h.event_type for h in code.hits] == ["track"]


def test_unknown_destination_resolves_no_folder(core_transformer: Path) -> None:
    code = scan_destination(core_transformer / "src", ["nothing_here"])
    assert code.folders == [] and code.hits == []


@pytest.mark.parametrize(
    "snippet, expected",
    [
        ("if (type === 'record') {}", ["record"]),
        ('if ("record" == type) {}', ["record"]),
        ("switch (t) { case `record`: break; }", ["record"]),
        ("if (t !== EventType.RECORD) throw e;", ["record"]),
        ("handlers[EventType['RECORD']] = f;", ["record"]),
        ("const recordType = 'records'; if (x === 'recordings') {}", []),
        ("const x = { type: 'record' };", []),
        ("log('type === \"record\"');", []),
        ("// if (type === 'record')\n/* case 'record': */", []),
        ("if (type === 'Track' || type === 'identify') {}", ["track", "identify"]),
        ("x = EventType.RECORDING; y = AuditEventType.RECORD; z = EventType.RECORD_CREATED", []),
        ("const S = RudderRecordV2Schema.extend({});", ["record"]),
        ("const S = MyRecordV2Schema.extend({});", []),
        ("import { RudderRecordV2Schema, Metadata } from '../../../types';", []),
        ("ok = .message.type in $.EventType.([.RECORD, .TRACK])", ["record", "track"]),
        ("export const T = 'record'; if (m.type === T) {}", ["record"]),
        ("export const T = 'record'; log(T);", []),
        ("const v = payload['record']; f(obj['track'])", []),
        ("return ['record'];", ["record"]),
    ],
)
def test_code_patterns(snippet: str, expected: list[str]) -> None:
    assert [h.event_type for h in scan_code_text(snippet, "x.js")] == expected


def test_invalid_workflow_yaml_is_an_error_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "src" / "cdk" / "v2" / "destinations" / "broken"
    folder.mkdir(parents=True)
    (folder / "procWorkflow.yaml").write_text("steps:\n  - name: [unclosed\n")
    code = scan_destination(tmp_path / "src", ["broken"])
    assert len(code.errors) == 1
    assert code.errors[0].location.line == 3
    assert code.errors[0].message.startswith("invalid YAML")


def test_comment_stripping_keeps_positions() -> None:
    text = "a /* one\ntwo */ b // three\nc 'str' \"it's\""
    cleaned = strip_js_comments(text)
    assert len(cleaned) == len(text)
    assert cleaned.count("\n") == text.count("\n")
    assert cleaned.split("\n")[2] == "c '   ' \"    \""


_ALIASED = """\
bindings:
  - &shared
    condition: $.message.type = 'record'
steps:
  - name: again
    <<: *shared
  - name: loop
    condition: &self [ *self, "$.message.type = 'track'" ]
"""


def _bomb(levels: int = 12) -> str:
    lines = ["base: &l0 [\"$.message.type = 'identify'\", 'x', 'x', 'x', 'x', 'x', 'x', 'x']"]
    for level in range(1, levels):
        refs = ", ".join([f"*l{level - 1}"] * 8)
        lines.append(f"l{level}: &l{level} [{refs}]")
    return "condition:\n" + "".join(f"  {line}\n" for line in lines)  # 8**12 paths


def test_workflow_aliases_cycles_and_bombs_are_each_node_once(tmp_path: Path) -> None:
    """An alias repeats a node (its hits are the same, found once); an alias inside its
    own anchor is a cycle, and anchors of anchors a bomb: the scan ends, at once."""
    import signal
    import time

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("the scan did not end")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)  # a hang before the fix: fail instead of stopping the test run
    try:
        _scan_aliased(tmp_path, time.monotonic())
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _scan_aliased(tmp_path: Path, started: float) -> None:
    import time

    folder = tmp_path / "src" / "cdk" / "v2" / "destinations" / "aliased"
    folder.mkdir(parents=True)
    (folder / "procWorkflow.yaml").write_text(_ALIASED)
    (folder / "rtWorkflow.yaml").write_text(_bomb())
    code = scan_destination(tmp_path / "src", ["aliased"])
    assert time.monotonic() - started < 30  # a hang before: no timing of speed here
    assert code.errors == []
    found = sorted((h.event_type, Path(h.location.file).name, h.location.line)
                   for h in code.hits)
    assert found == [("identify", "rtWorkflow.yaml", 2), ("record", "procWorkflow.yaml", 3),
                     ("track", "procWorkflow.yaml", 8)]


@pytest.mark.parametrize("shape", ["flow", "block", "compact"])
def test_a_workflow_nested_too_deep_is_an_error_not_a_crash(tmp_path: Path, shape: str) -> None:
    """libyaml's composer recurses once per level: past Python's recursion limit it used
    to end the whole run with an internal error. Now that file is an error at the first
    level too deep, the destination's other files are still scanned."""
    from capcheck.load.transformer import WORKFLOW_MAX_DEPTH

    levels = WORKFLOW_MAX_DEPTH * 3
    text = {
        "flow": "steps: " + "[" * levels + "]" * levels + "\n",
        "block": "".join("  " * i + "-\n" for i in range(levels)),
        "compact": "- " * levels + "x\n",
    }[shape]
    folder = tmp_path / "src" / "cdk" / "v2" / "destinations" / "deep"
    folder.mkdir(parents=True)
    (folder / "procWorkflow.yaml").write_text(text)
    (folder / "rtWorkflow.yaml").write_text(
        "steps:\n  - name: x\n    condition: $.message.type === 'record'\n")
    code = scan_destination(tmp_path / "src", ["deep"])
    assert [(e.location.file.endswith("procWorkflow.yaml"), e.message) for e in code.errors] \
        == [(True, f"invalid YAML: nested more than {WORKFLOW_MAX_DEPTH} levels deep")]
    assert code.errors[0].location.line is not None
    assert [h.event_type for h in code.handles("record")] == ["record"]


def test_nesting_up_to_the_limit_is_scanned(tmp_path: Path) -> None:
    from capcheck.load.transformer import WORKFLOW_MAX_DEPTH

    levels = WORKFLOW_MAX_DEPTH - 3  # inside steps, a list and a mapping
    folder = tmp_path / "src" / "cdk" / "v2" / "destinations" / "deep"
    folder.mkdir(parents=True)
    (folder / "procWorkflow.yaml").write_text(
        "steps:\n  - condition: $.message.type === 'record'\n    x: "
        + "[" * levels + "]" * levels + "\n")
    code = scan_destination(tmp_path / "src", ["deep"])
    assert code.errors == [] and [h.event_type for h in code.handles("record")] == ["record"]


@pytest.mark.parametrize("text", [
    "a: 1\n", "- - - x\n", "a:\n- b:\n  - c:\n    - [d, {e: f}]\n",
    "? - a\n  - b\n: c\n", "a: [1, [2, [3]]]\nb: {c: {d: [e]}}\n",
    "".join("  " * i + f"k{i}:\n" for i in range(30)) + "  " * 30 + "v\n",
    "".join("  " * i + "- \n" for i in range(30)),
])
def test_the_nesting_bound_is_never_below_the_depth(text: str) -> None:
    import yaml

    from capcheck.load.yamldoc import nesting_bound

    depth = deepest = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    assert deepest <= nesting_bound(text)
