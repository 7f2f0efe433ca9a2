"""What is worked out on demand gives what working it all out at once gives.

- ``TransformerCode.handles(T)`` searches only the files that can hold T: it must give
  exactly the hits of type T of the full scan (``hits``), in the same order.
- ``Location.deferred`` finds its line and column when first read: it must equal,
  hash, order and print as the eager location of the same pointer.
- ``ConnectionConfig.deferred`` works its settings out when first read.
- ``parse_json_text`` reads with orjson where orjson reads as ``json.loads`` does.
"""

from __future__ import annotations

import json
import os
import pickle
import random
from pathlib import Path
from typing import Any

import pytest

from capcheck.load import jsondoc
from capcheck.load.jsondoc import parse_json_text
from capcheck.load.transformer import (
    EVENT_TYPES,
    LAYOUTS,
    TransformerCode,
    resolve_src,
    scan_destination,
    scan_sources,
)
from capcheck.model import ConnectionConfig, ConnectionSetting, Evidence, LoadError, Location


def _code(files: dict[str, str]) -> TransformerCode:
    code = TransformerCode()
    scan_sources(code, [(name, text, not name.endswith((".yaml", ".yml")))
                        for name, text in sorted(files.items())])
    return code


def _same_as_full_scan(code: TransformerCode, types: tuple[str, ...] = EVENT_TYPES) -> None:
    full = code.hits
    for event_type in types:
        assert code.handles(event_type) == [h for h in full if h.event_type == event_type], \
            event_type


TRICKY = {
    # a constant defined in one file, compared in another; the first definition wins
    "a/config.js": "export const RECORD_TYPE = 'record';\nexport const FIRST = 'track';\n",
    "a/other.js": "const FIRST = 'record';\n",
    "a/transform.js": (
        "if (message.type === RECORD_TYPE) { go(); }\n"
        "if (message.type === FIRST) { go(); }\n"
        "switch (t) { case config.RECORD_TYPE: break; case 'identify': break; }\n"
        "// message.type === 'record' in a comment\n"
        "const s = \"type === 'record' in a string\";\n"
        "if (EventType.RECORD == x || ['record', 'audiencelist'].includes(t)) {}\n"
        "const groups = groupBy(events, (e) => e.message.type);\n"
        "handle(groups.record); handle(groups['track']);\n"
        "const schema = RudderRecordV2Schema.extend({});\n"
    ),
    # a dotted use where the longest chain names another constant
    "b/x.js": "const RT = 'record';\nconst x = 'page';\nif (y === a.RT.x) {}\n",
    # case-insensitive matches through Unicode folding ('ſ' ~ 's', 'K' ~ 'k')
    "c/u.js": "if (t === 'ſcreen') {}\nif (t === 'trac\u212a') {}\nif (T === 'SCREEN') {}\n",
    "d/workflow.yaml": (
        "steps:\n"
        "  - name: a\n"
        "    condition: $.message.type in ['record', 'track']\n"
        "  - name: b\n"
        "    condition: $.context.messageType = $.RECORD_TYPE\n"
        "    template: |\n"
        "      $.EventType.([.RECORD, .IDENTIFY])\n"
    ),
    "d/config.js": "export const RECORD_TYPE = 'record';\n",
    "e/none.js": "module.exports = { process: (e) => e.records.map(String) };\n",
    # the type only inside a schema's name, or only inside other words
    "f/schema.js": "export const s = RudderRecordV2Schema.extend({ recordId: z.string() });\n",
    "g/words.js": "const recordsById = {}; /* record */ x.recordType; // 'record'\n",
    # comments between the dot and the name, which blanking turns into spaces
    "h/block.js": "if (EventType./* the type */RECORD === t) { go(); }\n",
    "i/line.js": "if (t === EventType. // the type\n    RECORD) { go(); }\n",
    "j/grouped.js": "const g = groupBy(events, (e) => e.message.type);\nhandle(g .  record);\n",
    "k/bracket.js": "if (t === EventType['RECORD-X']) {}\n",
}


@pytest.mark.parametrize("folder", sorted({name.split("/")[0] for name in TRICKY}))
def test_handles_is_the_full_scan_of_one_type(folder: str) -> None:
    code = _code({k: v for k, v in TRICKY.items() if k.startswith(folder + "/")})
    _same_as_full_scan(code, (*EVENT_TYPES, "ſcreen", "RECORD", "unknown"))


def test_handles_finds_cross_file_constants() -> None:
    code = _code({k: v for k, v in TRICKY.items() if k.startswith("a/")})
    lines = [(Path(h.location.file).name, h.location.line) for h in code.handles("record")]
    assert ("transform.js", 1) in lines and ("transform.js", 3) in lines
    # FIRST is 'track' (config.js comes first), so its comparison is not a record hit
    assert ("transform.js", 2) not in lines
    assert ("transform.js", 2) in [(Path(h.location.file).name, h.location.line)
                                   for h in code.handles("track")]


def test_handles_on_random_mixtures() -> None:
    pieces = [v for k, v in TRICKY.items() if k.endswith(".js")]
    rng = random.Random(7)
    for _ in range(60):
        files = {f"f{i}.js": "".join(rng.sample(pieces, rng.randint(1, 3)))
                 for i in range(rng.randint(1, 4))}
        _same_as_full_scan(_code(files))


# Pieces that put the type names inside words, beside comments and strings, and in the
# detectors' spellings, to be strung together at random.
_SOUP = ["record", "records", "recordId", "myrecord", "Record", "RECORD", "Rudder", "V2",
         "Schema", "(", ")", ".", "[", "]", "'", '"', "`", "/*", "*/", "//", "\n", " ",
         "===", "!=", "=", ":", ",", ";", "case ", "EventType", "MessageType", "z.literal",
         "groupBy(e, (x) => x.message.type)", "const g = ", "g.", "$", "_", "x", "1", "\\",
         "track", "tracks", "identify", "ſ", "K", "in "]


def test_handles_on_token_soup() -> None:
    rng = random.Random(11)
    for _ in range(400):
        files = {f"f{i}.js": "".join(rng.choice(_SOUP) for _ in range(rng.randint(5, 60)))
                 for i in range(rng.randint(1, 3))}
        _same_as_full_scan(_code(files))


@pytest.fixture(scope="module")
def real_src() -> Path:
    tree = os.environ.get("CAPCHECK_TRANSFORMER")
    if not tree:
        pytest.skip("CAPCHECK_TRANSFORMER not set")
    src = resolve_src(Path(tree))
    if not isinstance(src, Path):
        pytest.skip(str(src))
    return src


def test_handles_matches_the_full_scan_on_the_real_tree(real_src: Path) -> None:
    names = sorted({p.name for layout in LAYOUTS if (real_src / layout).is_dir()
                    for p in (real_src / layout).iterdir() if p.is_dir()})
    assert len(names) > 100
    found = 0
    for name in names:
        code = scan_destination(real_src, [name])  # by name, in every layout
        _same_as_full_scan(code)
        found += len(code.handles("record"))
    assert found > 0


# -- deferred locations ---------------------------------------------------------------

DOC = '{\n  "config": {\n    "supportedSourceTypes": ["web", "warehouse"]\n  }\n}\n'


def test_deferred_location_is_the_eager_location() -> None:
    doc = parse_json_text(Path("d/db-config.json"), DOC)
    assert not isinstance(doc, type(None)) and hasattr(doc, "deferred_location")
    for ptr in ("", "/config", "/config/supportedSourceTypes/1", "/config/missing/deeper"):
        eager = doc.location(ptr)  # type: ignore[union-attr,operator]
        lazy = doc.deferred_location(ptr)  # type: ignore[union-attr]
        assert hash(lazy) == hash(eager)
        assert lazy == eager and not lazy != eager
        assert repr(lazy) == repr(eager) and lazy.short() == eager.short()
        assert lazy.to_dict() == eager.to_dict()
        assert pickle.loads(pickle.dumps(lazy)) == eager
    assert doc.deferred_location("/config/supportedSourceTypes/1").line == 3  # type: ignore[union-attr]
    first = doc.deferred_location("/config")  # type: ignore[union-attr]
    later = doc.deferred_location("/config/supportedSourceTypes")  # type: ignore[union-attr]
    assert sorted([later, first]) == [first, later]
    assert Location("a", 1) < Location("a", 2) and Location("b") > Location("a", 9)


def test_evidence_dedupe_keeps_a_location_unfound() -> None:
    calls: list[str] = []

    def find() -> tuple[int | None, int | None]:
        calls.append("found")
        return 3, 4

    lazy = Location.deferred("f.json", "/x", find)
    items = dict.fromkeys([Evidence("a", lazy), Evidence("b", lazy)])
    assert len(items) == 2 and calls == []
    assert lazy.line == 3 and lazy.column == 4 and calls == ["found"]
    assert lazy.line == 3 and calls == ["found"]  # found once


def test_location_is_immutable() -> None:
    loc = Location("f", 1, 2, "/p")
    with pytest.raises(AttributeError):
        loc.file = "g"  # type: ignore[misc]


def test_deferred_connection_config_is_the_eager_one() -> None:
    setting = ConnectionSetting("apiKey", "API Key", "defaultConfig", True, True,
                                Location.deferred("d", "/p", lambda: (5, 6)))
    evidence = (Evidence("fact", Location("d", 1)),)
    made: list[int] = []

    def make() -> tuple[tuple[ConnectionSetting, ...], tuple[Evidence, ...]]:
        made.append(1)
        return (setting,), evidence

    lazy = ConnectionConfig.deferred(("cloud",), ("mirror",), make)
    assert lazy.sync_behaviours == ("mirror",) and made == []
    eager = ConnectionConfig((setting,), ("cloud",), ("mirror",), evidence)
    assert lazy == eager and lazy.settings == (setting,) and made == [1]
    assert lazy.settings[0].location is not None and lazy.settings[0].location.line == 5


# -- orjson where it reads as json.loads does ------------------------------------------

def _random_json(rng: random.Random, depth: int = 0) -> str:
    kind = rng.randrange(9 if depth < 6 else 5)
    if kind == 0:
        return rng.choice(["0", "-0", "1", "-1", "9007199254740993", "18446744073709551615",
                           "18446744073709551616", "-9223372036854775809",
                           "123456789012345678901234567890", "1" * 25])
    if kind == 1:
        return rng.choice(["0.1", "-0.0", "1e400", "-1e-400", "5e-324", "1.7976931348623157e308",
                           "2.5E-5", "1E2", "0.30000000000000004", "123456789.123456789123"])
    if kind == 2:
        return json.dumps(rng.choice(["", "a", "é", "\u2028", "\ud83d\ude00", "x\\y\"z"]))
    if kind == 3:
        return rng.choice(['"\\ud800"', '"\\udc00x"', '"\\u00e9"', '"\\/"', '"\\u0000"'])
    if kind == 4:
        return rng.choice(["true", "false", "null"])
    if kind in (5, 6):
        items = [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
        return "[" + ", ".join(items) + "]"
    keys = [rng.choice(["a", "b", "a", "é", "", "c"]) for _ in range(rng.randrange(4))]
    return "{" + ", ".join(f'"{k}": {_random_json(rng, depth + 1)}' for k in keys) + "}"


def _read(text: str) -> tuple[str, ...]:
    doc = parse_json_text(Path("f.json"), text)
    if isinstance(doc, LoadError):
        return ("error", doc.message)
    return ("ok", repr(doc.data))


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[str, ...], tuple[str, ...]]:
    fast = _read(text)
    with monkeypatch.context() as patch:
        patch.setattr(jsondoc, "_fast_parse", lambda *_args: jsondoc._SLOW)
        slow = _read(text)
    return fast, slow


def test_fast_json_reads_as_the_standard_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11)
    for _ in range(3000):
        text = _random_json(rng)
        fast, slow = _both(text, monkeypatch)
        assert fast == slow, text


@pytest.mark.parametrize("text", [
    "[NaN]", "[1,]", "\ufeff[1]", '"\x01"', "[01]", "{'a': 1}", "[1] x", "",
    "[" * 890 + "]" * 890, "[" * 980 + "]" * 980, "[" * 5000 + "]" * 5000,
    '{"a": 1, "a": 2}', "[" + "9" * 5000 + "]", '["\\ud800"]', "[1e400]",
])
def test_fast_json_edges(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = _both(text, monkeypatch)
    assert fast == slow


def test_read_source_reads_as_a_text_stream(tmp_path: Path) -> None:
    """Transformer sources are read from their bytes, as a text stream reads them:
    UTF-8 with replacement characters, universal newlines, a BOM kept."""
    from capcheck.load.transformer import _read_source

    rng = random.Random(4)
    pieces = [b"a", b"\r", b"\n", b"\r\n", b"\xff", b"\xc3", b"\xa9", "é".encode(),
              "😀".encode(), b"\xef\xbb\xbf", b"\x00", b"\xf0\x9f"]
    path = tmp_path / "x.js"
    for _ in range(400):
        raw = b"".join(rng.choice(pieces) for _ in range(rng.randrange(60)))
        raw *= rng.choice([1, 1, 3000])  # past one read of the buffer
        path.write_bytes(raw)
        with open(path, encoding="utf-8", errors="replace") as stream:
            assert _read_source(str(path)) == stream.read(), raw[:80]


def test_the_program_exits_with_main_s_code_and_all_its_output(tmp_path: Path) -> None:
    """``python -m capcheck`` (and the ``capcheck`` script) end through cli.entry, which
    freezes what is left before exiting: codes and output are main's."""
    import subprocess
    import sys

    folder = tmp_path / "dest"
    folder.mkdir()
    (folder / "db-config.json").write_text('{"name": "X", "config": {}', encoding="utf-8")
    broken = subprocess.run([sys.executable, "-m", "capcheck", "audit", str(folder)],
                            capture_output=True, text=True)
    assert broken.returncode == 2 and "db-config.json" in broken.stderr
    listed = subprocess.run([sys.executable, "-m", "capcheck", "audit", "--format", "json"],
                            capture_output=True, text=True)
    assert listed.returncode == 0
    assert json.loads(listed.stdout)  # complete: the whole document was written


# -- facts: string lists checked in C, pointers made only for a wrong member ------------

def _reference_string_list(value: object, ptr: str, non_empty: bool) -> tuple[str, ...]:
    from capcheck.facts import _type_name, _TypeProblem

    if not isinstance(value, list):
        raise _TypeProblem(ptr, f"expected a list of strings, found {_type_name(value)}")
    if non_empty and not value:
        raise _TypeProblem(ptr, "must not be empty")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise _TypeProblem(f"{ptr}/{i}", f"expected a string, found {_type_name(item)}")
    return tuple(value)


def test_dict_of_lists_reads_and_names_problems_as_member_by_member() -> None:
    from capcheck.facts import _dict_of_lists, _string_list, _TypeProblem
    from capcheck.load.jsondoc import pointer

    class Text(str):
        pass

    def outcome(fn: object, *args: object) -> object:
        try:
            return ("ok", fn(*args))  # type: ignore[operator]
        except _TypeProblem as problem:
            return ("problem", problem.ptr, problem.message)

    def reference(value: object, ptr: str, non_empty: bool) -> object:
        from capcheck.facts import _type_name
        from capcheck.facts import _TypeProblem as Problem

        if not isinstance(value, dict):
            raise Problem(ptr, f"expected an object, found {_type_name(value)}")
        return {k: _reference_string_list(v, ptr + pointer(k), non_empty)
                for k, v in value.items()}

    rng = random.Random(5)
    atoms: list[object] = ["a", "", Text("t"), 1, None, True, 1.5, [], {}, "x/y~z"]

    def value() -> object:
        if rng.random() < 0.6:
            return [rng.choice(atoms) if rng.random() < 0.2 else rng.choice(["a", "c/d", "~"])
                    for _ in range(rng.randint(0, 4))]
        return rng.choice(atoms)

    for _ in range(3000):
        non_empty = rng.random() < 0.5
        doc = ({f"{rng.choice(['k', 'a/b', '~0'])}{i}": value() for i in range(rng.randint(0, 4))}
               if rng.random() < 0.9 else value())
        assert outcome(_dict_of_lists, doc, "/config/destConfig", non_empty) == \
            outcome(reference, doc, "/config/destConfig", non_empty)
        single = value()
        assert outcome(_string_list, single, "/p", non_empty) == \
            outcome(_reference_string_list, single, "/p", non_empty)


def test_printable_json_is_the_escaping_pass_on_any_text() -> None:
    from capcheck.render.terminal import _JSON_UNSAFE, printable

    rng = random.Random(9)
    alphabet = ["a", " ", "\n", '"', "\\", "\x7f", "\x85", "\u2028", "\u202e", "\ud800", "é",
                "{", "}", "0"]
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        want = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
        assert printable(text, json_text=True) == want


# -- where matches can start: the finders give what a plain search gives ----------------

_ARRAY_SOUP = ["[", "]", "'record'", '"track"', "`identify`", "'records'", ",", " ", "\n", "\t",
               "=", "(", ":", ">", "return", "in", "x", "return ", "in ", "; ", "'RECORD'",
               "EventType", "case ", "rudder", "const g = ", "{", "}", "\u00a0", "\x1c"]


def _reference_list_hits(seg: object) -> list[tuple[str, object, str]]:
    """``_list_hits`` with a plain search of ``_ARRAY`` at every position."""
    from capcheck.load import transformer as tr

    found: list[Any] = []
    for match in tr._ARRAY.finditer(seg.text):  # type: ignore[attr-defined]
        items = [i for i in match.group(1).split(",") if i.strip()]
        typed = [tr._ITEM.match(i) for i in items]
        if items and all(typed):
            line, col = tr._line_col(seg.text, match.start())  # type: ignore[attr-defined]
            found.extend((m.group("type").lower(), (line, col), " ".join(match.group().split()))
                         for m in typed if m is not None)
    return found


def _segments_of(texts: list[str]) -> list[object]:
    from capcheck.load import transformer as tr

    return [tr._Segment(text, "f.js", tr.CODE_PATTERNS) for text in texts]


def _finders_agree(seg: object) -> None:
    from capcheck.load import transformer as tr

    hits = [(h.event_type, (h.location.line, h.location.column), h.snippet)
            for h in tr._list_hits(seg)]  # type: ignore[arg-type]
    assert hits == _reference_list_hits(seg), seg.text  # type: ignore[attr-defined]
    gates = seg.gates  # type: ignore[attr-defined]
    for pattern in tr._STARTS:
        assert ([(m.start(), m.group()) for m in gates.finditer(pattern)]
                == [(m.start(), m.group()) for m in pattern.finditer(gates.text)]), pattern


def test_start_finders_on_token_soup() -> None:
    rng = random.Random(5)
    soup = _ARRAY_SOUP + _SOUP
    texts = ["".join(rng.choice(soup) for _ in range(rng.randint(3, 80))) for _ in range(1500)]
    texts += ["x = ['record', 'track']", "return\n  [ , 'record',]", "a[ 'record' ]",
              "f( ['record'])", "in['record']", "(['a'], ['record'])", "x =\u00a0['record']"]
    for seg in _segments_of(texts):
        _finders_agree(seg)


def test_start_finders_on_the_real_tree(real_src: Path) -> None:
    from capcheck.load.transformer import CODE_SUFFIXES

    texts = [path.read_text(encoding="utf-8", errors="replace")
             for path in sorted(real_src.rglob("*")) if path.suffix in CODE_SUFFIXES
             and "__tests__" not in path.parts and path.is_file()][:400]
    assert len(texts) > 100
    for seg in _segments_of(texts):
        _finders_agree(seg)
