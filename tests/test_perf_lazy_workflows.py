"""Workflows are composed when a search needs them (``transformer._composes``): the
hits, the errors and their order are exactly those of composing every workflow when
the folder is scanned."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capcheck.load import transformer
from capcheck.load.transformer import EVENT_TYPES, TransformerCode, scan_destination, scan_sources
from capcheck.model import LoadError


def _eager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transformer, "_composes", lambda text: False)


def _answers(code: TransformerCode) -> list[object]:
    return [code.errors, code.files_scanned,
            *[code.handles(t) for t in (*EVENT_TYPES, "Record", "custom")], code.hits]


def _scan(files: dict[str, str]) -> TransformerCode:
    code = TransformerCode()
    scan_sources(code, [(name, text, not name.endswith(".yaml"))
                        for name, text in sorted(files.items())])
    return code


def _both(files: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[list[object],
                                                                          list[object]]:
    lazy = _answers(_scan(files))
    with monkeypatch.context() as patch:
        _eager(patch)
        eager = _answers(_scan(files))
    return lazy, eager


RECORD_STEP = "steps:\n  - name: r\n    condition: $.message.type === 'record'\n"
CASES = {
    "plain": {"a.yaml": RECORD_STEP, "b.yaml": "steps:\n  - condition: $.x & $.y\n"},
    # the first definition of a constant wins, also from a workflow not needed at first
    "constants": {
        "a.yaml": "steps:\n  - template: |\n      const KIND = 'track';\n",
        "b.js": "export const KIND = 'record';\nif (m.type === KIND) {}\n",
        "c.yaml": "steps:\n  - condition: $.message.type === KIND\n"
                  "  - template: \"'record'\"\n"},
    "escape spells it": {"a.yaml": 'steps:\n  - condition: "$.message.type === \'\\x72ecord\'"\n'},
    "continued line spells it": {
        "a.yaml": 'steps:\n  - condition: "$.message.type === \'rec\\\n      ord\'"\n'},
    "anchors and aliases": {"a.yaml": "x: &c $.message.type === 'record'\n"
                                      "steps:\n  - condition: *c\n"},
    "undefined alias": {"a.yaml": "steps:\n  - condition: *nowhere\n", "b.yaml": RECORD_STEP},
    "second document": {"a.yaml": RECORD_STEP + "---\n" + RECORD_STEP, "b.yaml": RECORD_STEP},
    "syntax error": {"a.yaml": "steps:\n  - name: [unclosed\n", "b.yaml": RECORD_STEP},
    "folded lines": {"a.yaml": "steps:\n  - condition: >\n      $.message.type ===\n"
                               "      'record'\n  - condition: rec\n      ord\n"},
    "other case": {"a.yaml": "steps:\n  - condition: $.message.type === 'RECORD'\n"},
    "non-ASCII": {"a.yaml": "steps:\n  - condition: $.message.type === 'reco\u0280d' || "
                            "$.type === 'ſcreen' || x === 'record'\n"},
    # YAML 1.1 breaks lines at \r, NEL, LS and PS too: a second document or an alias
    # after one of them
    "documents after other breaks": {
        "a.yaml": "a: 1\u2028---\u2028b: 2\n", "b.yaml": "a: 1\x85---\x85b: 2\n",
        "c.yaml": "a: 1\r---\rb: 2\n", "d.yaml": "\ufeff...\na: 1\n", "e.yaml": RECORD_STEP},
    "alias after another break": {"a.yaml": "x: 1\u2028y: *nowhere\n", "b.yaml": RECORD_STEP},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_same_as_composing_every_workflow(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lazy, eager = _both(CASES[name], monkeypatch)
    assert lazy == eager


@pytest.mark.parametrize("text", [
    "a: 1\u2028---\u2028b: 2\n", "a: 1\x85---\x85b: 2\n", "a: 1\r---\rb: 2\n",
    "\ufeff...\na: 1\n", "x: 1\u2028y: *nowhere\n", "x: 1\u2029&a y\nz: &a w\n",
])
def test_a_workflow_that_fails_to_compose_never_waits(text: str) -> None:
    """Its error is reported when the folder is scanned, as before."""
    assert isinstance(transformer._yaml_segments(text, "a.yaml"), LoadError)
    assert transformer._composes(text) is False


def test_workflows_wait_until_searched() -> None:
    code = _scan({"a.yaml": "steps:\n  - condition: $.message.type === EventType.RECORD\n",
                  "b.yaml": "steps:\n  - condition: $.type = 'track'\n"})
    (scan,) = code.scans
    assert scan._segments is None
    assert [h.event_type for h in code.handles("record")] == ["record"]
    waiting = [part for part in scan._parts if isinstance(part, transformer._Workflow)]
    assert [part._segments is None for part in waiting] == [False, True]  # b: not needed
    # a quoted name may be a constant's value: then every workflow's constants count
    assert [h.event_type for h in code.handles("track")] == ["track"]
    assert scan._segments is not None


@pytest.mark.parametrize("text", [
    "a: 1\n", "a: &x 1\nb: *x\n", "a: [1, *x]\n", "a: {k:*x}\n", "a: 1\n---\nb: 2\n",
    "a: 1\n...\n", "a: [\n", "a: 'x\\'\n", "\t- a\n", "a: b: c\n",
])
def test_only_texts_that_surely_compose_wait(text: str) -> None:
    """What waits composes without an error (when in doubt, it is composed now)."""
    if transformer._composes(text):
        assert isinstance(transformer._yaml_segments(text, "a.yaml"), list)
    assert transformer._composes("a: 1\n") is True
    assert transformer._composes("a: &x 1\nb: *x\n") is False


def _real_src() -> Path:
    value = os.environ.get("CAPCHECK_TRANSFORMER")
    if not value:
        pytest.skip("CAPCHECK_TRANSFORMER is not set")
    return transformer.resolve_src(Path(value))  # type: ignore[return-value]


def test_every_real_workflow_destination_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    src = _real_src()
    names = sorted(p.name for p in (src / "cdk" / "v2" / "destinations").iterdir() if p.is_dir())
    assert len(names) > 30
    waited = 0
    for name in names:
        lazy_code = scan_destination(src, [name])
        waited += sum(isinstance(part, transformer._Workflow)
                      for scan in lazy_code.scans for part in scan._parts)
        lazy = _answers(lazy_code)
        with monkeypatch.context() as patch:
            _eager(patch)
            eager = _answers(scan_destination(src, [name]))
        assert lazy == eager, name
    assert waited > 50  # most real workflows wait


@pytest.mark.parametrize("shape", ["blank-separated", "mid-word", "long blank run",
                                   "long word", "many lines"])
def test_looking_for_anchors_reads_a_hostile_text_about_once(shape: str) -> None:
    """Looking back from each `&` or `*` to its line's start was quadratic in the line's
    length (a 128 KB line of `x &a` took 0.5 s, 16 MiB would take hours); the looks are
    bounded now, and past the bounds the text is composed at once (as before)."""
    import signal

    size = 1 << 23  # 8 MiB
    text = {
        "blank-separated": "steps: " + "x &a" * (size // 4),
        "mid-word": "steps: " + "x&a" * (size // 3),
        "long blank run": "a: " + " " * size + "x &a\n",
        "long word": "a: " + "x" * size + " &a\n",
        "many lines": "a: x && y\n" * (size // 10),
    }[shape]

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("the look for anchors did not end")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)  # a hang before the fix: fail instead of stopping the test run
    try:
        may = transformer._may_hold_anchor(text)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert may is True  # too many candidates, or a line longer than the look back


@pytest.mark.parametrize(("text", "may"), [
    ("a: &x 1\n", True), ("- &a x\n", True), ("a: !t &x v\n", True), ("x: [&a 1]\n", True),
    ("- - - *a\n", True), ("k: v\n  && x\n", True), ("a:&x 1\n", True), ("? &a k\n", True),
    ("&a x\n", True), ("a: b !t &x\n", False), ("a: x && y\n", False),
    ('a: "!x &y"\n', False), ("a: b&c\n", False), ("a: $.x * 2\n", False),
])
def test_anchors_are_looked_for_where_a_node_can_start(text: str, may: bool) -> None:
    assert transformer._may_hold_anchor(text) is may


_PIECES = ["a", "b", ":", ": ", " ", "  ", "\n", "- ", "? ", "&a ", "*a", "*b", "&a", "---",
           "...", "[", "]", "{", "}", ", ", "'", '"', "\\", "!t ", "!!str ", "# c", "\t",
           "|", ">", "%YAML 1.1", "%TAG !e! tag:x,2000:", "!e!x ", "x", "&&", "\u2028",
           "\x85", "\r", "\ufeff", "\u00e9", "'record'"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=24))
def test_what_waits_composes(pieces: list[str]) -> None:
    """A workflow that waits composes when its turn comes: its error would otherwise
    be reported late, after the folder's others (``_composes`` says no when in doubt)."""
    text = "".join(pieces)
    if transformer._composes(text):
        assert isinstance(transformer._yaml_segments(text, "a.yaml"), list), repr(text)
