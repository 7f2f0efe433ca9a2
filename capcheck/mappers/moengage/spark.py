"""The MoEngage mapper over Apache Spark DataFrames (``pip install 'capcheck[spark]'``).

The same line-level pipeline as ``capcheck map`` (capcheck.mappers.moengage.stream), run by
Spark's ``mapInArrow``: Python is entered once per Arrow batch, not once per row, and Spark
schedules the batches over its executors. Two entry points::

    from capcheck.mappers.moengage.spark import map_events, map_rows

    # events: a JSON string column (a message, or a {message, destination} pair)
    out = map_events(df, "event", config={"apiId": ..., "apiKey": ..., "region": "EU"},
                     id_column="id")

    # warehouse rows, through the same YAML column mapping as `capcheck map --rows`
    out = map_rows(df, "columns.yaml", "identify", config=config, id_column="id")

Both return a DataFrame with one row per input row and the columns

- the id column (its name and type as in the input; ``id`` from
  ``monotonically_increasing_id()`` when ``id_column`` is None),
- ``status`` (int: 200 mapped, 400/500 failed as production fails; null for a blank row),
- ``request`` (string: the JSON array of requests, exactly the bytes of ``"output"`` in
  the line ``capcheck map`` writes for that row; null when the row failed),
- ``error`` (string: the message ``capcheck map`` gives; null when mapped; ``"blank line"``
  for a null or blank event).

Row values arrive typed (Arrow): strings, numbers, booleans and nulls are what a JSONL row
holds; dates and timestamps become ISO 8601 strings, decimals JavaScript numbers, and a
value of another type (binary, struct, list, map) its JSON form. ``now`` (the instant for
``user_timezone_offset``) is fixed on the driver, so every executor uses the same one.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capcheck.mappers.moengage.transform import resolve_now

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    from pyspark.sql import DataFrame

    from capcheck.mappers.moengage.rows import Columns

STATUS = "status"
REQUEST = "request"
ERROR = "error"
_OUTPUT_KEY = b'"output":'



def _result_schema(batch: Any, id_column: str) -> Any:
    """The Arrow schema of the result batches: the id column as the input has it, then
    status, request and error."""
    import pyarrow as pa

    return pa.schema([
        batch.schema.field(0).with_name(id_column),
        pa.field(STATUS, pa.int32()), pa.field(REQUEST, pa.string()), pa.field(ERROR, pa.string()),
    ])

def _with_id(df: DataFrame, id_column: str | None) -> tuple[DataFrame, str]:
    if id_column is not None:
        if id_column not in df.columns:
            raise ValueError(f"id_column {id_column!r} is not a column of the DataFrame")
        return df, id_column
    from pyspark.sql import functions as F

    return df.withColumn("id", F.monotonically_increasing_id()), "id"


def _schema(df: DataFrame, id_column: str) -> Any:
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    return StructType([
        df.schema[id_column],
        StructField(STATUS, IntegerType(), True),
        StructField(REQUEST, StringType(), True),
        StructField(ERROR, StringType(), True),
    ])


def result_columns(data: bytes, record: dict[str, Any]) -> tuple[int | None, str | None,
                                                                 str | None]:
    """(status, request, error) of one output line of ``capcheck map`` and its record."""
    if "skipped" in record:
        return None, None, str(record["skipped"])
    error = record.get("error")
    if error is not None:
        return int(record["statusCode"]), None, str(error)
    # The request array exactly as the command writes it: both encoders write the record
    # compactly with "output" last, so it is the bytes between '"output":' and "}\n".
    start = data.index(_OUTPUT_KEY) + len(_OUTPUT_KEY)
    return int(record["statusCode"]), data[start:].rstrip(b"\n")[:-1].decode("utf-8"), None


def _batch(ids: list[Any], results: list[tuple[int | None, str | None, str | None]],
           schema: pa.Schema) -> pa.RecordBatch:
    import pyarrow as pa

    return pa.RecordBatch.from_arrays(
        [
            pa.array(ids, type=schema.field(0).type),
            pa.array([r[0] for r in results], type=pa.int32()),
            pa.array([r[1] for r in results], type=pa.string()),
            pa.array([r[2] for r in results], type=pa.string()),
        ],
        schema=schema,
    )


def map_events(
    df: DataFrame, column: str, config: Mapping[str, Any] | None = None,
    now: _dt.datetime | None = None, id_column: str | None = None,
) -> DataFrame:
    """Map a JSON string column of events (see the module doc for the result)."""
    if column not in df.columns:
        raise ValueError(f"column {column!r} is not a column of the DataFrame")
    df, id_column = _with_id(df, id_column)
    schema = _schema(df, id_column)
    instant = resolve_now(now)
    default = dict(config) if config is not None else None
    source = df.select(id_column, column)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from capcheck.mappers.moengage.stream import EventDecoder, make_mapper

        mapper = make_mapper(instant)
        output = EventDecoder().output
        arrow_schema: pa.Schema | None = None
        for batch in batches:
            if arrow_schema is None:
                arrow_schema = _result_schema(batch, id_column)
            ids = batch.column(0).to_pylist()
            texts = batch.column(1).to_pylist()
            results = []
            for text in texts:
                raw = b"" if text is None else text.encode("utf-8", "surrogatepass")
                # line 2: a line number other than 1 (no byte-order mark is stripped)
                data, record = output(2, raw, mapper, default)
                results.append(result_columns(data, record))
            yield _batch(ids, results, arrow_schema)

    return source.mapInArrow(run, schema)


def _cell(value: Any) -> Any:
    """A typed Arrow value as the JSON-like value a JSONL row would hold."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        from capcheck.mappers.moengage import jsvalues as js

        return js.string_to_number(str(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): _cell(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if all(isinstance(item, tuple) and len(item) == 2 for item in value):  # Arrow map
            return {str(k): _cell(v) for k, v in value}
        return [_cell(v) for v in value]
    return str(value)


def map_rows(
    df: DataFrame, columns: str | Path | Columns, kind: str,
    config: Mapping[str, Any], now: _dt.datetime | None = None,
    id_column: str | None = None,
) -> DataFrame:
    """Map warehouse rows through a column mapping (the YAML of ``--rows``)."""
    from capcheck.mappers.moengage.rows import Columns, check_columns, load_columns

    if kind not in ("identify", "track"):
        raise ValueError("kind must be 'identify' or 'track'")
    mapping = columns if isinstance(columns, Columns) else load_columns(Path(columns))
    check_columns(mapping, kind, str(columns))
    missing = [c for c in mapping.needed() if c not in df.columns]
    if missing:
        raise ValueError(f"column(s) not in the DataFrame: {', '.join(missing)}")
    df, id_column = _with_id(df, id_column)
    needed = list(dict.fromkeys(mapping.needed()))
    source = df.select(id_column, *[c for c in needed if c != id_column])
    names = [id_column] + [c for c in needed if c != id_column]
    schema = _schema(df, id_column)
    instant = resolve_now(now)
    default = dict(config)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from capcheck.mappers.moengage.rows import row_record
        from capcheck.mappers.moengage.stream import encode_record, make_mapper

        mapper = make_mapper(instant)
        arrow_schema: pa.Schema | None = None
        for batch in batches:
            if arrow_schema is None:
                arrow_schema = _result_schema(batch, id_column)
            columns_data = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            ids = columns_data[0]
            results = []
            for i in range(batch.num_rows):
                row = {name: _cell(columns_data[j][i]) for j, name in enumerate(names)}
                record = row_record(2, row, mapping, kind, mapper, default)
                results.append(result_columns(encode_record(record), record))
            yield _batch(ids, results, arrow_schema)

    return source.mapInArrow(run, schema)
