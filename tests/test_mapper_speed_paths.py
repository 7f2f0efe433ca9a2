"""The mapper's fast paths give the general path's answers, on random inputs.

- ``compiled.flatten`` (the inline walk) against ``compiled.flatten_reference``: same keys,
  same order, same values, same exceptions;
- the compiled tables of the mapping against the reference interpreter (``construct``),
  on random events and objects that are not plain JSON (dict subclasses, literal dotted
  keys, array-index keys).

No timing here: bench/bench_mapper.py measures.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capcheck.mappers.moengage import compiled, table
from capcheck.mappers.moengage.errors import MappingError

NOW = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)

KEYS = st.sampled_from(["a", "b", "a.b", "", "0", "1", "10", "01", "-1", " x", "$", ":", "z",
                        "traits", "context", "email", "id", "device", "type", "token",
                        "timezone", "properties", "traits.email", "context.traits",
                        "4294967294", "4294967295", "é"]) | st.text(max_size=3)
SCALARS = (st.none() | st.booleans() | st.integers(-(2**60), 2**60)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=4)
           | st.sampled_from(["Asia/Tokyo", "ios", "", " 12 ", "0x1F"]))


class Sub(dict):  # type: ignore[type-arg]
    """A dict subclass: the general walk's own branch."""


class ListSub(list):  # type: ignore[type-arg]
    pass


def _odd(children: Any) -> Any:
    return (st.lists(children, max_size=4)
            | st.dictionaries(KEYS, children, max_size=5)
            | st.dictionaries(KEYS, children, max_size=3).map(Sub)
            | st.dictionaries(KEYS, children, max_size=3).map(OrderedDict)
            | st.lists(children, max_size=3).map(ListSub)
            | st.lists(children, min_size=257, max_size=260))


JSON = st.recursive(SCALARS, _odd, max_leaves=30)


def _answer(fn: Any, data: Any) -> Any:
    try:
        result = fn(data)
    except Exception as exc:  # noqa: BLE001 - the answer under test
        return ("raises", type(exc).__name__)
    return [(k, repr(v), type(v).__name__) for k, v in result.items()]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=JSON)
def test_flatten_is_the_reference(data: Any) -> None:
    assert _answer(compiled.flatten, data) == _answer(compiled.flatten_reference, data)


def test_flatten_is_the_reference_on_known_cases() -> None:
    cases: list[Any] = [
        {"a": {"": {"b": 1}}}, {"": {"a": 1}}, {"": {}}, {"": []}, {"x": {"1": 2, "a": 3}},
        {"b": 1, "1": {"x": 1}, "0": 2}, {"a.b": 1, "a": {"b": 2}}, [], {}, "text", None,
        {"a": Sub({"1": 1, "b": 2})}, {"a": [Sub({"0": 1}), ListSub([1]), [], {}]},
        {1: "not a string key"}, {"a": {1: 2}}, {"k": list(range(300))},
    ]
    for data in cases:
        assert _answer(compiled.flatten, data) == _answer(compiled.flatten_reference, data)


# ---------------------------------------------------------------------------- tables

EVENT = st.fixed_dictionaries(
    {},
    optional={
        "userId": SCALARS, "anonymousId": SCALARS, "previousId": SCALARS, "event": SCALARS,
        "channel": SCALARS, "timestamp": SCALARS, "originalTimestamp": SCALARS,
        "traits": JSON, "properties": JSON, "traits.email": SCALARS,
        "context.traits": JSON, "context.device.id": SCALARS,
        "context": st.fixed_dictionaries({}, optional={
            "traits": JSON, "timezone": SCALARS, "app": JSON, "os": JSON,
            "device": st.fixed_dictionaries({}, optional={
                "type": SCALARS, "token": SCALARS, "id": SCALARS, "model": SCALARS}) | JSON,
            "traits.name": SCALARS, "device.type": SCALARS,
        }) | JSON,
    },
)


def _run(build: Any, message: Any, slot: str, mutate: bool) -> Any:
    try:
        return ("ok", repr(build(message, NOW, slot, mutate)))
    except MappingError as exc:
        return ("error", exc.message, exc.status_code)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=EVENT, mutate=st.booleans(), sub=st.booleans())
def test_compiled_tables_are_the_reference(message: dict[str, Any], mutate: bool,
                                           sub: bool) -> None:
    import copy

    mapping = table.load()
    seen: set[int] = set()
    for request in mapping.requests.values():
        for part in ("base", "attributes", "attributes_object", "action", "action_object"):
            rows = getattr(request, part)
            if rows is None or id(rows) in seen:
                continue
            seen.add(id(rows))
            build = getattr(request.builders, part)
            event: Any = Sub(copy.deepcopy(message)) if sub else copy.deepcopy(message)
            expected_event: Any = copy.deepcopy(event)
            got = _run(build, event, "", mutate)

            def reference(m: Any, now: Any, slot: str, mut: bool, rows: Any = rows) -> Any:
                return compiled.construct(m, rows, now, slot, mut)

            expected = _run(reference, expected_event, "", mutate)
            assert got == expected
            assert repr(event) == repr(expected_event)  # the same keys deleted (mutate)


# ---------------------------------------------------------------------------- blocks

LINES = [
    b'{"type":"track","userId":"u","event":"E","properties":{"a":1.0,"b":[1,{"c":2}]}}',
    b'{"type":"track","userId":"u","event":"E","properties":{"x":1e-7,"y":0.00001}}',
    b'{"type":"track","userId":"u","event":"E","properties":{"big":12345678901234567890}}',
    b'{"type":"identify","userId":"u","traits":{"email":"e","0":"z","a":{"b":1}},'
    b'"context":{"device":{"type":"ios","token":"t","id":"d"}}}',
    b'{"type":"identify","anonymousId":"a","traits":{"s":"\\ud800"}}',
    b'{"type":"page","userId":"u"}', b'{"type":5}', b'{}', b'{"type":"alias","userId":"u"}',
    b'{"message":{"type":"track","userId":"u","event":"E"},'
    b'"destination":{"Config":{"apiId":"x","apiKey":"y","region":"US"}}}',
    b'{"message":{"type":"track","userId":"u","event":"E"}}',
    b'{"type":"track","userId":"u","event":"\\ud83d\\ude00 \\udfff"}', b"not json", b"",
    b"  ", b"[1]", b'{"type":"track","userId":"u","event":"E"} x', b"\xff{",
    b'{"type":"track","userId":"u","event":"E","properties":' + b"[" * 250 + b"]" * 250 + b"}",
    b'{"type":"alias","userId":1e400,"previousId":"p"}',
    b'{"type":"track","userId":"u","event":"E","context":{"timezone":"Asia/Tokyo"}}',
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(picks=st.lists(st.sampled_from(LINES), max_size=30),
       ends=st.sampled_from([b"\n", b"\r\n", b"\r"]),
       config=st.sampled_from([{"apiId": "a", "apiKey": "k", "region": "EU"},
                               {"apiId": 7, "apiKey": "k", "region": "US",
                                "useObjectData": True}, None]))
def test_block_inline_lines_are_the_decoder_lines(picks: list[bytes], ends: bytes,
                                                  config: Any) -> None:
    from capcheck.mappers.moengage import stream

    block = ends.join(picks) + (ends if picks else b"")
    mapper = stream.make_mapper(NOW)
    counts = stream.Counts()
    data, lines = stream.map_block(3, block, mapper, config, counts)
    decoder = stream.EventDecoder()
    expected = stream.Counts()
    parts = []
    for lineno, raw in enumerate(block.splitlines(keepends=True), 3):
        out, record = decoder.output(lineno, raw, mapper, config)
        expected.tally(record)
        parts.append(out)
    assert data == b"".join(parts)
    assert lines == len(parts)
    assert (counts.ok, counts.failed, counts.blank) == (
        expected.ok, expected.failed, expected.blank)
