"""The start-up shortcuts of the MoEngage mapper give the answers of the general path.

- zone names: ``timezones.canonical_name`` (reads only the folders on the way) against the
  full listing (``available_timezones``) it replaces;
- the generated tables module: up to date with mapping.yaml and the compiler, taken only
  when it is, and the same requests either way.

No timing here: bench/bench_mapper.py measures.
"""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

import pytest

from capcheck.mappers.moengage import compiled, table, timezones
from capcheck.mappers.moengage.transform import run

NOW = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
CONFIG = {"apiId": "a", "apiKey": "k", "region": "EU"}

# ---------------------------------------------------------------------------- zones


def _variants(name: str, rng: random.Random) -> list[str]:
    swapped = "".join(
        {"/": "_", "_": "/"}.get(c, c) if rng.random() < 0.5 else c for c in name
    )
    mixed = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)
    return [name, name.lower(), name.upper(), swapped, mixed, name + "/", name[:-1],
            name.replace("/", "//"), " " + name]


def test_zone_lookup_is_the_full_listing() -> None:
    zones = sorted(available_timezones())
    assert len(zones) > 300, "no system tz database"
    rng = random.Random(11)
    queries = {q for name in zones for q in _variants(name, rng)}
    queries |= {"", "/", "_", "posix/Europe/Paris", "right/UTC", "posix_utc", "posixrules",
                "localtime", "Factory", "factory", "zone.tab", "tzdata.zi", "iso3166.tab",
                "leapseconds", "America", "america_", "Wrong/Zone", "Etc", "+VERSION"}
    names = timezones._zone_names()  # the reference: every name of the listing
    differ = [q for q in sorted(queries)
              if timezones.canonical_name(q) != names.get(timezones._normal(q))]
    assert not differ, differ[:10]


def test_zone_lookup_follows_the_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tz folder of its own: right/ and posix/ skipped at the top only, linked folders
    not entered, files that are not TZif no zones, the first name in sorted order wins."""
    root = tmp_path / "zi"
    for rel in ["Area/City", "area/City", "area/city_b", "Area/Sub/Town", "posix/Area/City",
                "right/X", "Deep/posix/Y", "Plain"]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"TZif2" + bytes(40))
    (root / "zone.tab").write_text("not a zone")
    (root / "Linked").symlink_to(root / "Area", target_is_directory=True)
    (root / "Alias").symlink_to(root / "Plain")
    monkeypatch.setattr(timezones, "_LISTINGS", {})
    import zoneinfo

    monkeypatch.setattr(zoneinfo._tzpath, "TZPATH", (str(root),))  # type: ignore[attr-defined]
    timezones._zone_names.cache_clear()
    try:
        expected = timezones._zone_names()
        for query in ["area/city", "AREA_CITY", "area_city_b", "area/city/b", "area_sub_town",
                      "posix/area/city", "right_x", "deep/posix/y", "plain", "alias",
                      "linked/city", "zone.tab", "nothing"]:
            got = timezones.canonical_name(query)
            assert got == expected.get(timezones._normal(query)), query
        assert timezones.canonical_name("area_city") == "Area/City"  # sorts before area/city
        assert timezones.canonical_name("linked_city") is None
        assert timezones.canonical_name("deep_posix_y") == "Deep/posix/Y"
    finally:
        timezones._zone_names.cache_clear()


# ---------------------------------------------------------------------------- tables


def test_generated_tables_are_up_to_date() -> None:
    """Run ``python -m capcheck.mappers.moengage.table`` when this fails."""
    text = Path(table.mapping_path()).read_text(encoding="utf-8")
    module = Path(compiled.__file__).with_name("_generated_tables.py")
    assert module.read_text(encoding="utf-8") == table.generated_source(text)


def test_load_takes_the_generated_functions() -> None:
    mapping = table.load()
    build = mapping.requests["track"].builders.action
    assert build.__module__ == table.GENERATED


def test_event_path_imports_no_yaml() -> None:
    code = (
        "import sys\n"
        "from capcheck.mappers.moengage import stream, transform\n"
        "transform({'type': 'track', 'userId': 'u', 'event': 'E'},"
        " {'apiId': 'a', 'apiKey': 'k', 'region': 'EU'})\n"
        "print(sorted(m for m in ('yaml', 'multiprocessing') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_stale_code_is_compiled_not_taken() -> None:
    rows = table.load().requests["track"].action
    assert rows is not None
    fresh = compiled.source_of(rows, "t")
    stale: dict[str, Any] = {"SOURCES": {"t": fresh + "# changed\n"},
                             "build_t": lambda *a: {"stale": True}}
    build = compiled.compile_rows(rows, "t", stale)
    assert build({"event": "E"}, NOW, "", False) == {"action": "E"}
    current: dict[str, Any] = {"SOURCES": {"t": fresh}}
    exec(compile(fresh, "<t>", "exec"), current)  # noqa: S102
    taken = compiled.compile_rows(rows, "t", current)
    assert taken is current["build_t"]
    assert taken({"event": "E"}, NOW, "", False) == {"action": "E"}


def _events(n: int) -> list[Any]:
    rng = random.Random(3)
    out: list[Any] = []
    for i in range(n):
        kind = rng.choice(["identify", "track", "alias", "IDENTIFY"])
        traits = {"email": f"u{i}@x", "id": i, "firstName": rng.choice(["A", 1, None]),
                  "age": rng.choice(["3", 4.5, "x"]), "nested": {"a": [1, {"b": 2}]}}
        out.append({
            "type": kind, "userId": rng.choice([f"u{i}", "", None]), "anonymousId": "an",
            "previousId": "p", "event": rng.choice(["E", ""]),
            "traits": traits, "properties": {"x": [1, 2], "active": True, "0": "z"},
            "context": {"timezone": rng.choice(["Asia/Tokyo", "bad", None]),
                        "traits": {"name": "N"},
                        "device": rng.choice([{"type": "ios", "token": "t", "id": "d"}, {}])},
        })
    return out


def test_generated_and_yaml_mappings_map_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    text = Path(table.mapping_path()).read_text(encoding="utf-8")
    from_yaml = table.compile_mapping(table._parse(text))
    generated = table._generated(text)
    assert generated is not None
    from_module = table.compile_mapping(table._copy(generated["DATA"]), generated)
    answers = []
    for mapping in (from_yaml, from_module):
        monkeypatch.setattr(sys.modules[run.__module__], "load", lambda m=mapping: m)
        got = []
        for config in (CONFIG, {**CONFIG, "useObjectData": True}):
            for event in _events(300):
                try:
                    got.append(repr(run(event, config, NOW)))
                except Exception as exc:  # noqa: BLE001 - the answer is the comparison
                    got.append(f"{type(exc).__name__}: {exc}")
        answers.append(got)
    assert answers[0] == answers[1]
