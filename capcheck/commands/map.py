"""``capcheck map moengage``: events (or warehouse rows) to MoEngage Data API requests.

Input is JSONL: each line a RudderStack message, or a ``{"message", "destination"}`` pair
(an object with a "message" key and no "type" key) whose ``destination.Config`` is used
instead of ``--config``. Output is JSONL on stdout,
in input order, exactly one line per input line:

- ``{"line": N, "statusCode": 200, "output": [request, ...]}`` — the requests production
  would send (identify with device info gives two), ``userId`` as the service writes it;
- ``{"line": N, "statusCode": 400, "error": "..."}`` — the event fails (production's
  message and status), or the line is not JSON / not UTF-8;
- ``{"line": N, "skipped": "blank line"}`` — an empty or whitespace-only line (not an
  event, not a failure).

Counts go to stderr. Exit status: 0 all events mapped, 1 some failed, 2 usage error or an
unreadable input/config file. Memory stays constant: input is read line by line.

Rows mode (``--rows FILE.csv|FILE.jsonl --as identify|track --columns MAPPING.yaml``) turns
each row into an event first (see capcheck.mappers.moengage.rows); ``line`` is the row's
line in the file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from capcheck import exitcodes

NAME = "map"
HELP = "map events to MoEngage Data API requests"
MAPPERS = ("moengage",)
NO_CONFIG = "no destination Config: pass --config or a {message, destination} line"


class UsageProblem(Exception):
    """One-line error, exit 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Map RudderStack-style events (JSONL) to the MoEngage Data API requests the "
        "production destination sends. One output line per input line; blank lines give "
        '{"line": N, "skipped": "blank line"}. Exit 0 all mapped, 1 some failed, 2 usage.'
    )
    parser.add_argument("mapper", choices=MAPPERS, help="the destination mapper")
    parser.add_argument(
        "input", nargs="?", default=None, metavar="FILE|-",
        help="JSONL events: a message per line or {message, destination} (default: stdin)",
    )
    parser.add_argument(
        "--config", type=Path, metavar="FILE",
        help="JSON or YAML destination Config (apiId, apiKey, region, useObjectData)",
    )
    parser.add_argument(
        "--now", metavar="ISO",
        help="the instant used for user_timezone_offset, e.g. 2023-10-14T00:00:00Z",
    )
    parser.add_argument(
        "--rows", type=Path, metavar="FILE",
        help="warehouse rows to map instead of events (.csv with a header, or .jsonl)",
    )
    parser.add_argument(
        "--as", dest="as_type", choices=("identify", "track"),
        help="with --rows: the event type each row becomes",
    )
    parser.add_argument(
        "--columns", type=Path, metavar="MAPPING.yaml",
        help="with --rows: the column mapping (user id, event name, fields, type hints)",
    )


# ---------------------------------------------------------------------------- inputs


def parse_now(text: str | None) -> datetime | None:
    if text is None:
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise UsageProblem(f"--now: {text!r} is not an ISO 8601 date-time") from None


def load_config(path: Path | None) -> dict[str, Any] | None:
    """The destination Config from a JSON or YAML file (or a destination holding Config)."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageProblem(f"cannot read {path}: {reason}") from None
    data: Any
    try:
        data = json.loads(text)
    except ValueError:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            raise UsageProblem(f"{path}{line}: neither JSON nor YAML") from None
    if isinstance(data, dict) and isinstance(data.get("Config"), dict):
        data = data["Config"]
    if not isinstance(data, dict):
        raise UsageProblem(f"{path}: expected a mapping (apiId, apiKey, region, ...)")
    return data


def open_input(name: str | None) -> IO[bytes]:
    if name is None or name == "-":
        return sys.stdin.buffer
    try:
        return open(name, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise UsageProblem(f"cannot read {name}: {exc.strerror or exc}") from None


# ---------------------------------------------------------------------------- output


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
def encode_record(record: dict[str, Any]) -> bytes:
    """One JSONL line: JSON.stringify-like (Infinity/NaN as null), UTF-8."""
    try:
        text = _dumps_record(record)
    except ValueError:
        record = _sanitize(record)
        text = _dumps_fast(record)
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: escape them like JSON.stringify does
        return _dumps_ascii(record).encode("ascii") + b"\n"


# ---------------------------------------------------------------------------- mapping


class Counts:
    def __init__(self) -> None:
        self.ok = 0
        self.failed = 0
        self.blank = 0

    def tally(self, record: dict[str, Any]) -> dict[str, Any]:
        """Count a mapped event's record as ok or failed; returns it."""
        if "error" in record:
            self.failed += 1
        else:
            self.ok += 1
        return record

    def summary(self) -> str:
        text = f"capcheck map: {self.ok + self.failed} events, {self.ok} ok, {self.failed} failed"
        if self.blank:
            text += f", {self.blank} blank lines skipped"
        return text


Mapper = Callable[[Any, Any], list[dict[str, Any]]]


def make_mapper(now: datetime | None) -> Mapper:
    from capcheck.mappers.moengage.service import service_user_id
    from capcheck.mappers.moengage.transform import resolve_now, run

    instant = resolve_now(now)

    def mapper(message: Any, config: Any) -> list[dict[str, Any]]:
        return [service_user_id(r) for r in run(message, config, instant)]

    return mapper


def map_event(
    mapper: Mapper, lineno: int, event: Any, default_config: dict[str, Any] | None
) -> dict[str, Any]:
    """The output record for one decoded input value."""
    from capcheck.mappers.moengage.errors import MappingError

    message, config = event, default_config
    if isinstance(event, dict) and "message" in event and "type" not in event:
        message = event["message"]
        destination = event.get("destination")
        if isinstance(destination, dict) and "Config" in destination:
            config = destination["Config"]
    if config is None:
        return {"line": lineno, "statusCode": 400, "error": NO_CONFIG}
    try:
        output = mapper(message, config)
    except MappingError as exc:
        return {"line": lineno, "statusCode": exc.status_code, "error": exc.message}
    except RecursionError:
        return {"line": lineno, "statusCode": 500, "error": "Maximum call stack size exceeded"}
    return {"line": lineno, "statusCode": 200, "output": output}


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


def event_records(
    lines: Iterable[bytes], mapper: Mapper, config: dict[str, Any] | None, counts: Counts
) -> Iterator[dict[str, Any]]:
    from capcheck.mappers.moengage import jsvalues as js

    decoder = json.JSONDecoder(
        parse_float=js.json_float, parse_int=js.json_int, parse_constant=js.json_constant
    )
    decode = decoder.decode
    decode_object = _line_decoder(decoder)
    for lineno, raw in enumerate(lines, 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            counts.failed += 1
            yield {"line": lineno, "statusCode": 400, "error": "invalid UTF-8"}
            continue
        if lineno == 1 and text.startswith("\ufeff"):
            text = text[1:]
        usual = text[:1] == "{"  # not blank, no leading whitespace
        if not usual and not text.strip(js.JS_WHITESPACE):
            counts.blank += 1
            yield {"line": lineno, "skipped": "blank line"}
            continue
        try:
            event = decode_object(text) if usual else decode(text)
        except (ValueError, RecursionError) as exc:
            counts.failed += 1
            yield {"line": lineno, "statusCode": 400, "error": f"invalid JSON: {exc}"}
            continue
        yield counts.tally(map_event(mapper, lineno, event, config))


def row_records(
    path: Path, kind: str, columns_path: Path, mapper: Mapper, config: dict[str, Any] | None,
    counts: Counts,
) -> Iterator[dict[str, Any]]:
    from capcheck.mappers.moengage.rows import RowValueError, iter_rows, load_columns, row_to_event

    columns = load_columns(columns_path)
    for lineno, row in iter_rows(path, columns):
        if row is None:
            counts.blank += 1
            yield {"line": lineno, "skipped": "blank line"}
            continue
        if isinstance(row, str):
            counts.failed += 1
            yield {"line": lineno, "statusCode": 400, "error": row}
            continue
        try:
            event = row_to_event(row, columns, kind)
        except RowValueError as exc:
            counts.failed += 1
            yield {"line": lineno, "statusCode": 400, "error": str(exc)}
            continue
        yield counts.tally(map_event(mapper, lineno, event, config))


def write_records(records: Iterable[dict[str, Any]], out: IO[bytes]) -> None:
    write = out.write
    for record in records:
        write(encode_record(record))
    out.flush()


def run(args: argparse.Namespace) -> int:
    from capcheck.mappers.moengage.rows import RowsError

    counts = Counts()
    try:
        now = parse_now(args.now)
        config = load_config(args.config)
        if args.rows is not None:
            if args.input is not None:
                raise UsageProblem("give either an events FILE or --rows, not both")
            if args.as_type is None or args.columns is None:
                raise UsageProblem("--rows needs --as identify|track and --columns MAPPING.yaml")
            if not args.rows.is_file():
                raise UsageProblem(f"cannot read {args.rows}: no such file")
            mapper = make_mapper(now)
            records = row_records(args.rows, args.as_type, args.columns, mapper, config, counts)
            write_records(records, sys.stdout.buffer)
        else:
            if args.as_type is not None or args.columns is not None:
                raise UsageProblem("--as and --columns only apply with --rows")
            stream = open_input(args.input)
            mapper = make_mapper(now)
            try:
                write_records(event_records(stream, mapper, config, counts), sys.stdout.buffer)
            finally:
                if stream is not sys.stdin.buffer:
                    stream.close()
    except (UsageProblem, RowsError) as exc:
        sys.stdout.flush()
        print(f"capcheck map: error: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        print(f"capcheck map: error: {exc.strerror or exc}", file=sys.stderr)
        return exitcodes.USAGE
    print(counts.summary(), file=sys.stderr)
    return exitcodes.FINDINGS if counts.failed else exitcodes.OK
