"""Throughput and memory of the bundled MoEngage mapper.

Prints events/s for the mapper alone (``transform`` on parsed events) and for the CLI path
end to end (JSON parse, map, JSON serialise), then streams 1,000,000 events through
``python -m capcheck map moengage`` and reports its wall time and peak RSS.

    python bench/bench_mapper.py [--events 1000000] [--repeat 3] [--quick]

Input is generated on the fly into a temporary file and deleted afterwards. Reference
(production JavaScript, same machine class): ~17,000 events/s/core transform only,
~13,000 events/s with JSON parse/serialise.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from capcheck.commands import map as map_command
from capcheck.mappers.moengage import transform

CONFIG = {"apiId": "bench-app", "apiKey": "bench-key", "region": "EU"}
NOW = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
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
    counts = map_command.Counts()
    mapper = map_command.make_mapper(NOW)
    sink = io.BytesIO()
    start = time.perf_counter()
    map_command.write_records(
        map_command.event_records(io.BytesIO(data), mapper, CONFIG, counts), sink
    )
    elapsed = time.perf_counter() - start
    assert counts.failed == 0, counts.summary()
    return n / elapsed


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
    print(f"after : {_load()}  (a shared machine: compare figures taken at a similar load)")


if __name__ == "__main__":
    main()
