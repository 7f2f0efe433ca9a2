# ruff: noqa: UP031  (JSON templates: %-formatting keeps the braces readable)
"""The orjson fast path writes exactly the bytes of the standard path (issue 11: output equal
to today's, line for line), for every line: numbers JavaScript reads differently, strings
orjson refuses, invalid input."""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capcheck.mappers.moengage import stream

pytest.importorskip("orjson", reason="orjson is the fast path under test")

CONFIG = {"apiId": "app", "apiKey": "key", "region": "EU"}
MAPPER = stream.make_mapper(datetime(2024, 3, 1, 12, tzinfo=timezone.utc))

NUMBERS = [
    "0", "-0", "1.0", "-0.0", "1e3", "1E-7", "0.00001", "1e-5", "0.0001", "123456789012345678",
    "9007199254740993", "1e21", "1e22", "1.5e300", "1e400", "-1e400", "0.1", "2.50", "4.35",
    "12345678901234567890123", "5e-324", "9" * 400, "3.14159265358979323846", "1e16",
    "100000000000000.01", "0.000123", "1.7976931348623157e308", "18446744073709551616",
    "-9223372036854775809", "123456789012345.9999", "1.0e+2", "2.5e-5", "1.5e16",
]
STRINGS = [
    '"\\ud800"', '"a\\u0000b"', '"\\u001f\\u007f"', '"\u2028x\u2029"', '"é漢字😀"',
    '"\\"q\\\\"', '"\\t\\n\\r\\b\\f"', '"\\/"', '"12"', '""', "null", "true", "[]", "{}",
    '{"0":1,"b":2,"1":3}', '"Mozilla/5.0 (X11)"', '"v1.0,"', '"5e-3"', '"1234567890123456"',
]


def standard(lineno: int, raw: bytes) -> bytes:
    return stream.encode_record_std(
        stream._decoder().record(lineno, raw, MAPPER, CONFIG)
    )


def fast(lineno: int, raw: bytes) -> bytes:
    return stream._decoder().output(lineno, raw, MAPPER, CONFIG)[0]


def _line(kind: str, value: str) -> bytes:
    if kind == "track":
        text = ('{"type":"track","userId":"u","event":"E","properties":'
                f'{{"v":{value},"w":[{value}]}},'
                '"context":{"timezone":"Asia/Tokyo"}}')
    elif kind == "identify":
        text = ('{"type":"identify","userId":"u","traits":'
                f'{{"age":{value},"revenue":{value},"x":{{"y":{value}}}}},'
                '"context":{"device":{"type":"ios","token":"t"}}}')
    else:
        text = f'{{"type":"alias","userId":{value},"previousId":{value}}}'
    return text.encode("utf-8", "surrogatepass") + b"\n"


@pytest.mark.parametrize("value", NUMBERS + STRINGS)
@pytest.mark.parametrize("kind", ["track", "identify", "alias"])
def test_fast_path_bytes_equal_standard(kind: str, value: str) -> None:
    raw = _line(kind, value)
    assert fast(3, raw) == standard(3, raw)


@pytest.mark.parametrize("raw", [
    b"", b"\n", b"   \r\n", b"\xef\xbb\xbf{}\n", b'{"a":1}{"b":2}\n', b'{"a":}\n', b"{\n",
    b'{"a":NaN}\n', b'{"a":"\xff"}\n', b'{"a":"\xed\xa0\x80"}\n', b'{"a":"\xc0\xaf"}\n',
    b'{"a":' * 300 + b"1" + b"}" * 300 + b"\n", b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b'{"type":"track","userId":"u","event":"e"}\r', b'{"type":"alias"} x\n',
    b'{"message":{"type":"alias","userId":"a","previousId":"b"},"destination":{"Config":'
    b'{"apiId":1.0,"apiKey":"k","region":"US"}}}\n', b'[1,2]\n', b'"x"\n', b"1\n",
    b'{"type":"track","userId":"u","event":"e","properties":{"a":"\x01"}}\n',
])
@pytest.mark.parametrize("lineno", [1, 2])
def test_fast_path_bytes_equal_standard_odd_lines(raw: bytes, lineno: int) -> None:
    assert fast(lineno, raw) == standard(lineno, raw)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_json_values, kind=st.sampled_from(["track", "identify", "alias"]))
def test_fast_path_equals_standard_on_generated_values(value: Any, kind: str) -> None:
    raw = _line(kind, json.dumps(value, separators=(",", ":")))
    assert fast(5, raw) == standard(5, raw)


def test_fast_path_equals_standard_on_mutated_events() -> None:
    rng = random.Random(11)
    base = [_line(k, v) for k in ("track", "identify", "alias") for v in ("1", '"s"')]
    for _ in range(2000):
        raw = bytearray(rng.choice(base))
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(len(raw))
            raw[at:at + 1] = rng.choice(
                [b"", b"0", b".", b"e", b"-", b'"', b"\\", b"\xff", b"{", b"]", b"1.0", b"\r",
                 rng.choice(NUMBERS).encode()]
            )
        line = bytes(raw)
        assert fast(2, line) == standard(2, line), line
