"""The line-level pipeline of ``capcheck map``: one input line (or row) in, one JSONL record out.

Shared by the command (one process or ``--jobs N`` workers) and the Spark integration, so
every path writes the same bytes for the same line.

Codec: orjson where it gives the same answer, the standard library otherwise.

- Decoding: orjson reads a line when the line starts with ``{`` and has no number literal
  whose JavaScript reading differs from a plain double/int (an exponent, an integral
  fraction such as ``1.0``, or an integer beyond 2**53, which the fast path's encoder
  refuses with ``OPT_STRICT_INTEGER``); anything orjson refuses (a lone
  surrogate escape, NaN, bad UTF-8, deep nesting, invalid JSON) goes to the standard
  decoder with the JavaScript number hooks, which gives today's value or error message.
- Encoding: orjson writes the record unless it holds what it writes differently from
  ``JSON.stringify``-like output (a float in exponent form or below 1e-4, an int beyond
  64 bits, a lone surrogate, nesting over 254 levels); those records, and any record
  orjson refuses, go through the standard encoder. Without orjson installed, the standard
  library does everything.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from capcheck.mappers.moengage import jsvalues as js
from capcheck.mappers.moengage.errors import MappingError

_orjson: Any
try:  # a runtime dependency; the standard library alone gives the same bytes, slower
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised where orjson is not installed
    _orjson = None

NO_CONFIG = "no destination Config: pass --config or a {message, destination} line"

Record = dict[str, Any]
Mapper = Callable[[Any, Any], list[dict[str, Any]]]


# ---------------------------------------------------------------------------- lines


def iter_lines(stream: Iterable[bytes]) -> Iterator[bytes]:
    """Lines of a binary stream, ending at LF, CRLF or a lone CR (as JSONL readers do).

    Each line keeps its terminator (so error positions are the ones the whole line gives).
    Reading stays line by line: memory is one line.
    """
    for raw in stream:
        if b"\r" in raw:
            yield from raw.splitlines(keepends=True)  # bytes: only CR, LF and CRLF
        else:
            yield raw


READ_BYTES = 2**20  # one read (and, with --jobs, one worker task) of whole lines


def iter_blocks(stream: Any, size: int = READ_BYTES) -> Iterator[bytes]:
    """The stream in blocks of whole lines, each about ``size`` bytes (the last may lack
    its terminator).

    A block ends after an LF, or after a CR that is not the last byte read (an LF may
    follow it), so no block splits a CRLF: the lines of the blocks
    (``block.splitlines(keepends=True)``) are the lines of :func:`iter_lines`. Each read is
    one ``read1`` where the stream has it: on a pipe or terminal that returns what is
    there, so a slow producer's lines are mapped as they come. Memory is a block or the
    longest line.
    """
    read = getattr(stream, "read1", None) or stream.read
    pending: list[bytes] = []
    while True:
        data = read(size)
        if not data:
            break
        cut = data.rfind(b"\n") + 1
        if not cut:
            cut = data.rfind(b"\r", 0, len(data) - 1) + 1
        if not cut:  # no line ends here: a long line goes on
            pending.append(data)
            continue
        head = data if cut == len(data) else data[:cut]
        if pending:
            pending.append(head)
            head = b"".join(pending)
            pending = []
        yield head
        if cut < len(data):
            pending.append(data[cut:])
    if pending:
        yield b"".join(pending)


def count_lines(block: bytes) -> int:
    """How many lines ``block.splitlines()`` gives, without building them when it can."""
    if b"\r" in block:
        return len(block.splitlines())
    return block.count(b"\n") + (0 if block.endswith(b"\n") or not block else 1)


# ---------------------------------------------------------------------------- counts


class Counts:
    def __init__(self) -> None:
        self.ok = 0
        self.failed = 0
        self.blank = 0

    def add(self, other: Counts) -> None:
        self.ok += other.ok
        self.failed += other.failed
        self.blank += other.blank

    @property
    def events(self) -> int:
        return self.ok + self.failed

    def tally(self, record: Record) -> Record:
        """Count one output record (mapped, failed or a skipped blank line); returns it."""
        if "error" in record:
            self.failed += 1
        elif "skipped" in record:
            self.blank += 1
        else:
            self.ok += 1
        return record

    def summary(self) -> str:
        text = f"capcheck: {plural(self.events, 'event')}, {self.ok:,} ok, {self.failed:,} failed"
        if self.blank:
            text += f", {plural(self.blank, 'blank line')} skipped"
        return text


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


# ---------------------------------------------------------------------------- mapping


class EventMapper:
    """The mapper of :func:`make_mapper`: ``mapper(message, config)`` gives the requests
    as the service writes them (``userId`` a string); :meth:`parts` the same requests up
    to their response objects (see ``transform.run_parts``), for the encoder below."""

    __slots__ = ("parts", "instant")

    def __init__(self, now: datetime | None) -> None:
        from capcheck.mappers.moengage.transform import resolve_now, run_parts

        instant = resolve_now(now)
        self.instant = instant

        def parts(message: Any, config: Any) -> list[Any]:
            return run_parts(message, config, instant)

        self.parts = parts

    def __call__(self, message: Any, config: Any) -> list[dict[str, Any]]:
        from capcheck.mappers.moengage.service import service_user_id
        from capcheck.mappers.moengage.transform import response_of

        return [service_user_id(response_of(p)) for p in self.parts(message, config)]


def make_mapper(now: datetime | None) -> Mapper:
    return EventMapper(now)


def has_own_config(event: Any) -> bool:
    """Whether a decoded line is a ``{message, destination: {Config}}`` pair."""
    if isinstance(event, dict) and "message" in event and "type" not in event:
        destination = event.get("destination")
        return isinstance(destination, dict) and "Config" in destination
    return False


def _message_and_config(event: Any, default_config: dict[str, Any] | None) -> tuple[Any, Any]:
    if isinstance(event, dict) and "message" in event and "type" not in event:
        destination = event.get("destination")
        if isinstance(destination, dict) and "Config" in destination:
            return event["message"], destination["Config"]
        return event["message"], default_config
    return event, default_config


def map_event(
    mapper: Mapper, lineno: int, event: Any, default_config: dict[str, Any] | None
) -> Record:
    """The output record for one decoded input value."""
    message, config = _message_and_config(event, default_config)
    if config is None:
        return {"line": lineno, "statusCode": 400, "error": NO_CONFIG}
    try:
        output = mapper(message, config)
    except MappingError as exc:
        return {"line": lineno, "statusCode": exc.status_code, "error": exc.message}
    except RecursionError:
        return {"line": lineno, "statusCode": 500, "error": "Maximum call stack size exceeded"}
    return {"line": lineno, "statusCode": 200, "output": output}


# ---------------------------------------------------------------------------- decoding


def js_decoder() -> json.JSONDecoder:
    """The standard decoder with JavaScript number semantics (JSON.parse's values)."""
    return json.JSONDecoder(
        parse_float=js.json_float, parse_int=js.json_int, parse_constant=js.json_constant
    )


def _line_decoder(decoder: json.JSONDecoder) -> Callable[[str], Any]:
    """``decoder.decode`` for a line that starts with "{" (no leading whitespace).

    The same C scanner call as ``JSONDecoder.decode`` without its two regex matches, and at
    the same call depth (``decode_line`` and ``scan`` stand where ``decode`` and
    ``raw_decode`` stood), so even the nesting at which a line hits the recursion limit is
    unchanged. Errors are the ones ``decode`` raises.
    """
    scan_once = decoder.scan_once  # type: ignore[attr-defined]
    whitespace = json.decoder.WHITESPACE.match  # type: ignore[attr-defined]

    def scan(text: str) -> tuple[Any, int]:
        return scan_once(text, 0)  # type: ignore[no-any-return]

    def decode_line(text: str) -> Any:
        try:
            obj, end = scan(text)
        except StopIteration as err:
            raise json.JSONDecodeError("Expecting value", text, err.value) from None
        size = len(text)
        if end != size and not (end == size - 1 and text[end] == "\n"):
            end = whitespace(text, end).end()
            if end != size:
                raise json.JSONDecodeError("Extra data", text, end)
        return obj

    return decode_line


# Byte tables for the output checks below (bytes.translate and substring tests run at C
# speed; a regex over each line costs more than the parse).
_DIGITS = b"0123456789"
# Exponents: digits deleted, "," and "[" read as ":", so "1.5e-7" after ":" reads ":.e".
_EXP_TABLE = bytes.maketrans(b",[", b"::")
# One regex pass each (a literal first byte lets re skip ahead) instead of several ``in``s.
_has_exponent_sign = re.compile(rb"e[-+]").search
_integral_float = re.compile(rb"\.0[,}\]]").search
_DEEP = 200  # brackets: deeper lines take the standard path (orjson nests to 1,024)


def _exponent_differs(out: bytes) -> bool:
    """An orjson float in exponent form ("1e-7", "1.5e+22" where repr writes "1e-07",
    "1.5e+22"): in orjson's compact output a number follows ":", "," or "["."""
    if _has_exponent_sign(out):
        marks = out.translate(_EXP_TABLE, _DIGITS)
        if b":e" in marks or b":-e" in marks or b":.e" in marks or b":-.e" in marks:
            return True
    return False


def _small_float(out: bytes) -> bool:
    """A float in [1e-5, 1e-4), which orjson writes positionally ("0.00001") and repr in
    exponent form ("1e-05")."""
    return (b":0.0000" in out or b",0.0000" in out or b"[0.0000" in out
            or b":-0.0000" in out or b",-0.0000" in out or b"[-0.0000" in out)


def _orjson_float_differs(out: bytes) -> bool:
    """Whether orjson wrote a float unlike the standard encoder (repr): exponent forms,
    and [1e-5, 1e-4) positionally (see the two checks above)."""
    return _exponent_differs(out) or (b"0.0000" in out and _small_float(out))


# ".0" then a closing ",", "}" or "]" (an integral float) or "000" (maybe a small float):
# the integral and the small-float checks in one pass, for lines that have neither.
_dot_zero = re.compile(rb"\.0(?:[,}\]]|000)").search


def _js_numbers_differ(out: bytes) -> bool:
    """Whether an output made from an orjson-parsed line may hold a number that JSON.parse
    would have read differently, or that orjson writes differently: an integral float
    ("1.0": JavaScript has one number type, so it is 1), or a float in exponent form or
    below 1e-4 (see :func:`_orjson_float_differs`; from an exponent literal, or a float
    from 1e16 that is an integer). Integers beyond 2**53 (16 and more digits, which
    JavaScript rounds to a double) never get here: the fast path encodes with
    ``OPT_STRICT_INTEGER``, which refuses them. False alarms (the same bytes inside a
    string) only cost the standard path. The same answer as
    ``_integral_float(out) or _orjson_float_differs(out)``, in fewer passes."""
    hit = _dot_zero(out)
    if hit is not None:
        if hit.end() - hit.start() == 3:  # the first hit is an integral float
            return True
        # The first hit is ".0000": an integral float may still come later.
        if _integral_float(out) or _small_float(out):
            return True
    return _exponent_differs(out)


class EventDecoder:
    """Bytes of one line -> the decoded value, or an error record."""

    def __init__(self) -> None:
        decoder = js_decoder()
        self._decode = decoder.decode
        self._decode_object = _line_decoder(decoder)
        self._fast: Callable[[bytes], Any] | None = (
            _orjson.loads if _orjson is not None else None
        )

    def output(
        self, lineno: int, raw: bytes, mapper: Mapper, config: dict[str, Any] | None
    ) -> tuple[bytes, Record]:
        """The JSONL output line and record of one input line.

        orjson reads the line and writes the record when both give what the standard
        path gives; otherwise (orjson refuses the line or the record, or the output may
        hold a number JavaScript reads or writes differently) the line goes through the
        standard path: the standard decoder with JavaScript number hooks and the standard
        encoder. The mapper is a pure function of the event, so redoing a line is safe.

        A mapped line of the fast path is written by :func:`_fast_output` (the record
        returned then holds only "line" and "statusCode"; the bytes are the whole answer).
        """
        fast = self._fast
        if (
            fast is not None and raw[:1] == b"{"
            and raw.count(b"{") + raw.count(b"[") < _DEEP
        ):
            try:
                event = fast(raw)
            except ValueError:
                pass  # the standard decoder gives the value or today's error message
            else:
                parts_of = getattr(mapper, "parts", None)
                if parts_of is not None:
                    data, record = _fast_output(lineno, event, parts_of, config)
                    if data is not None:
                        return data, record
                else:
                    record = map_event(mapper, lineno, event, config)
                    try:
                        out = _orjson_dumps(record, option=_FAST_OPTIONS)
                    except TypeError:  # incl. an integer beyond 2**53 (_js_numbers_differ)
                        pass
                    else:
                        if not _js_numbers_differ(out):
                            return out, record
        record = self.record(lineno, raw, mapper, config)
        return encode_record(record), record

    def record(
        self, lineno: int, raw: bytes, mapper: Mapper, config: dict[str, Any] | None
    ) -> Record:
        """The output record of one input line by the standard decoder."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return {"line": lineno, "statusCode": 400, "error": "invalid UTF-8"}
        if lineno == 1 and text.startswith("\ufeff"):
            text = text[1:]
        usual = text[:1] == "{"  # not blank, no leading whitespace
        if not usual and not text.strip(js.JS_WHITESPACE):
            return {"line": lineno, "skipped": "blank line"}
        try:
            event = self._decode_object(text) if usual else self._decode(text)
        except (ValueError, RecursionError) as exc:
            return {"line": lineno, "statusCode": 400, "error": f"invalid JSON: {exc}"}
        return map_event(mapper, lineno, event, config)

    def value(self, raw: bytes) -> Any:
        """The decoded value of a line (for the first-line config rule); raises ValueError."""
        text = raw.decode("utf-8").lstrip("\ufeff")
        try:
            return self._decode(text)
        except RecursionError:
            raise ValueError("nested too deeply") from None


# ---------------------------------------------------------------------------- fast output

# A response object as orjson writes it, around the parts that vary: the endpoint and
# headers (one prefix per request kind and credentials, cached), the body and the userId.
_PREFIX_HEAD = b'{"version":"1","type":"REST","method":"POST","endpoint":'
_PREFIXES: dict[Any, bytes] = {}
_MIDDLE = b',"JSON_ARRAY":{},"XML":{},"FORM":{}},"files":{},"userId":'


def _prefix(key: Any, path: str, endpoint: str, headers: dict[str, Any]) -> bytes:
    prefix = _PREFIXES.get(key)
    if prefix is None:
        prefix = (
            _PREFIX_HEAD + _orjson_dumps(endpoint) + b',"endpointPath":' + _orjson_dumps(path)
            + b',"headers":' + _orjson_dumps(headers, option=_BODY_OPTIONS)
            + b',"params":{},"body":{"JSON":'
        )
        if len(_PREFIXES) > 1024:
            _PREFIXES.clear()
        _PREFIXES[key] = prefix
    return prefix


_ONE_REQUEST = b'{"line":%d,"statusCode":200,"output":[%s%s%s%s}]}\n'


def _requests_bytes(lineno: int, parts: list[Any]) -> bytes | None:
    """The output line of a mapped event, exactly as orjson writes its record (the
    responses of ``transform.response_of`` + ``service_user_id``), without building them;
    None when a part needs the general path (see ``_request_bytes``)."""
    if len(parts) == 1:  # the usual event: one request, one formatting
        found = _request_bytes(parts[0])
        if found is None:
            return None
        head, data, uid = found
        return _ONE_REQUEST % (lineno, head, data, _MIDDLE, uid)
    pieces = [b'{"line":%d,"statusCode":200,"output":[' % lineno]
    append = pieces.append
    for part in parts:
        found = _request_bytes(part)
        if found is None:
            return None
        if len(pieces) > 1:
            append(b",")
        append(found[0])
        append(found[1])
        append(_MIDDLE)
        append(found[2])
        append(b"}")
    append(b"]}\n")
    return b"".join(pieces)


def _request_bytes(part: Any) -> tuple[bytes, bytes, bytes] | None:
    """One response's written parts: what precedes its body, the body, the user id; None
    when it needs the general path: credentials that are not strings (they may be
    numbers the guard must see), or a body orjson refuses or the number guard flags."""
    request, endpoint, headers, body, user_id, key = part
    if key is None:
        return None
    try:
        head = _PREFIXES.get(key) or _prefix(key, request.path, endpoint, headers)
        data = _orjson_dumps(body, option=_BODY_OPTIONS)
        if type(user_id) is not str:  # as service_user_id writes it
            user_id = js.to_string(user_id) if js.truthy(user_id) else ""
        uid = _orjson_dumps(user_id)
    except TypeError:  # a lone surrogate, an integer beyond 2**53, a foreign type
        return None
    if _js_numbers_differ(data):
        return None
    return head, data, uid


def _fast_output(
    lineno: int, event: Any, parts_of: Callable[[Any, Any], list[Any]],
    default_config: dict[str, Any] | None,
) -> tuple[bytes | None, Record]:
    """The output line of an orjson-decoded event (None: take the standard path) and its
    record; the same bytes as ``orjson.dumps(map_event(...))`` where that passes the
    number guard (the responses' fixed parts hold no numbers, so the guard reads the
    bodies only)."""
    message, config = _message_and_config(event, default_config)
    record: Record
    if config is None:
        record = {"line": lineno, "statusCode": 400, "error": NO_CONFIG}
    else:
        try:
            parts = parts_of(message, config)
        except MappingError as exc:
            record = {"line": lineno, "statusCode": exc.status_code, "error": exc.message}
        except RecursionError:
            record = {"line": lineno, "statusCode": 500,
                      "error": "Maximum call stack size exceeded"}
        else:
            data = _requests_bytes(lineno, parts)
            if data is not None:
                return data, {"line": lineno, "statusCode": 200}
            from capcheck.mappers.moengage.service import service_user_id
            from capcheck.mappers.moengage.transform import response_of

            output = [service_user_id(response_of(p)) for p in parts]
            record = {"line": lineno, "statusCode": 200, "output": output}
    try:
        out = _orjson_dumps(record, option=_FAST_OPTIONS)
    except TypeError:  # incl. an integer beyond 2**53 (see _js_numbers_differ)
        return None, record
    return (None if _js_numbers_differ(out) else out), record


# ---------------------------------------------------------------------------- encoding


def _sanitize(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {k: _sanitize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sanitize(v) for v in value]
    return value


_dumps_fast = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False
).encode
_dumps_ascii = json.JSONEncoder(
    ensure_ascii=True, separators=(",", ":"), allow_nan=False
).encode


def _one_shot_encoder() -> Callable[[Any], str]:
    """``_dumps_fast`` as one call into the C encoder.

    ``JSONEncoder.encode`` builds a new C encoder on every call and, with check_circular,
    tracks every container in a dict. Records are built from parsed JSON and the mapper's
    own fresh objects, so they hold no cycles; everything else (separators, float repr,
    allow_nan=False, ``default`` for unknown types) is the same encoder.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    basestring = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or basestring is None:  # no C accelerator (e.g. PyPy)
        return _dumps_fast
    encoder = make(
        None, json.JSONEncoder().default, basestring, None, ":", ",", False, False, False
    )

    def dumps(record: Any) -> str:
        return "".join(encoder(record, 0))

    return dumps


_dumps_record = _one_shot_encoder()


def encode_record_std(record: Record) -> bytes:
    """One JSONL line by the standard encoder: Infinity/NaN as null, UTF-8."""
    try:
        text = _dumps_record(record)
    except ValueError:
        record = _sanitize(record)
        text = _dumps_fast(record)
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: escape them like JSON.stringify does
        return _dumps_ascii(record).encode("ascii") + b"\n"


if _orjson is not None:
    _orjson_dumps = _orjson.dumps
    _ORJSON_OPTIONS = (
        _orjson.OPT_APPEND_NEWLINE
        | _orjson.OPT_PASSTHROUGH_DATACLASS
        | _orjson.OPT_PASSTHROUGH_DATETIME
        | _orjson.OPT_PASSTHROUGH_SUBCLASS
    )
    _FAST_OPTIONS = _ORJSON_OPTIONS | _orjson.OPT_STRICT_INTEGER
    _BODY_OPTIONS = _FAST_OPTIONS & ~_orjson.OPT_APPEND_NEWLINE

    def encode_record(record: Record) -> bytes:
        """One JSONL line: JSON.stringify-like (Infinity/NaN as null), UTF-8."""
        try:
            out = _orjson_dumps(record, option=_ORJSON_OPTIONS)
        except TypeError:  # >64-bit int, lone surrogate, deep nesting, a foreign type
            return encode_record_std(record)
        if _orjson_float_differs(out):
            return encode_record_std(record)
        return out

else:  # pragma: no cover
    encode_record = encode_record_std


# ---------------------------------------------------------------------------- chunks


def map_block(
    first_lineno: int, block: bytes, mapper: Mapper, config: dict[str, Any] | None,
    counts: Counts,
) -> tuple[bytes, int]:
    """A block of whole lines (see :func:`iter_blocks`) -> its JSONL output (one bytes
    object) and its number of lines; ``counts`` is updated.

    The usual line (orjson reads an event, not a ``{message, destination}`` pair, with a
    Config, that maps or fails with MappingError, and whose output passes the number
    guard) takes the steps of :meth:`EventDecoder.output` and :func:`_fast_output` inline
    here; any other line goes through :meth:`EventDecoder.output` (the mapper is a pure
    function of the event, so a line tried here first gets the same answer there).

    The cyclic garbage collector waits until the block is done: mapping builds and drops
    a few hundred dicts and lists per line, none in a cycle (reference counting frees
    them), and the collector's passes over them cost several per cent of the run.
    """
    decoder = _decoder()
    output = decoder.output
    loads = decoder._fast
    parts_of = getattr(mapper, "parts", None)
    run: Callable[[Any, Any, Any], list[Any]] | None = None
    instant: Any = None
    if type(mapper) is EventMapper:  # its parts() without the call in between
        from capcheck.mappers.moengage.transform import run_parts

        run, instant = run_parts, mapper.instant
    elif parts_of is not None:
        def run(message: Any, config: Any, _: Any, parts_of: Any = parts_of) -> list[Any]:
            return parts_of(message, config)  # type: ignore[no-any-return]
    inline = loads is not None and run is not None and config is not None
    tally = counts.tally
    out: list[bytes] = []
    append = out.append
    lineno = first_lineno
    ok = failed = 0
    collecting = gc.isenabled()
    gc.disable()
    try:
        for raw in block.splitlines(keepends=True):
            if inline and raw[:1] == b"{" and raw.count(b"{") + raw.count(b"[") < _DEEP:
                try:
                    event = loads(raw)  # type: ignore[misc]
                except ValueError:
                    event = None
                if type(event) is dict and ("type" in event or "message" not in event):
                    try:
                        parts = run(event, config, instant)  # type: ignore[misc]
                    except MappingError as exc:
                        data = _error_bytes(lineno, exc)
                        if data is not None:
                            failed += 1
                            append(data)
                            lineno += 1
                            continue
                    except RecursionError:
                        pass
                    else:
                        data = _requests_bytes(lineno, parts)
                        if data is not None:
                            ok += 1
                            append(data)
                            lineno += 1
                            continue
            data, record = output(lineno, raw, mapper, config)
            tally(record)
            append(data)
            lineno += 1
    finally:
        counts.ok += ok
        counts.failed += failed
        if collecting:
            gc.enable()
    return b"".join(out), lineno - first_lineno


def _error_bytes(lineno: int, exc: MappingError) -> bytes | None:
    """The output line of a line that fails with ``exc``, as :func:`_fast_output` writes
    it (None: the standard path)."""
    record = {"line": lineno, "statusCode": exc.status_code, "error": exc.message}
    try:
        data = _orjson_dumps(record, option=_FAST_OPTIONS)
    except TypeError:
        return None
    return None if _js_numbers_differ(data) else data


_DECODER: EventDecoder | None = None


def _decoder() -> EventDecoder:
    global _DECODER
    if _DECODER is None:
        _DECODER = EventDecoder()
    return _DECODER


def event_outputs(
    lines: Iterable[bytes], mapper: Mapper, config: dict[str, Any] | None, counts: Counts,
    first_lineno: int = 1,
) -> Iterator[bytes]:
    """Output lines of a stream of input lines (see :func:`iter_lines`), in order."""
    output = _decoder().output
    tally = counts.tally
    for lineno, raw in enumerate(lines, first_lineno):
        data, record = output(lineno, raw, mapper, config)
        tally(record)
        yield data


def event_records(
    lines: Iterable[bytes], mapper: Mapper, config: dict[str, Any] | None, counts: Counts,
    first_lineno: int = 1,
) -> Iterator[Record]:
    """Output records (standard path) of a stream of input lines, in order."""
    record = _decoder().record
    tally = counts.tally
    for lineno, raw in enumerate(lines, first_lineno):
        yield tally(record(lineno, raw, mapper, config))


def write_records(records: Iterable[Record], out: IO[bytes]) -> None:
    write = out.write
    for record in records:
        write(encode_record(record))
    out.flush()
