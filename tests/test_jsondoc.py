from __future__ import annotations

from pathlib import Path

from capcheck.load.jsondoc import load_json, parse_json_text, pointer, resolve_pointer
from capcheck.model import LoadError

TEXT = """{
  "name": "X",
  "config": {
    "supportedSourceTypes": ["web",
      "warehouse"],
    "a/b": {"~x": 1},
    "name": "dup-free",
    "nested": [{"k": [true, null]}]
  }
}
"""


def doc(text: str = TEXT):
    result = parse_json_text(Path("d.json"), text)
    assert not isinstance(result, LoadError)
    return result


def test_positions_of_members_and_items() -> None:
    d = doc()
    assert d.position("/name") == (2, 3)
    assert d.position("/config/supportedSourceTypes") == (4, 5)
    assert d.position("/config/supportedSourceTypes/0") == (4, 30)
    assert d.position("/config/supportedSourceTypes/1") == (5, 7)
    assert d.position("/config/nested/0/k/1") == (8, 29)
    assert d.value_position("/config/supportedSourceTypes") == (4, 29)


def test_pointer_escaping() -> None:
    d = doc()
    ptr = "/config" + pointer("a/b", "~x")
    assert ptr == "/config/a~1b/~0x"
    assert d.position(ptr) == (6, 13)
    assert resolve_pointer(d.data, ptr) == 1


def test_missing_member_falls_back_to_parent_line() -> None:
    d = doc()
    loc = d.location("/config/supportsVisualMapper")
    assert (loc.line, loc.pointer) == (3, "/config/supportsVisualMapper")


def test_a_pointer_without_a_leading_slash_falls_back_to_the_document() -> None:
    # used to loop forever: "x".rsplit("/") never gets shorter
    for ptr in ("x", "config/nothing"):
        loc = doc().location(ptr)
        assert (loc.line, loc.pointer) == (1, ptr)


def test_duplicate_keys_are_found_with_both_lines() -> None:
    d = doc('{\n "a": 1,\n "b": {"c": 1,\n  "c": 2},\n "a": 3\n}')
    dups = {(x.pointer, x.line, x.first_line) for x in d.duplicate_keys}
    assert dups == {("/b/c", 4, 3), ("/a", 5, 2)}
    assert d.data == {"a": 3, "b": {"c": 2}}


def test_no_duplicates_in_clean_document() -> None:
    assert doc().duplicate_keys == []


def test_invalid_json_reports_line_and_column() -> None:
    result = parse_json_text(Path("bad.json"), '{\n  "a": [1, 2\n}')
    assert isinstance(result, LoadError)
    assert (result.location.line, result.location.column) == (3, 1)
    assert str(result).startswith("bad.json:3:1: invalid JSON:")


def test_unreadable_and_undecodable_files(tmp_path: Path) -> None:
    missing = load_json(tmp_path / "nope.json")
    assert isinstance(missing, LoadError) and missing.message == "file not found"
    folder = load_json(tmp_path)
    assert isinstance(folder, LoadError) and "directory" in folder.message
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{\n"a": "\xe9"}')
    bad = load_json(latin)
    assert isinstance(bad, LoadError) and bad.location.line == 2 and "UTF-8" in bad.message


def test_unicode_and_escapes_keep_columns() -> None:
    d = doc('{"é\\"q": {"x": "a\\u00e9b", "y": 1}}')
    assert d.position("/é\"q/y") == (1, 28)
