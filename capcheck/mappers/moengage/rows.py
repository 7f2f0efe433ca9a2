"""Warehouse rows (CSV or JSONL) to identify / track events, by a small column mapping.

Column mapping (YAML)::

    user_id: customer_id        # column with the user id (required)
    anonymous_id: anon_id       # optional
    timestamp: updated_at       # optional: event timestamp
    event: event_name           # track: column with the event name ...
    event_name: Order Completed # ... or one fixed name for every row
    fields:                     # columns that become traits (identify) / properties (track)
      email: email              # column: attribute name
      signup_age: {name: age, type: int}
      is_paid: {type: bool}     # type: int | float | bool | string | json

Empty CSV cells and JSON nulls are left out of the event. A value that does not fit its
type fails that row only.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from capcheck.mappers.moengage import jsvalues as js
from capcheck.mappers.moengage.errors import RowsError
from capcheck.records import dataclass

TYPES = ("int", "float", "bool", "string", "json")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


class RowValueError(ValueError):
    """One row's value does not fit its declared type."""


@dataclass(frozen=True)
class Field:
    column: str
    name: str
    type: str | None


@dataclass(frozen=True)
class Columns:
    user_id: str
    anonymous_id: str | None
    timestamp: str | None
    event_column: str | None
    event_name: str | None
    fields: tuple[Field, ...]

    def needed(self) -> list[str]:
        cols = [self.user_id, self.anonymous_id, self.timestamp, self.event_column]
        return [c for c in cols if c] + [f.column for f in self.fields]


def _opt_str(data: dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise RowsError(f"{where}: '{key}' must be a column name")
    return value


def load_columns(path: Path) -> Columns:
    """Read and check a column mapping file."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise RowsError(f"cannot read {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise RowsError(f"{path}{line}: not valid YAML") from None
    where = str(path)
    if not isinstance(data, dict):
        raise RowsError(f"{where}: expected a mapping with user_id and fields")
    user_id = _opt_str(data, "user_id", where)
    if user_id is None:
        raise RowsError(f"{where}: 'user_id' (the user id column) is required")
    raw_fields = data.get("fields") or {}
    if not isinstance(raw_fields, dict):
        raise RowsError(f"{where}: 'fields' must map column names to attribute names")
    fields: list[Field] = []
    for column, spec in raw_fields.items():
        name, kind = str(column), None
        if isinstance(spec, str):
            name = spec
        elif isinstance(spec, dict):
            name = str(spec.get("name", column))
            kind = spec.get("type")
        elif spec is not None:
            raise RowsError(f"{where}: field {column!r}: expected a name or {{name, type}}")
        if kind is not None and kind not in TYPES:
            raise RowsError(f"{where}: field {column!r}: type must be one of {', '.join(TYPES)}")
        fields.append(Field(str(column), name, kind))
    event_name = data.get("event_name")
    if event_name is not None and not isinstance(event_name, str):
        raise RowsError(f"{where}: 'event_name' must be a string")
    return Columns(
        user_id=user_id,
        anonymous_id=_opt_str(data, "anonymous_id", where),
        timestamp=_opt_str(data, "timestamp", where),
        event_column=_opt_str(data, "event", where),
        event_name=event_name,
        fields=tuple(fields),
    )


def convert(value: Any, kind: str | None) -> Any:
    """Apply a type hint to one cell (a CSV string or a JSON value)."""
    if kind is None:
        return value
    if kind == "string":
        return value if isinstance(value, str) else js.to_string(value)
    if kind == "json":
        if not isinstance(value, str):
            return value
        try:
            return json.loads(
                value, parse_float=js.json_float, parse_int=js.json_int,
                parse_constant=js.json_constant,
            )
        except (ValueError, RecursionError):
            raise RowValueError(f"{_shown(value)} is not JSON") from None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = js.to_string(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise RowValueError(f"{_shown(value)} is not a boolean")
    if isinstance(value, bool):
        raise RowValueError(f"{value!r} is not a number")
    # Numbers as JavaScript's Number() reads them: ASCII digits only, so "1_000" and
    # Arabic-Indic digits are not numbers (Python's int() and float() accept both).
    if isinstance(value, (int, float)):
        number = js.to_number(value)
    else:
        text = str(value)
        number = js.string_to_number(text) if text.strip(js.JS_WHITESPACE) else math.nan
    if kind == "int":
        if isinstance(number, float) and not (math.isfinite(number) and number.is_integer()):
            raise RowValueError(f"{_shown(value)} is not an integer")
        return number if isinstance(number, int) else js.normalize_number(number)
    if isinstance(number, float) and math.isnan(number):
        raise RowValueError(f"{_shown(value)} is not a number")
    if isinstance(number, float) and math.isinf(number):
        raise RowValueError(f"{_shown(value)} is not a finite number")
    return number


def _shown(value: Any, limit: int = 60) -> str:
    """A cell as quoted in an error message, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "...'" + f" ({len(text):,} chars)"


def _cell(row: dict[str, Any], column: str | None) -> Any:
    if column is None:
        return None
    value = row.get(column)
    if value == "":
        return None
    return value


def row_to_event(row: dict[str, Any], columns: Columns, kind: str) -> dict[str, Any]:
    """One row as an identify or track event. Raises RowValueError for a bad cell."""
    values: dict[str, Any] = {}
    for field in columns.fields:
        cell = _cell(row, field.column)
        if cell is None:
            continue
        try:
            values[field.name] = convert(cell, field.type)
        except RowValueError as exc:
            raise RowValueError(f"column {field.column!r}: {exc}") from None
    event: dict[str, Any] = {"type": kind}
    user_id = _cell(row, columns.user_id)
    if user_id is not None:
        event["userId"] = user_id if isinstance(user_id, str) else js.to_string(user_id)
    anonymous_id = _cell(row, columns.anonymous_id)
    if anonymous_id is not None:
        event["anonymousId"] = js.to_string(anonymous_id)
    if kind == "track":
        name = _cell(row, columns.event_column) if columns.event_column else columns.event_name
        if name is not None:
            event["event"] = name
        event["properties"] = values
    else:
        event["traits"] = values
    timestamp = _cell(row, columns.timestamp)
    if timestamp is not None:
        event["timestamp"] = timestamp
    return event


RowItem = tuple[int, "dict[str, Any] | str | None"]


def iter_rows(path: Path, columns: Columns) -> Iterator[RowItem]:
    """(line, row) pairs, one per line of the file; a row is a dict, an error string, or
    None for a blank line.

    CSV needs a header row naming every mapped column; JSONL rows are objects. Each line
    is one row: a quoted CSV field does not run on to the next line (a quote left open is
    that row's error), so every line gets its record with its own number. Lines end at
    LF, CRLF or a lone CR.
    """
    if path.suffix.lower() == ".csv":
        yield from _csv_rows(path, columns)
    else:
        yield from _jsonl_rows(path)


def _csv_line(text: str) -> list[str]:
    """The fields of one CSV line (strict quoting); raises csv.Error, also for a field
    longer than the csv module's field limit (131,072 characters)."""
    return next(csv.reader((text,), strict=True), [])


def _csv_rows(path: Path, columns: Columns) -> Iterator[RowItem]:
    from capcheck.mappers.moengage.stream import iter_lines

    with open(path, "rb") as fh:
        lines = enumerate(iter_lines(fh), 1)
        header: list[str] | None = None
        for lineno, raw in lines:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise RowsError(f"{path}:{lineno}: the header row is not UTF-8") from None
            if lineno == 1:
                text = text.lstrip("\ufeff")
            if not text.strip():
                continue
            try:
                header = _csv_line(text.rstrip("\r\n"))
            except csv.Error as exc:
                raise RowsError(f"{path}:{lineno}: {exc}") from None
            missing = [c for c in columns.needed() if c not in header]
            if missing:
                raise RowsError(
                    f"{path}:{lineno}: column(s) not in the header: {', '.join(missing)}"
                )
            break
        if header is None:
            raise RowsError(f"{path}: no header row")
        width = len(header)
        for lineno, raw in lines:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield lineno, f"invalid UTF-8 (byte {exc.start + 1} of the line)"
                continue
            text = text.rstrip("\r\n")
            if not text.strip():
                yield lineno, None
                continue
            try:
                values = _csv_line(text)
            except csv.Error as exc:
                yield lineno, f"bad CSV: {exc}"
                continue
            row: dict[Any, Any] = dict(zip(header, values, strict=False))
            if len(values) > width:  # as csv.DictReader: extra cells under None
                row[None] = values[width:]
            elif len(values) < width:
                for name in header[len(values):]:
                    row.setdefault(name, None)
            yield lineno, row


def _jsonl_rows(path: Path) -> Iterator[RowItem]:
    from capcheck.mappers.moengage.stream import iter_lines

    decoder = json.JSONDecoder(
        parse_float=js.json_float, parse_int=js.json_int, parse_constant=js.json_constant
    )
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(iter_lines(fh), 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield lineno, "invalid UTF-8"
                continue
            if lineno == 1:
                text = text.lstrip("\ufeff")
            if not text.strip():
                yield lineno, None
                continue
            try:
                row = decoder.decode(text)
            except (ValueError, RecursionError) as exc:
                yield lineno, f"invalid JSON: {exc}"
                continue
            if not isinstance(row, dict):
                yield lineno, "a row must be a JSON object"
                continue
            yield lineno, row


def row_record(
    lineno: int, item: dict[str, Any] | str | None, columns: Columns, kind: str,
    mapper: Any, config: dict[str, Any] | None,
) -> dict[str, Any]:
    """The output record of one row item from :func:`iter_rows`."""
    from capcheck.mappers.moengage.stream import map_event

    if item is None:
        return {"line": lineno, "skipped": "blank line"}
    if isinstance(item, str):
        return {"line": lineno, "statusCode": 400, "error": item}
    try:
        event = row_to_event(item, columns, kind)
    except RowValueError as exc:
        return {"line": lineno, "statusCode": 400, "error": str(exc)}
    record = map_event(mapper, lineno, event, config)
    error = record.get("error")
    if isinstance(error, str) and error.startswith(MISSING):
        record["error"] = error + missing_hint(error, columns, kind)
    return record


MISSING = "Missing required value from "


def missing_hint(error: str, columns: Columns, kind: str) -> str:
    """What to put in the column mapping (or the row) for a required value."""
    source = error[len(MISSING):]
    if source == '"event"':
        if columns.event_column is None and columns.event_name is None:
            return (
                ": the column mapping names no event; add 'event: COLUMN' (the column that "
                "holds the event name) or 'event_name: NAME' (one name for every row)"
            )
        return f": the event column {columns.event_column!r} is empty in this row"
    if source.startswith("[userId"):
        anonymous = f" or {columns.anonymous_id!r}" if columns.anonymous_id else ""
        add = "" if columns.anonymous_id else "; or map 'anonymous_id: COLUMN' as a fallback"
        return f": the user id column {columns.user_id!r}{anonymous} is empty in this row{add}"
    if source == '"userId"':  # alias rows are not made; kept for completeness
        return f": the user id column {columns.user_id!r} is empty in this row"
    return ""


def check_columns(columns: Columns, kind: str, where: str) -> None:
    """A mapping that leaves every row without a required value is a usage error."""
    if kind == "track" and columns.event_column is None and columns.event_name is None:
        raise RowsError(
            f"{where}: --as track: {MISSING}event for every row: add 'event: COLUMN' "
            "(the column that holds the event name) or 'event_name: NAME' (one name for "
            "every row) to the column mapping"
        )
