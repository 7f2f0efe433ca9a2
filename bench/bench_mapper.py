"""Throughput and memory of the bundled MoEngage mapper.

Prints, on the same generated events:

- the Python floor: JSON parse + dump only (orjson and the standard library), no mapping;
- the mapper alone (``transform`` on parsed events) and the CLI path in-process;
- ``capcheck map moengage`` end to end as a subprocess (JSONL file in, JSONL out) on
  50,000 valid events, against the Node reference (~13,000 events/s with JSON parse +
  stringify on these machines) and the floor;
- ``--jobs 1``, the default (one job per CPU for a file of 8 MiB and more) and
  ``--jobs N`` (N = CPUs) on the same file in alternating runs, with the Python floor end
  to end (a subprocess that reads the file and orjson-parses and dumps each line);
- with ``--spark``: Spark ``local[2]`` (capcheck.mappers.moengage.spark.map_rows) beside
  ``--rows --jobs 2`` on the same warehouse rows, rows/s;
- peak RSS of a long ``--events`` stream.

    python bench/bench_mapper.py [--events 1000000] [--repeat 3] [--quick] [--spark]

Input is generated into a temporary folder and deleted afterwards. Reference (production
JavaScript, same machine class): ~17,000 events/s/core transform only, ~13,000 events/s
with JSON parse/serialise.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from capcheck.mappers.moengage import stream, transform

CONFIG = {"apiId": "bench-app", "apiKey": "bench-key", "region": "EU"}
NOW = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
NODE_REFERENCE = 13_000  # upstream transform + JSON parse/stringify, events/s, these machines
ZONES = ["Asia/Kolkata", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Wrong/Zone"]


def make_event(rng: random.Random, i: int) -> dict[str, Any]:
    """A realistic mix: 55% track, 30% identify (a third with device), 15% alias."""
    user = f"user-{rng.randrange(100_000)}"
    context: dict[str, Any] = {
        "app": {"name": "Shop", "version": f"3.{rng.randrange(20)}.0", "build": "311"},
        "library": {"name": "rudder-sdk-js", "version": "3.0.1"},
        "locale": "en-GB",
        "os": {"name": "Android", "version": "14"},
        "timezone": rng.choice(ZONES),
        "userAgent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120 Mobile",
    }
    common = {
        "anonymousId": f"anon-{i}",
        "messageId": f"msg-{i}",
        "channel": "mobile",
        "originalTimestamp": "2024-03-01T11:59:58.123Z",
        "timestamp": "2024-03-01T11:59:59.456Z",
        "context": context,
    }
    roll = rng.random()
    if roll < 0.55:
        products = [
            {"product_id": f"p{j}", "name": f"Item {j}", "price": round(rng.uniform(1, 99), 2),
             "quantity": rng.randrange(1, 4), "category": "Merch", "tags": ["new", "sale"]}
            for j in range(rng.randrange(1, 4))
        ]
        return {**common, "type": "track", "userId": user, "event": "Order Completed",
                "properties": {"order_id": f"o{i}", "revenue": 31.98, "currency": "EUR",
                               "coupon": "SPRING", "products": products,
                               "shipping": {"method": "express", "cost": 4}}}
    if roll < 0.85:
        if rng.random() < 0.33:
            context["device"] = {"id": f"dev-{i}", "type": rng.choice(["android", "ios"]),
                                 "token": f"tok-{i}", "model": "Pixel 8"}
        return {**common, "type": "identify", "userId": user,
                "traits": {"email": f"{user}@example.com", "firstName": "Ada",
                           "lastName": "Lovelace", "age": "36", "plan": "pro",
                           "address": {"city": "Berlin", "country": "DE"},
                           "createdAt": "2023-01-01T00:00:00Z"}}
    return {**common, "type": "alias", "userId": user, "previousId": f"anon-{i}"}


def events(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(n):
        yield make_event(rng, i)


def bench_mapper(n: int) -> float:
    batch = list(events(n))
    for event in batch[:500]:  # warm caches (zones, tables)
        transform(event, CONFIG, NOW)
    start = time.perf_counter()
    for event in batch:
        transform(event, CONFIG, NOW)
    return n / (time.perf_counter() - start)


def bench_cli_in_process(n: int) -> float:
    data = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events(n)).encode()
    counts = stream.Counts()
    mapper = stream.make_mapper(NOW)
    sink = io.BytesIO()
    start = time.perf_counter()
    first = 1
    for block in stream.iter_blocks(io.BytesIO(data)):  # as the command does
        out, lines = stream.map_block(first, block, mapper, CONFIG, counts)
        first += lines
        sink.write(out)
    elapsed = time.perf_counter() - start
    assert counts.failed == 0, counts.summary()
    return n / elapsed


def bench_floor(n: int) -> tuple[float, float]:
    """(orjson, standard library) events/s for parse + dump only, on the same lines."""
    lines = [json.dumps(e, separators=(",", ":")).encode() + b"\n" for e in events(n)]
    rates = []
    try:
        import orjson

        start = time.perf_counter()
        for line in lines:
            orjson.dumps(orjson.loads(line))
        rates.append(n / (time.perf_counter() - start))
    except ImportError:
        rates.append(float("nan"))
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    start = time.perf_counter()
    for line in lines:
        dumps(json.loads(line)).encode()
    rates.append(n / (time.perf_counter() - start))
    return rates[0], rates[1]


def _write_events(path: str, n: int) -> None:
    with open(path, "w") as fh:
        for event in events(n):
            fh.write(json.dumps(event, separators=(",", ":")) + "\n")


def _cli(argv: list[str]) -> float:
    """Wall seconds of one ``python -m capcheck`` run (output to /dev/null)."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.run([sys.executable, "-m", "capcheck", *argv], stdout=devnull,
                              stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"CLI failed: {proc.stderr.decode()[-500:]}")
    return elapsed


# The Python floor end to end: the same file read in blocks, each line parsed and dumped
# by orjson, written to stdout: what any Python mapper costs before it maps anything.
_FLOOR = """
import sys, orjson
loads, dumps, out = orjson.loads, orjson.dumps, sys.stdout.buffer
with open(sys.argv[1], "rb") as fh:
    rest = b""
    while True:
        data = fh.read(1 << 20)
        if not data:
            break
        data = rest + data
        cut = data.rfind(b"\\n") + 1
        rest = data[cut:]
        out.write(b"".join([dumps(loads(line)) + b"\\n" for line in data[:cut].splitlines()]))
    if rest:
        out.write(dumps(loads(rest)) + b"\\n")
"""


def _floor(path: str) -> float:
    start = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        subprocess.run([sys.executable, "-c", _FLOOR, path], stdout=devnull, check=True)
    return time.perf_counter() - start


def bench_end_to_end(
    n: int, repeat: int, jobs: int
) -> tuple[dict[str, list[float]], list[float]]:
    """events/s of `capcheck map` on n events: --jobs 1, the default and --jobs N, and the
    floor, in alternating runs; and the ratio of each run of the default to the floor run
    next to it (the median of those ratios is steadier than a ratio of medians)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "events.jsonl")
        config = os.path.join(tmp, "config.json")
        with open(config, "w") as fh:
            json.dump(CONFIG, fh)
        _write_events(path, n)
        base = ["map", "moengage", path, "--config", config, "--now", "2024-03-01T12:00:00Z"]
        rates: dict[str, list[float]] = {"--jobs 1": [], "default": [], f"--jobs {jobs}": [],
                                         "floor": []}
        ratios: list[float] = []
        for _ in range(repeat):
            rates["--jobs 1"].append(n / _cli([*base, "--jobs", "1"]))
            default = n / _cli(base)
            rates["default"].append(default)
            rates[f"--jobs {jobs}"].append(n / _cli([*base, "--jobs", str(jobs)]))
            floor = n / _floor(path)
            rates["floor"].append(floor)
            ratios.append(default / floor)
        return rates, ratios


ROW_COLUMNS = """user_id: customer_id
event: event_name
timestamp: updated_at
fields:
  email: email
  signup_age: {name: age, type: int}
  paid: {name: is_paid, type: bool}
  score: {type: float}
  plan: plan
"""


def _rows(n: int) -> list[dict[str, Any]]:
    rng = random.Random(5)
    return [
        {"id": i, "customer_id": f"c{i}", "email": f"u{i}@example.com",
         "signup_age": str(rng.randrange(18, 90)), "paid": rng.choice(["yes", "no"]),
         "score": f"{rng.uniform(0, 100):.2f}", "plan": rng.choice(["free", "pro"]),
         "updated_at": "2024-03-01T00:00:00Z", "event_name": "Plan Changed"}
        for i in range(n)
    ]


def bench_spark(n: int) -> tuple[float, float, float]:
    """(rows/s --rows --jobs 2, rows/s Spark local[2] incl. start-up, excl. start-up)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyspark.sql import SparkSession

    from capcheck.mappers.moengage.spark import map_rows

    rows = _rows(n)
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = os.path.join(tmp, "rows.jsonl")
        with open(jsonl, "w") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
        parquet = os.path.join(tmp, "rows.parquet")
        pq.write_table(pa.Table.from_pylist(rows), parquet)
        columns = os.path.join(tmp, "columns.yaml")
        with open(columns, "w") as fh:
            fh.write(ROW_COLUMNS)
        config = os.path.join(tmp, "config.json")
        with open(config, "w") as fh:
            json.dump(CONFIG, fh)
        jobs_rate = n / _cli(["map", "moengage", "--rows", jsonl, "--as", "track",
                              "--columns", columns, "--config", config, "--jobs", "2"])
        start = time.perf_counter()
        spark = (SparkSession.builder.master("local[2]").appName("capcheck-bench")
                 .config("spark.ui.enabled", "false").getOrCreate())
        ready = time.perf_counter()
        out_dir = os.path.join(tmp, "requests")
        # One partition per core, as a table of many files would give.
        df = spark.read.parquet(parquet).repartition(spark.sparkContext.defaultParallelism)
        map_rows(df, columns, "track", config=CONFIG, now=NOW, id_column="id") \
            .write.mode("overwrite").parquet(out_dir)
        done = time.perf_counter()
        spark.stop()
    return jobs_rate, n / (done - start), n / (done - ready)


def bench_cli_subprocess(n: int) -> tuple[float, float, float]:
    """(events/s, peak RSS MiB, input MiB) for n events through the real CLI."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "events.jsonl")
        config = os.path.join(tmp, "config.json")
        with open(config, "w") as fh:
            json.dump(CONFIG, fh)
        with open(path, "w") as fh:
            for event in events(n):
                fh.write(json.dumps(event, separators=(",", ":")) + "\n")
        size = os.path.getsize(path) / 2**20
        start = time.perf_counter()
        with open(os.devnull, "wb") as devnull:
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD, "map", "moengage", path, "--config", config,
                 "--now", "2024-03-01T12:00:00Z"],
                stdout=devnull, stderr=subprocess.PIPE, check=False,
            )
        elapsed = time.perf_counter() - start
        stderr = proc.stderr.decode()
        if proc.returncode != 0:
            raise SystemExit(f"CLI failed: {stderr[-500:]}")
        peak_kib = next(
            (int(line.split()[1]) for line in stderr.splitlines() if line.startswith("VmHWM")),
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        return n / elapsed, peak_kib / 1024, size


# The CLI as `python -m capcheck` runs it, then its own peak RSS (VmHWM is per process
# image, so it is not inflated by the parent's memory at fork time).
_CHILD = """
import sys
from capcheck import cli
code = cli.main(sys.argv[1:])
try:
    with open("/proc/self/status") as fh:
        sys.stderr.write("".join(line for line in fh if line.startswith("VmHWM")))
except OSError:
    pass
sys.exit(code)
"""


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load n/a"
    return f"load {one:.2f} (1 min) {five:.2f} (5 min), {os.cpu_count()} CPUs"


def _best(rates: list[float]) -> str:
    runs = ", ".join(f"{r:,.0f}" for r in rates)
    return f"{max(rates):>10,.0f} events/s  (best of {len(rates)}: {runs})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000,
                        help="events streamed through the CLI for the memory figure")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each in-process figure; the best is reported")
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--spark", action="store_true",
                        help="also Spark local[2] against --jobs 2 (needs capcheck[spark])")
    parser.add_argument("--spark-rows", type=int, default=None,
                        help="rows for the Spark / --jobs 2 figure (default 100,000; quick 5,000)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2,
                        help="N for the --jobs N figure (default: CPUs)")
    args = parser.parse_args()
    n_inproc = 5_000 if args.quick else 50_000
    total = 5_000 if args.quick else args.events
    repeat = max(1, args.repeat)
    print(f"before: {_load()}")
    rate, peak, size = bench_cli_subprocess(total)  # first, while this process is small
    print(f"mapper only            : {_best([bench_mapper(n_inproc) for _ in range(repeat)])}")
    print(f"CLI path (parse+dump)  : "
          f"{_best([bench_cli_in_process(n_inproc) for _ in range(repeat)])}")
    print(f"CLI subprocess, {total:,} events ({size:,.0f} MiB JSONL): {rate:,.0f} events/s "
          f"(incl. start-up), peak RSS {peak:,.1f} MiB")
    fast, std = bench_floor(n_inproc)
    print(f"Python floor (parse + dump only): orjson {fast:,.0f} events/s, "
          f"stdlib json {std:,.0f} events/s")
    n_e2e = 5_000 if args.quick else 50_000
    rates, ratios = bench_end_to_end(n_e2e, repeat, args.jobs)
    floor_e2e = statistics.median(rates["floor"])
    print(f"capcheck map end to end, {n_e2e:,} events, alternating runs "
          f"(median; best; Node {NODE_REFERENCE:,} events/s; goal 2x Node = "
          f"{2 * NODE_REFERENCE:,}):")
    for name, runs in rates.items():
        median = statistics.median(runs)
        label = "Python floor (orjson parse+dump, subprocess)" if name == "floor" else name
        print(f"  {label:44s} {median:>8,.0f} events/s  best {max(runs):>8,.0f}  "
              f"= {median / NODE_REFERENCE:.2f}x Node, {median / floor_e2e:.2f}x floor")
    speed_up = (statistics.median(rates[f"--jobs {args.jobs}"])
                / statistics.median(rates["--jobs 1"]))
    print(f"  default / floor, median of per-round ratios: {statistics.median(ratios):.2f}; "
          f"--jobs {args.jobs} speed-up over --jobs 1: {speed_up:.2f}x")
    print(f"  (in-process floor above: orjson {fast:,.0f} events/s; the default is --jobs "
          "auto for an input file of 8 MiB and more)")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("  (PYTHONDONTWRITEBYTECODE is set: every run compiles capcheck from source, "
              "about 50 ms more start-up than an installed package)")
    if args.spark:
        n_rows = args.spark_rows or (5_000 if args.quick else 100_000)
        jobs_rate, spark_all, spark_run = bench_spark(n_rows)
        print(f"{n_rows:,} warehouse rows: --rows --jobs 2 {jobs_rate:,.0f} rows/s; Spark "
              f"local[2] {spark_all:,.0f} rows/s with session start-up, {spark_run:,.0f} "
              "rows/s without")
    print(f"after : {_load()}  (a shared machine: compare figures taken at a similar load)")


if __name__ == "__main__":
    main()
