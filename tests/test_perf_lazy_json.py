"""Lazy documents (schema.json, ui-config.json): checked to be JSON at load, data made
when first read. They must be indistinguishable from documents parsed at once: the same
errors for the same bytes, the same data, and the same answers from kind/keys/get
before anything is made."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from capcheck.facts import build_facts
from capcheck.load.definitions import read_definition
from capcheck.load.jsondoc import (
    JsonDocument,
    _nested_as_deep,
    parse_json_bytes,
    pointer,
    resolve_pointer,
)
from capcheck.model import LoadError

simdjson = pytest.importorskip("simdjson")

P = Path("x/schema.json")
MISSING = object()


def _value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth <= 0 or roll < 0.35:
        return rng.choice([
            0, -0.0, 1, -1, 2**63 - 1, -(2**63), 2**64 - 1, 1.5, 1e300, 5e-324, 0.1, True,
            False, None, "", "a", "é", "\U0001f600", "quote\"back\\slash", "[{]}", "\x7f",
            "tab\there", "line\nbreak", "/configSchema",
        ])
    if roll < 0.65:
        return [_value(rng, depth - 1) for _ in range(rng.randrange(4))]
    keys = ["configSchema", "properties", "required", "a", "b", "~0", "a/b", "0", "1"]
    return {rng.choice(keys): _value(rng, depth - 1) for _ in range(rng.randrange(5))}


def _text(rng: random.Random) -> str:
    value = _value(rng, rng.randrange(6))
    text = json.dumps(value, ensure_ascii=rng.random() < 0.5,
                      indent=rng.choice([None, 2]))
    if rng.random() < 0.2:  # a repeated key somewhere (json.loads keeps the last)
        text = text.replace('{"', '{"a": 7, "a": [1], "', 1)
    if rng.random() < 0.3:  # the integer -0 (json.loads: 0)
        text = text.replace("[]", "[-0, -0.0, 1E2]", 1)
    return text


def _pointers(data: Any, rng: random.Random) -> list[str]:
    found = ["", "/missing", "/0", "/configSchema/properties", "/configSchema/required"]
    node, ptr = data, ""
    for _ in range(4):
        if isinstance(node, dict) and node:
            key = rng.choice(list(node))
        elif isinstance(node, list) and node:
            key = rng.randrange(len(node))
        else:
            break
        ptr += pointer(key)
        found.append(ptr)
        node = node[key]
    return found


def _answers(doc: JsonDocument, ptr: str) -> tuple[Any, ...]:
    return doc.kind(ptr), doc.keys(ptr), doc.get(ptr, MISSING)


def test_lazy_documents_answer_as_the_data_would() -> None:
    rng = random.Random(5)
    lazy_seen = 0
    for _ in range(2500):
        text = _text(rng)
        raw = text.encode("utf-8")
        data = json.loads(text)
        for ptr in _pointers(data, rng):
            doc = JsonDocument.lazy(P, raw)
            if doc is None:
                continue
            lazy_seen += 1
            expected = resolve_pointer(data, ptr, MISSING)
            kind = None if expected is MISSING else type(expected)
            keys = list(expected) if isinstance(expected, dict) else []
            got = _answers(doc, ptr)
            assert got[0] is kind, (text, ptr)
            assert got[1] == keys, (text, ptr)
            assert repr(got[2]) == repr(expected), (text, ptr)  # -0.0 vs 0, 1 vs 1.0
            assert repr(doc.data) == repr(data), text  # then the made data
            assert _answers(doc, ptr)[2] == got[2]
        lazy = JsonDocument.lazy(P, raw)
        assert lazy is None or lazy.text == text
    assert lazy_seen > 5000


EDGES = [
    b"[NaN]", b"[Infinity]", b"[1,]", b"\xef\xbb\xbf[1]", b"\xef\xbb\xbf", b'"\x01"', b"[01]",
    b"{'a': 1}", b"[1] x", b"", b" ", b"[" * 899 + b"]" * 899, b"[" * 900 + b"]" * 900,
    b"[" * 980 + b"]" * 980, b"[" * 1100 + b"]" * 1100, b"[" * 5000 + b"]" * 5000,
    b'{"a": 1, "a": 2}', b"[" + b"9" * 5000 + b"]", b'["\\ud800"]', b'["\\udc00", 1]',
    b"[1e400]", b"[-1e400]", b"[18446744073709551616]", b"[-9223372036854775809]",
    b"[123456789012345678901]", b'["\xc3\x28"]', b'["\xed\xa0\x80"]', b"\x00",
    b'{"configSchema": null}', b'[{"a": "]]]]"}, "\\"[[["]', b"-0", b"1E-400",
    b'{"a": [' + b'{"b": [' * 500 + b"]}" * 500 + b"]}",
    # shapes that make measuring the nesting slow or wrong if done naively
    b"[" * 899 + b"[]," * 3000 + b"[]" + b"]" * 899,  # 900 deep behind many pairs
    b"".join(b"[" + b"[" * 20 + b"]" * 20 + b"," for _ in range(890)) + b"1" + b"]" * 890,
    b"[" + b'"]]]",' * 5000 + b"[]" * 900 + b"]",  # brackets in strings
    b'["' + b'\\\"' * 3000 + b'"' + b",[]" * 1000 + b"]",  # escaped quotes
    b"[" * (1 << 17) + b"]" * (1 << 17),
]


def _outcome(found: JsonDocument | LoadError) -> Any:
    if isinstance(found, LoadError):
        return ("error", str(found.location), found.message)
    return ("doc", repr(found.data), found.text)


@pytest.mark.parametrize("raw", EDGES, ids=range(len(EDGES)))
def test_lazy_parse_gives_what_parsing_now_gives(raw: bytes) -> None:
    now = parse_json_bytes(P, raw)
    later = parse_json_bytes(P, raw, lazy=True)
    assert _outcome(later) == _outcome(now)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def test_nesting_depth_outside_strings() -> None:
    rng = random.Random(9)
    for _ in range(1500):
        value = _value(rng, rng.randrange(10))
        raw = json.dumps(value).encode()
        depth = _depth(value)
        for limit in range(1, 12):
            assert _nested_as_deep(raw, limit) == (depth >= limit), (raw, limit)
    assert not _nested_as_deep(b'["[[[[[[", "\\"[[[[["]', 3)
    assert _nested_as_deep(b"[[1],[[2],[[3]]]]", 4)
    assert not _nested_as_deep(b"[[1],[[2],[[3]]]]", 5)


SCHEMAS = {
    "plain": {"configSchema": {"properties": {"apiKey": {}, "region": {}},
                               "required": ["apiKey"]}},
    "no-config-schema": {"properties": {"a": {}}, "required": ["a"]},
    "config-schema-null": {"configSchema": None},
    "config-schema-list": {"configSchema": []},
    "properties-list": {"configSchema": {"properties": ["a"], "required": []}},
    "required-numbers": {"configSchema": {"properties": {}, "required": ["a", 1, -0.0]}},
    "required-null": {"configSchema": {"required": None}},
    "top-list": [1, 2],
    "top-string": "schema",
}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@pytest.mark.parametrize("repeat", [False, True])
def test_schema_facts_are_the_same_lazy_or_not(
    name: str, repeat: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "dest"
    folder.mkdir()
    (folder / "db-config.json").write_text(json.dumps(
        {"name": "DEST", "displayName": "Dest", "config": {"supportedSourceTypes": ["web"]}}))
    text = json.dumps(SCHEMAS[name], indent=2)
    if repeat and text.startswith("{"):  # json.loads keeps the later configSchema
        text = '{"configSchema": {"required": ["early"]},' + text[1:]
    (folder / "schema.json").write_text(text)

    def facts() -> tuple[Any, ...]:
        found = build_facts(read_definition(folder))
        assert not isinstance(found, LoadError)
        return (found.schema_properties, found.schema_required,
                [(p.field, p.pointer, p.message, str(p.location)) for p in found.problems])

    lazily = facts()
    monkeypatch.setattr(JsonDocument, "lazy", classmethod(lambda cls, path, raw: None))
    assert facts() == lazily


@pytest.mark.skipif(not os.environ.get("CAPCHECK_CORPUS"), reason="CAPCHECK_CORPUS not set")
def test_real_definitions_lazy_or_not(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = Path(os.environ["CAPCHECK_CORPUS"])
    folders = sorted(p for p in corpus.iterdir() if (p / "db-config.json").is_file())

    def read() -> list[Any]:
        out = []
        for folder in folders:
            found = build_facts(read_definition(folder))
            assert not isinstance(found, LoadError)
            out.append((found.schema_properties, found.schema_required, found.problems,
                        dict(found.ui_fields)))
        return out

    lazily = read()
    monkeypatch.setattr(JsonDocument, "lazy", classmethod(lambda cls, path, raw: None))
    assert read() == lazily


def test_repeated_keys_found_as_by_comparing_every_object(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``duplicate_keys`` first compares the file written without whitespace with the
    data written back (equal: no key repeats); the answer must be the full scan's."""
    rng = random.Random(21)
    texts = [_text(rng) for _ in range(1500)] + [
        '{"a": 1, "b": {"c": 2, "c": 2}}', '{"a": 1E2, "a": 100.0}', '{"\\/": 1, "/": 2}',
        '{"\\u00e9": 1, "é": 1}', '[{"x": 1}, {"x": 1, "y": {"x": 1}}]',
        '{"big": 123456789012345678901234, "big": 1}', '{"s": "\\ud800", "s": 1}',
        '{"k": [1, 2], "k2": {"k": 3}}', "3", '"text"', "[]", "{}",
    ]
    for text in texts:
        fast = parse_json_bytes(P, text.encode("utf-8"))
        slow = parse_json_bytes(P, text.encode("utf-8"))
        assert isinstance(fast, JsonDocument) and isinstance(slow, JsonDocument), text
        with monkeypatch.context() as patched:
            patched.setattr(JsonDocument, "_written_back", lambda self: False)
            expected = slow.duplicate_keys
        assert fast.duplicate_keys == expected, text
    assert any(parse_json_bytes(P, t.encode()).duplicate_keys for t in texts)  # type: ignore[union-attr]


_MUTATIONS: list[Any] = [
    lambda b: b[: len(b) // 2],  # truncated
    lambda b: b.replace(b"{", b'{"dup": 1, "dup": [2],', 1),
    lambda b: b.replace(b'"properties"', b'"properties": 3, "properties"', 1),
    lambda b: b.replace(b'"required"', b'"required": null, "required"', 1),
    lambda b: b.replace(b"{", b'{"x": NaN,', 1),
    lambda b: b.replace(b"{", b'{"x": "\\ud800",', 1),
    lambda b: b.replace(b"{", b'{"x": 123456789012345678901234567890,', 1),
    lambda b: b.replace(b"{", b'{"x": 1e400,', 1),
    lambda b: b"\xef\xbb\xbf" + b,
    lambda b: b.replace(b"{", b'{"x": "\xff",', 1),
    lambda b: b.replace(b"{", b'{"x": ' + b"[" * 950 + b"]" * 950 + b",", 1),
    lambda b: b.replace(b'"configSchema"', b'"configSchema": [], "configSchema"', 1),
    lambda b: b"[1, 2]",
    lambda b: b.replace(b"{", b'{"x": -0, "y": 1E2, "z": "\\u0000\\/",', 1),
    lambda b: b,
]


def test_commands_say_the_same_lazy_or_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command's output and exit code over hostile schema.json and ui-config.json
    files is the same whether they are read lazily or parsed at once."""
    from capcheck.cli import main

    schema = {"configSchema": {"type": "object", "required": ["apiKey"],
                               "properties": {"apiKey": {"type": "string"},
                                              "region": {"type": "string"}}}}
    ui = {"uiConfig": [{"title": "Connection", "fields": [
        {"type": "textInput", "label": "API key", "value": "apiKey"},
        {"type": "singleSelect", "label": "Region", "value": "region"}]}]}
    for i, mutate in enumerate(_MUTATIONS):
        folder = tmp_path / "defs" / f"dest{i:02d}"
        folder.mkdir(parents=True)
        (folder / "db-config.json").write_text(json.dumps({
            "name": f"DEST{i}", "displayName": f"Dest {i}",
            "config": {"supportedSourceTypes": ["web", "warehouse"],
                       "destConfig": {"defaultConfig": ["apiKey", "region"]},
                       "secretKeys": ["apiKey"]}}))
        target = "schema.json" if i % 2 else "ui-config.json"
        other = "ui-config.json" if i % 2 else "schema.json"
        docs = {"schema.json": schema, "ui-config.json": ui}
        (folder / target).write_bytes(mutate(json.dumps(docs[target], indent=2).encode()))
        (folder / other).write_text(json.dumps(docs[other]))
    defs = str(tmp_path / "defs")
    commands = [["matrix", defs, "--format", "json"], ["matrix", defs, "--format", "html"],
                ["check", defs, "--no-config", "--output-format", "json"],
                ["audit", defs, "--format", "json"],
                ["lock", defs, "--no-config", "-o", str(tmp_path / "lock.json")]]

    def outputs() -> list[tuple[int, str, str, str]]:
        found = []
        for args in commands:
            code = main([*args, "--jobs", "1"])
            out, err = capsys.readouterr()
            written = tmp_path / "lock.json"  # not written over broken input
            lock = written.read_text() if args[0] == "lock" and written.exists() else ""
            found.append((code, out, err, lock))
        return found

    lazily = outputs()
    assert any("invalid JSON" in err for _c, _o, err, _l in lazily)
    monkeypatch.setattr(JsonDocument, "lazy", classmethod(lambda cls, path, raw: None))
    assert outputs() == lazily
