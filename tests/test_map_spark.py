# ruff: noqa: UP031  (JSON templates: %-formatting keeps the braces readable)
"""capcheck.mappers.moengage.spark in Spark local[2] (issue 14): every row's result equals
what `capcheck map` writes for the same row. Skips where pyspark, pyarrow or Java is missing."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from capcheck import cli

EXTRA = "pip install 'capcheck[spark]'"
pyspark = pytest.importorskip("pyspark", reason=f"pyspark not installed ({EXTRA})")
pa = pytest.importorskip("pyarrow", reason=f"pyarrow not installed ({EXTRA})")
pq = pytest.importorskip("pyarrow.parquet")

if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("no Java runtime (java on PATH or JAVA_HOME): Spark needs one",
                allow_module_level=True)

FIX = Path(__file__).parent / "fixtures" / "moengage"
CONFIG = {"apiId": "app1", "apiKey": "key1", "region": "EU"}
NOW = "2023-10-14T00:00:00Z"


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]").appName("capcheck-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "500")
        .getOrCreate()
    )
    yield session
    session.stop()


def _event(i: int) -> str:
    kind = i % 9
    if kind == 0:
        return ""
    if kind == 1:
        return ('{"type":"track","userId":"u%d","event":"Order","properties":{"price":%d.25,'
                '"one":1.0,"big":12345678901234567890,"tiny":1e-7,"items":[{"a":1}]},'
                '"context":{"timezone":"Asia/Kolkata"}}' % (i, i))
    if kind == 2:
        return ('{"type":"identify","userId":"u%d","traits":{"age":"%d","email":"e%d@x.io"},'
                '"context":{"device":{"type":"ios","token":"t%d"}}}' % (i, i, i, i))
    if kind == 3:
        return "{not json"
    if kind == 4:
        return '{"type":"alias","userId":"u%d"}' % i
    if kind == 5:
        return json.dumps({"message": {"type": "alias", "userId": "a", "previousId": "b"},
                           "destination": {"Config": {"apiId": "o", "apiKey": "k",
                                                      "region": "US"}}})
    if kind == 6:
        return '{"type":"page","userId":"u"}'
    if kind == 7:
        return '{"type":"track","userId":"ü%d","event":"É","properties":{"n":%s}}' % (i, "9" * 400)
    return '{"type":"identify","anonymousId":"a%d","traits":{"x":{"y":[1,2,{"z":null}]}}}' % i


def _cli_lines(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path, *argv: str
) -> list[bytes]:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(CONFIG))
    cli.main(["map", "moengage", *argv, "--config", str(config), "--now", NOW])
    out, _ = capsysbinary.readouterr()
    return out.splitlines(keepends=True)


def _expected(line: bytes) -> tuple[int | None, str | None, str | None]:
    record = json.loads(line)
    if "skipped" in record:
        return None, None, record["skipped"]
    if "error" in record:
        return record["statusCode"], None, record["error"]
    start = line.index(b'"output":') + len(b'"output":')
    return record["statusCode"], line[start:].rstrip(b"\n")[:-1].decode(), None


def test_map_events_equals_cli(
    spark: Any, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from datetime import datetime, timezone

    from capcheck.mappers.moengage.spark import map_events

    n = 3000
    events = [_event(i) for i in range(n)]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(events) + "\n", encoding="utf-8")
    expected = [_expected(line) for line in _cli_lines(capsysbinary, tmp_path, str(path))]
    assert len(expected) == n

    table = pa.table({"id": pa.array(range(1, n + 1), pa.int64()),
                      "event": pa.array([e or None if i % 2 else e for i, e in
                                         enumerate(events)], pa.string())})
    pq.write_table(table, tmp_path / "events.parquet")
    df = spark.read.parquet(str(tmp_path / "events.parquet"))
    now = datetime(2023, 10, 14, tzinfo=timezone.utc)
    out = map_events(df, "event", config=CONFIG, now=now, id_column="id")
    assert out.columns == ["id", "status", "request", "error"]
    got = {row.id: (row.status, row.request, row.error) for row in out.collect()}
    assert len(got) == n
    mismatches = [i for i in range(1, n + 1) if got[i] != expected[i - 1]]
    assert not mismatches, (mismatches[:5], got[mismatches[0]], expected[mismatches[0] - 1])
    assert sum(1 for s, _, _ in got.values() if s == 200) > n // 3


def test_map_rows_equals_cli(
    spark: Any, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from datetime import datetime, timezone

    from capcheck.mappers.moengage.spark import map_rows

    n = 2000
    rows: list[dict[str, Any]] = []
    for i in range(n):
        rows.append({
            "id": i,
            "customer_id": None if i % 11 == 0 else f"c{i}",
            "email": f"u{i}@x.io" if i % 3 else None,
            "signup_age": str(i) if i % 7 else "1_000",
            "paid": ["yes", "no", "maybe"][i % 3],
            "score": f"{i}.5",
            "meta": '{"tier":"gold"}' if i % 5 else "{bad",
            "updated_at": "2024-01-01T00:00:00Z",
            "event_name": "Signed Up" if i % 13 else None,
        })
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    columns = FIX / "columns.yaml"
    lines = _cli_lines(capsysbinary, tmp_path, "--rows", str(path), "--as", "track",
                       "--columns", str(columns))
    expected = [_expected(line) for line in lines]
    assert len(expected) == n

    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "rows.parquet")
    df = spark.read.parquet(str(tmp_path / "rows.parquet"))
    now = datetime(2023, 10, 14, tzinfo=timezone.utc)
    out = map_rows(df, columns, "track", config=CONFIG, now=now, id_column="id")
    got = {row.id: (row.status, row.request, row.error) for row in out.collect()}
    mismatches = [i for i in range(n) if got[i] != expected[i]]
    assert not mismatches, (mismatches[:5], got[mismatches[0]], expected[mismatches[0]])
    statuses = {s for s, _, _ in got.values()}
    assert statuses == {200, 400}


def test_map_rows_refuses_a_mapping_without_event(spark: Any, tmp_path: Path) -> None:
    from capcheck.mappers.moengage.rows import RowsError
    from capcheck.mappers.moengage.spark import map_rows

    columns = tmp_path / "columns.yaml"
    columns.write_text("user_id: customer_id\n")
    df = spark.createDataFrame([("c1",)], "customer_id string")
    with pytest.raises(RowsError, match="Missing required value from event"):
        map_rows(df, columns, "track", config=CONFIG)
