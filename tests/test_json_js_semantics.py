"""The definition loader reads JSON as JavaScript's JSON.parse does, and its positional
pass stays linear in memory."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from capcheck.load.jsondoc import load_json, parse_json_text
from capcheck.model import LoadError
from capcheck.report.audit import load


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_constants_are_invalid_json(constant: str) -> None:
    text = '{\n  "name": "X",\n  "config": {"limit": ' + constant + "}\n}"
    result = parse_json_text(Path("d/db-config.json"), text)
    assert isinstance(result, LoadError)
    assert (result.location.line, result.location.column) == (3, 23)
    assert constant.lstrip("-") in result.message and "JSON.parse" in result.message
    assert str(result).startswith("d/db-config.json:3:23: invalid JSON:")


def test_constant_names_inside_strings_are_plain_text() -> None:
    result = parse_json_text(Path("d.json"), '{"a": "NaN", "b": "x \\" Infinity"}')
    assert not isinstance(result, LoadError)
    assert result.data == {"a": "NaN", "b": 'x " Infinity'}


def test_non_finite_value_in_a_definition_is_cap001(tmp_path: Path) -> None:
    from capcheck.gate.checker import run_checks

    folder = tmp_path / "dest"
    folder.mkdir()
    (folder / "db-config.json").write_text(
        json.dumps({"name": "DEST", "displayName": "Dest", "config": {}}), encoding="utf-8"
    )
    (folder / "schema.json").write_text('{"configSchema": {"maxItems": NaN}}',
                                        encoding="utf-8")
    result = run_checks(load([folder]))
    cap001 = [f for f in result.findings if f.code == "CAP001"]
    assert [f.location.file for f in cap001] == [str(folder / "schema.json")]
    assert "NaN" in cap001[0].message


def test_integer_past_the_digit_limit_reads_as_a_double(tmp_path: Path) -> None:
    digits = "9" * 5000
    path = tmp_path / "big.json"
    path.write_text('{"a": ' + digits + ', "b": -' + digits + ', "c": 12,\n "d": 1}',
                    encoding="utf-8")
    doc = load_json(path)
    assert not isinstance(doc, LoadError)
    assert doc.data == {"a": float("inf"), "b": float("-inf"), "c": 12, "d": 1}
    # positions and duplicate detection walk past the long literal too
    assert doc.position("/d") == (2, 2)
    assert doc.duplicate_keys == []


def test_long_integer_within_range_stays_exact() -> None:
    literal = "1" + "0" * 399
    doc = parse_json_text(Path("d.json"), '{"n": ' + literal + "}")
    assert not isinstance(doc, LoadError)
    assert doc.data["n"] == 10**399


def test_positions_and_duplicates_past_a_long_integer() -> None:
    digits = "7" * 4400
    doc = parse_json_text(Path("d.json"), '{"a": [' + digits + '],\n "a": 2}')
    assert not isinstance(doc, LoadError)
    assert [(d.pointer, d.line, d.first_line) for d in doc.duplicate_keys] == [("/a", 2, 1)]


def test_positional_pass_memory_is_linear_with_a_small_constant() -> None:
    size = 400_000
    # a duplicate key forces the full positional pass over the whole text
    text = '{"s": "' + "x" * size + '", "k": 1,\n "k": 2}'
    doc = parse_json_text(Path("d.json"), text)
    assert not isinstance(doc, LoadError)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        dups = doc.duplicate_keys
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert [(d.pointer, d.line) for d in dups] == [("/k", 2)]
    assert peak < 8 * size, f"{peak / size:.1f} bytes per character"
