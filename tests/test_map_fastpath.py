# ruff: noqa: UP031  (JSON templates: %-formatting keeps the braces readable)
"""The fast paths of ``capcheck map`` against the reference paths they replace.

Property-style: many generated inputs, each compared with the slow or reference answer
(no timing here; speed is measured by bench/bench_mapper.py).
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import pytest

from capcheck.mappers.moengage import parallel, stream

orjson = pytest.importorskip("orjson", reason="orjson is the fast path under test")
ROOT = Path(__file__).parent.parent

# ---------------------------------------------------------------------------- blocks


class _Trickle(io.RawIOBase):
    """A pipe-like stream: each read returns a random, often short, piece."""

    def __init__(self, data: bytes, rng: random.Random) -> None:
        self.data = data
        self.pos = 0
        self.rng = rng

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        n = min(size, self.rng.choice([1, 2, 3, 7, 64, size]))
        piece = self.data[self.pos : self.pos + n]
        self.pos += len(piece)
        return piece

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        return self.read1(size)


def _line_soup(rng: random.Random) -> bytes:
    parts = []
    for _ in range(rng.randrange(0, 40)):
        parts.append(rng.choice([b"a", b"{}", b"x" * rng.randrange(0, 30), b"\xc3\xa9", b""]))
        parts.append(rng.choice([b"\n", b"\r", b"\r\n", b"\n\r", b"\r\r\n", b"\n\n"]))
    if rng.random() < 0.5 and parts:
        parts.pop()  # the last line without a terminator
    return b"".join(parts)


@pytest.mark.parametrize("seed", range(30))
def test_blocks_hold_the_lines_of_iter_lines(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        data = _line_soup(rng)
        expected = list(stream.iter_lines(io.BytesIO(data)))
        size = rng.choice([1, 2, 3, 5, 8, 64, 4096])
        source = _Trickle(data, rng) if rng.random() < 0.5 else io.BytesIO(data)
        blocks = list(stream.iter_blocks(source, size))
        assert all(blocks), "no empty block"
        assert b"".join(blocks) == data
        lines = [line for block in blocks for line in block.splitlines(keepends=True)]
        assert lines == expected
        for block in blocks:
            assert stream.count_lines(block) == len(block.splitlines())
        for before, after in zip(blocks, blocks[1:], strict=False):
            assert not (before.endswith(b"\r") and after.startswith(b"\n")), "a split CRLF"


def test_a_crlf_is_never_split_between_blocks() -> None:
    data = b"ab\r\ncd\r\nef\r"
    for size in range(1, 12):
        blocks = list(stream.iter_blocks(io.BytesIO(data), size))
        assert all(not b.startswith(b"\n") for b in blocks), (size, blocks)
        assert b"".join(blocks) == data


# ---------------------------------------------------------------------------- events

NOW = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
CONFIG = {"apiId": "app", "apiKey": "key", "region": "EU"}
MAPPER = cast(stream.EventMapper, stream.make_mapper(NOW))  # (the fast path's kind)

# Number literals written as text (JSON.parse and orjson read some of them differently).
_NUMBERS = [
    "0", "-0", "7", "-12", "1.0", "-0.0", "2.50", "31.98", "1e3", "1E-7", "2.5e-5", "0.00001",
    "0.0001", "0.000123", "1e16", "1.5e16", "1e21", "1e400", "5e-324", "9007199254740991",
    "9007199254740992", "9007199254740993", "-9007199254740993", "1234567890123456",
    "123456789012345678", "18446744073709551616", "0.30000000000000004", "100.000",
    "3.14159265358979323846", "1.7976931348623157e308", "123456789012345.9999",
]
# Strings the mapper converts (to_number, to_string, zone names) or passes through.
_STRINGS = [
    "", "36", " 12 ", "0x1F", "0b101", "1e-7", "0.00001", "Infinity", "-0", "1.0",
    "12345678901234567890123", "0xFFFFFFFFFFFFFFFFFFFFFFFF", "Asia/Kolkata", "asia/kolkata",
    "America/St_Johns", "Nowhere/Zone", "UTC", "2024-03-01T11:59:59.456Z",
    "2024-03-01 11:59:59+05:30", "1709294399", "é漢字😀", "\u2028", "\x00\x1f\x7f", 'q"\\',
    "550e8400-e29b-41d4-a716-446655440000", "3f2a9c1d8b7a6c5d4e3f2a9c1d8b7a6c", "e-mail",
    "v1.0,", "ios", "iPadOS", "android",
]
_ESCAPED_STRINGS = ['"\\ud800"', '"\\udc00x"', '"\\u00e9\\n\\t"', '"\\/"']
_KEYS = ["a", "b", "0", "1", "10", "01", "-1", "a.b", "", "é", "name", "email", "id",
         "firstName", "age", "createdAt", "products", "4294967295", "4294967294", "x y"]


def _literal(rng: random.Random, depth: int = 0) -> str:
    """JSON text of a random value (numbers as literal text, so every form is tried)."""
    roll = rng.random()
    if depth < 3 and roll < 0.15:
        items = [_literal(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
        return "[" + ",".join(items) + "]"
    if depth < 3 and roll < 0.3:
        return _object(rng, depth + 1)
    if roll < 0.55:
        return rng.choice(_NUMBERS)
    if roll < 0.62:
        return rng.choice(["true", "false", "null"])
    if roll < 0.67:
        return rng.choice(_ESCAPED_STRINGS)
    return json.dumps(rng.choice(_STRINGS), ensure_ascii=rng.random() < 0.3)


def _object(rng: random.Random, depth: int, keys: list[str] | None = None) -> str:
    names = keys if keys is not None else rng.sample(_KEYS, rng.randrange(0, 6))
    parts = [f"{json.dumps(k)}:{_literal(rng, depth)}" for k in names]
    return "{" + ",".join(parts) + "}"


def _event(rng: random.Random) -> str:
    kind = rng.choice(["track", "track", "identify", "identify", "alias", "Track", "page"])
    fields = {"type": json.dumps(kind)}
    for key in ("userId", "anonymousId", "previousId", "event", "timestamp",
                "originalTimestamp", "channel"):
        if rng.random() < 0.75:
            fields[key] = (json.dumps(rng.choice(_STRINGS[:20] + ["u1", "Order Completed"]))
                           if rng.random() < 0.8 else _literal(rng, 2))
    context = {}
    if rng.random() < 0.8:
        context["timezone"] = json.dumps(rng.choice(_STRINGS[12:17])) if rng.random() < 0.85 \
            else _literal(rng, 2)
    if rng.random() < 0.5:
        device = {"type": json.dumps(rng.choice(["ios", "android", "iPadOS", ""])),
                  "token": json.dumps(rng.choice(["tok", ""])), "id": _literal(rng, 2),
                  "model": json.dumps("Pixel")}
        context["device"] = "{" + ",".join(f'"{k}":{v}' for k, v in device.items()) + "}"
    if rng.random() < 0.3:
        context["traits"] = _object(rng, 1)
    if rng.random() < 0.5:
        context["app"] = '{"version":%s}' % _literal(rng, 2)
    if context:
        fields["context"] = "{" + ",".join(f'"{k}":{v}' for k, v in context.items()) + "}"
    if rng.random() < 0.8:
        fields["traits"] = _object(rng, 0, rng.sample(_KEYS, rng.randrange(0, 9)))
    if rng.random() < 0.8:
        fields["properties"] = _object(rng, 0, rng.sample(_KEYS, rng.randrange(0, 9)))
    if rng.random() < 0.05:
        fields["traits.id"] = _literal(rng, 2)  # a literal dotted key at the root
    order = list(fields)
    rng.shuffle(order)
    text = "{" + ",".join(f'"{k}":{fields[k]}' for k in order) + "}"
    if rng.random() < 0.1:  # a {message, destination} pair with its own Config
        config = {"apiId": rng.choice(["app", "ä", 7, 1.0, None, "\ud800"]),
                  "apiKey": rng.choice(["k", 12345678901234567890, "\udfff"]),
                  "region": rng.choice(["US", "EU", "IND", "XX"]),
                  "useObjectData": rng.choice([True, False, 0, "yes"])}
        text = '{"message":%s,"destination":{"Config":%s}}' % (text, json.dumps(config))
    return text


def _events(seed: int, n: int) -> list[bytes]:
    rng = random.Random(seed)
    return [_event(rng).encode("utf-8", "surrogatepass") + b"\n" for _ in range(n)]


def standard(lineno: int, raw: bytes) -> bytes:
    return stream.encode_record_std(stream._decoder().record(lineno, raw, MAPPER, CONFIG))


@pytest.mark.parametrize("seed", range(8))
def test_fast_path_equals_standard_path_on_generated_events(seed: int) -> None:
    """orjson decode + map + orjson encode + number guard writes, for every line, the
    bytes of the standard decoder with JavaScript number hooks and the standard encoder."""
    output = stream._decoder().output
    for lineno, raw in enumerate(_events(seed, 400), 1):
        assert output(lineno, raw, MAPPER, CONFIG)[0] == standard(lineno, raw), raw


def test_generated_events_reach_both_paths_and_all_outcomes() -> None:
    """The generator is not trivial: mapped events, failures, and lines the guard sends to
    the standard path are all there."""
    decoder = stream._decoder()
    outcomes: set[int] = set()
    fast = slow = 0
    for lineno, raw in enumerate(_events(99, 600), 1):
        record = decoder.output(lineno, raw, MAPPER, CONFIG)[1]
        outcomes.add(record.get("statusCode", 0))
        try:
            event = orjson.loads(raw)
            out = orjson.dumps(stream.map_event(MAPPER, lineno, event, CONFIG),
                               option=stream._FAST_OPTIONS)
        except (ValueError, TypeError):  # refused by orjson: the standard path
            slow += 1
            continue
        if stream._js_numbers_differ(out):
            slow += 1
        else:
            fast += 1
    assert {200, 400, 500} <= outcomes
    assert slow > 30 and fast > 100


@pytest.mark.parametrize("size", [1, 97, 4096, 2**20])
def test_map_block_equals_line_by_line(size: int) -> None:
    lines = _events(5, 300)
    lines[7] = b"\n"
    lines[8] = b"  \r\n"
    lines[20] = lines[20].rstrip(b"\n") + b"\r"
    lines[-1] = lines[-1].rstrip(b"\n")  # no terminator at the end
    data = b"".join(lines)
    counts_ref = stream.Counts()
    expected = b"".join(
        stream.event_outputs(stream.iter_lines(io.BytesIO(data)), MAPPER, CONFIG, counts_ref)
    )
    counts = stream.Counts()
    out = []
    first = 1
    for block in stream.iter_blocks(io.BytesIO(data), size):
        chunk, n = stream.map_block(first, block, MAPPER, CONFIG, counts)
        out.append(chunk)
        first += n
    assert b"".join(out) == expected
    assert (counts.ok, counts.failed, counts.blank) == (
        counts_ref.ok, counts_ref.failed, counts_ref.blank)


@pytest.mark.parametrize("seed", range(3))
def test_output_written_from_parts_equals_the_record_dumped(seed: int) -> None:
    """Where the line is written from the responses' parts, it is byte for byte the
    record ``map_event`` builds, dumped by orjson; and a mapper without ``parts`` (the
    general path) writes the same line too."""
    output = stream._decoder().output
    plain = cast(stream.EventMapper, stream.make_mapper(NOW)).__call__  # no .parts
    written = 0
    for lineno, raw in enumerate(_events(seed + 40, 300), 1):
        try:
            event = orjson.loads(raw)
        except ValueError:
            continue
        data, _ = stream._fast_output(lineno, event, MAPPER.parts, CONFIG)
        if data is not None:
            record = stream.map_event(MAPPER, lineno, event, CONFIG)
            assert data == orjson.dumps(record, option=stream._ORJSON_OPTIONS)
            written += 1
        assert output(lineno, raw, plain, CONFIG)[0] == output(lineno, raw, MAPPER, CONFIG)[0]
    assert written > 50


def test_output_with_own_configs_of_other_types() -> None:
    """Credentials that are not strings (numbers the guard must see, a lone surrogate)
    take the general path and still write the standard path's bytes."""
    base = '{"type":"track","userId":"u","event":"E","properties":{"p":1.5}}'
    for api_id in ['"a"', "7", "1.0", "1e2", "null", '"\\ud800"', "12345678901234567890",
                   "[1]", '{"x":1}', "true"]:
        raw = ('{"message":%s,"destination":{"Config":{"apiId":%s,"apiKey":"k",'
               '"region":"US"}}}\n' % (base, api_id)).encode()
        assert stream._decoder().output(4, raw, MAPPER, None)[0] == standard(4, raw), api_id


# ---------------------------------------------------------------------------- --jobs


def _cli(*argv: str, stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "capcheck", "map", "moengage", *argv],
                          stdout=stdout, stderr=subprocess.PIPE, env=env, check=False)


def test_jobs_workers_writing_the_output_themselves_write_the_bytes_of_one_job(
    tmp_path: Path,
) -> None:
    """As a subprocess (a real descriptor: the workers write to it in turn, to a pipe and
    to -o FILE): the bytes, the summary and the status of --jobs 1, on blocks of lines
    of every outcome and line ending (several blocks: more input than CHUNK_BYTES)."""
    lines = _events(17, 9000)
    lines[5] = b"\r\n"
    lines[6] = lines[6].rstrip(b"\n") + b"\r"
    lines[700] = b"not json\n"
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"".join(lines))
    assert events.stat().st_size > 3 * parallel.CHUNK_BYTES
    config = tmp_path / "config.json"
    config.write_text(json.dumps(CONFIG))
    args = [str(events), "--config", str(config), "--now", "2024-03-01T12:00:00Z"]
    one = _cli(*args, "--jobs", "1")
    many = _cli(*args, "--jobs", "3")
    assert many.stdout == one.stdout and many.stderr == one.stderr
    assert many.returncode == one.returncode == 1
    out = tmp_path / "out.jsonl"
    to_file = _cli(*args, "--jobs", "2", "-o", str(out))
    assert out.read_bytes() == one.stdout and to_file.stderr == one.stderr
    records = [json.loads(line) for line in one.stdout.splitlines()]
    assert [r["line"] for r in records] == list(range(1, len(lines) + 1))


def test_transform_hands_out_headers_of_its_own() -> None:
    """The endpoint/headers cache is shared by every call: what transform returns is a
    copy, so a caller that edits one response does not change the next."""
    from capcheck.mappers.moengage import transform

    event = {"type": "track", "userId": "u", "event": "E"}
    first = transform(event, CONFIG, NOW)[0]
    first["headers"]["Authorization"] = "changed"
    first["headers"]["extra"] = 1
    second = transform(event, CONFIG, NOW)[0]
    assert second["headers"] == {"Content-Type": "application/json", "MOE-APPKEY": "app",
                                 "Authorization": "Basic YXBwOmtleQ=="}
    line = b'{"type":"track","userId":"u","event":"E"}\n'
    assert b'"changed"' not in stream._decoder().output(1, line, MAPPER, CONFIG)[0]


def test_number_guard_in_one_pass_answers_as_its_two_checks() -> None:
    """_js_numbers_differ (one combined pass for integral and small floats) gives the
    answer of the integral-float check or the float-format check, on byte strings built
    from the characters that matter."""
    rng = random.Random(3)
    alphabet = [b"0", b"1", b".", b"e", b"-", b"+", b":", b",", b"[", b"]", b"}", b"{",
                b'"', b"a", b"0.0000", b".0", b"e-", b"1e+22", b"1.0}"]
    seen = set()
    for _ in range(40_000):
        out = b"".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 25)))
        expected = bool(stream._integral_float(out)) or stream._orjson_float_differs(out)
        assert stream._js_numbers_differ(out) == expected, out
        seen.add(expected)
    assert seen == {True, False}


def test_jobs_from_stdin_at_an_offset_and_without_config(tmp_path: Path) -> None:
    """Workers read their blocks from the input file by offset: a redirected stdin that
    starts mid-file, and the first-line Config rule (blocks read ahead for the check),
    give the bytes of --jobs 1."""
    lines = _events(23, 7000)
    pair = json.dumps({"message": {"type": "alias", "userId": "a", "previousId": "b"},
                       "destination": {"Config": CONFIG}}).encode() + b"\n"
    head = b"".join(lines[:500])
    events = tmp_path / "events.jsonl"
    events.write_bytes(head + b"\n" + pair + b"".join(lines[500:]))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "capcheck", "map", "moengage", "--now",
            "2024-03-01T12:00:00Z"]
    outputs = []
    for jobs in ("1", "2"):
        with open(events, "rb") as fh:
            fh.seek(len(head))
            proc = subprocess.run([*argv, "--jobs", jobs], stdin=fh, capture_output=True,
                                  env=env, check=False)
        outputs.append((proc.returncode, proc.stdout, proc.stderr))
    assert outputs[0] == outputs[1]
    assert outputs[0][1].startswith(b'{"line":1,"skipped":"blank line"}\n{"line":2,')


def test_a_block_that_changed_on_disk_stops_the_run(tmp_path: Path) -> None:
    data = b'{"type":"alias","userId":"a","previousId":"b"}\n' * 3
    path = tmp_path / "events.jsonl"
    path.write_bytes(data)
    with open(path, "rb") as fh:
        with pytest.raises(parallel.InputChanged):
            parallel._events_chunk_at(1, fh.fileno(), 0, len(data), 4)  # 3 lines now
        with pytest.raises(parallel.InputChanged):
            parallel._events_chunk_at(1, fh.fileno(), 10, len(data), 3)  # cut short
