"""Fuzz capcheck with mutated definitions and events, in process; report tracebacks
(there must be none), exit codes and peak memory.

    python scripts/fuzz.py [--definitions N] [--events N] [--batch N] [--seed S]
                           [--keep DIR]

Definitions: real-looking seeds (every destination folder of ``$CAPCHECK_CORPUS`` when
set, else the bundled ``destinations/`` and the test fixtures) are mutated (hostile
values at random places: lone surrogates, control characters and CI workflow
commands, HTML and backticks, formula cells, huge integers, NaN, deep nesting, wrong
types; duplicate keys, truncation, byte flips, invalid UTF-8; rarely a FIFO, a
directory or a symlink to /dev/zero in place of a file; hostile folder names), written
``--batch`` at a time into a temporary folder, and each batch goes through ``audit``,
``check``, ``lock``, ``matrix`` and ``docs`` (rotating output formats) through
``capcheck.cli.main`` with a strict UTF-8 standard output.

Events: JSON lines built from the MoEngage fixtures and mutated the same way (plus
400-digit integers, bare CRs, invalid UTF-8, truncated lines) go through the ``map``
command's in-process path (``event_records`` with the MoEngage mapper, each record
encoded as the command would write it).

A traceback is any exception other than SystemExit escaping a command, or the word
"Traceback" on its stderr. Exit status: 0 when there were none, 1 otherwise. With
``--keep DIR`` the batches that produced one are copied there.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FILES = ("db-config.json", "schema.json", "ui-config.json")

HOSTILE_STRINGS = [
    "", " ", "\ud800", "a\udfffb", "\x00", "\x1b[2J\x1b]0;pwned\x07", "k\n::error file=x::forged",
    "line\r\nbreak", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "`", "``a`",
    "a|b", "=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(1)", "warehouse", "record", "cloud",
    "&lt;b&gt;", "[x](javascript:alert(1))", "\u202eevil", "..", "/", "~1~0", "%0A", "💥",
    "ALL", "CAP001", "x" * 5000,
]
FOLDER_NAMES = ["we`ird", "a b", "<x>", "a|b", "=x", "-x", "\u00e9t\u00e9", "x" * 200, "a\nb",
                "::error::x", "%00", "..a", ".hidden"]


def hostile_value(rng: random.Random) -> Any:
    pick = rng.random()
    if pick < 0.45:
        return rng.choice(HOSTILE_STRINGS)
    if pick < 0.55:
        return rng.choice([None, True, False, 0, -1, 1.5, 1e308, -0.0, 10**30, [], {}])
    if pick < 0.65:
        depth = rng.choice([5, 50, 200])
        value: Any = "deep"
        for _ in range(depth):
            value = [value] if rng.random() < 0.5 else {"k": value}
        return value
    if pick < 0.75:
        return [rng.choice(HOSTILE_STRINGS) for _ in range(rng.randint(1, 20))]
    if pick < 0.85:
        return {rng.choice(HOSTILE_STRINGS): rng.choice(HOSTILE_STRINGS)
                for _ in range(rng.randint(1, 5))}
    return "y" * rng.choice([1000, 100_000])


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, (*prefix, i))


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def mutate_json(data: Any, rng: random.Random) -> Any:
    """Replace, delete or add at random places (1-4 edits)."""
    for _ in range(rng.randint(1, 4)):
        paths = list(_paths(data))
        path = rng.choice(paths)
        action = rng.random()
        if action < 0.6:
            data = _set(data, path, hostile_value(rng))
        elif action < 0.8 and path:
            parent = data
            for part in path[:-1]:
                parent = parent[part]
            with contextlib.suppress(KeyError, IndexError, TypeError):
                del parent[path[-1]]
        else:
            node = data
            for part in path:
                node = node[part]
            if isinstance(node, dict):
                node[rng.choice(HOSTILE_STRINGS)] = hostile_value(rng)
            elif isinstance(node, list):
                node.append(hostile_value(rng))
    return data


def mutate_text(text: str, rng: random.Random) -> bytes:
    """Text-level damage that JSON values cannot express."""
    raw = text.encode("utf-8", "surrogatepass")
    kind = rng.choice(["truncate", "flip", "utf8", "nan", "dupkey", "bigint", "bom", "crlf"])
    if kind == "truncate" and raw:
        return raw[: rng.randrange(len(raw))]
    if kind == "flip" and raw:
        at = rng.randrange(len(raw))
        return raw[:at] + bytes([rng.randrange(256)]) + raw[at + 1:]
    if kind == "utf8":
        at = rng.randrange(len(raw) + 1)
        return raw[:at] + b"\xff\xfe\xc0" + raw[at:]
    if kind == "nan":
        return raw.replace(b": true", b": NaN", 1).replace(b": 1", b": Infinity", 1)
    if kind == "dupkey":
        return raw.replace(b"{", b'{"name": "DUP", "name": "DUP2", ', 1)
    if kind == "bigint":
        return raw.replace(b"{", b'{"n": ' + b"9" * rng.choice([400, 5000]) + b", ", 1)
    if kind == "bom":
        return b"\xef\xbb\xbf" + raw
    return raw.replace(b"\n", b"\r\n")


def load_seeds() -> list[dict[str, str]]:
    roots: list[Path] = []
    corpus = os.environ.get("CAPCHECK_CORPUS")
    if corpus and Path(corpus).is_dir():
        roots.append(Path(corpus))
    else:
        roots += [REPO / "destinations", REPO / "tests" / "fixtures" / "check" / "destinations",
                  REPO / "tests" / "fixtures" / "matrix" / "destinations",
                  REPO / "tests" / "fixtures" / "core" / "defs"]
    seeds: list[dict[str, str]] = []
    for root in roots:
        for folder in sorted(p for p in root.iterdir() if (p / FILES[0]).is_file()):
            files = {name: (folder / name).read_text(encoding="utf-8", errors="replace")
                     for name in FILES if (folder / name).is_file()}
            files["__name__"] = folder.name
            seeds.append(files)
    return seeds


def write_definition(folder: Path, seed: dict[str, str], rng: random.Random) -> None:
    folder.mkdir(parents=True)
    for name in FILES:
        if name not in seed:
            continue
        target = folder / name
        roll = rng.random()
        if roll < 0.005:
            os.mkfifo(target)
            continue
        if roll < 0.01:
            target.symlink_to("/dev/zero")
            continue
        if roll < 0.012:
            target.mkdir()
            continue
        if roll < 0.02:
            continue  # a missing file
        text = seed[name]
        if rng.random() < (0.7 if name == FILES[0] else 0.35):
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            if data is not None and rng.random() < 0.8:
                text = json.dumps(mutate_json(data, rng), indent=2, ensure_ascii=rng.random() < 0.5)
                target.write_bytes(text.encode("utf-8", "surrogatepass"))
                continue
            target.write_bytes(mutate_text(text, rng))
            continue
        target.write_text(text, encoding="utf-8")


# --- running commands -------------------------------------------------------------

class Tally:
    def __init__(self) -> None:
        self.exit_codes: dict[str, Counter[int]] = {}
        self.tracebacks: list[str] = []
        self.runs = 0


def run_command(argv: list[str], tally: Tally, label: str) -> bool:
    """One command through capcheck.cli.main with strict UTF-8 stdout/stderr;
    returns False on a traceback."""
    from capcheck.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    code: int | None
    failure = None
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:  # noqa: BLE001 - the whole point is to catch everything
        code = None
        failure = traceback.format_exc()
    finally:
        sys.stdout, sys.stderr = saved
    tally.runs += 1
    try:
        err.flush()
        raw: bytes = err.buffer.getvalue()  # type: ignore[attr-defined]
        stderr_text = raw.decode("utf-8", "replace")
    except Exception:  # noqa: BLE001
        stderr_text = ""
    if failure is None and "Traceback" in stderr_text:
        failure = stderr_text
    if code is not None and code not in (0, 1, 2):
        failure = f"unexpected exit code {code}\n{stderr_text}"
    tally.exit_codes.setdefault(label, Counter())[code if code is not None else -1] += 1
    if failure is not None:
        tally.tracebacks.append(f"$ capcheck {' '.join(argv)}\n{failure}")
        return False
    return True


CHECK_FORMATS = ["text", "github", "json", "sarif", "junit"]
MATRIX_FORMATS = ["markdown", "html", "csv", "json"]
AUDIT_FORMATS = ["markdown", "json", "table"]


def fuzz_definitions(total: int, batch: int, rng: random.Random, tally: Tally,
                     keep: Path | None) -> int:
    seeds = load_seeds()
    done = 0
    number = 0
    while done < total:
        size = min(batch, total - done)
        with tempfile.TemporaryDirectory(prefix="capcheck-fuzz-") as tmp:
            base = Path(tmp)
            root = base / "defs"
            root.mkdir()
            for i in range(size):
                seed = rng.choice(seeds)
                name = seed["__name__"]
                if rng.random() < 0.03:
                    name = rng.choice(FOLDER_NAMES) + str(i)
                write_definition(root / f"{name}_{i:04d}", seed, rng)
            fmt = number
            commands = {
                "audit": ["audit", str(root), "--format", AUDIT_FORMATS[fmt % 3]],
                "check": ["check", str(root), "--no-config", "--output-format",
                          CHECK_FORMATS[fmt % 5]],
                "lock": ["lock", str(root), "--no-config", "-o", str(base / "lock.json")],
                "matrix": ["matrix", str(root), "--format", MATRIX_FORMATS[fmt % 4],
                           "-o", str(base / "matrix.out")],
                "docs": ["docs", str(root), "--out", str(base / "docs")],
            }
            cwd = os.getcwd()
            os.chdir(base)
            try:
                clean = all([run_command(argv, tally, label)
                             for label, argv in commands.items()])
            finally:
                os.chdir(cwd)
            if not clean and keep is not None:
                shutil.copytree(root, keep / f"batch{number:04d}", symlinks=True,
                                ignore_dangling_symlinks=True,
                                ignore=lambda d, names: [n for n in names
                                                         if not (Path(d) / n).is_dir()
                                                         and not (Path(d) / n).is_file()])
        done += size
        number += 1
        print(f"  definitions: {done}/{total}, tracebacks so far: {len(tally.tracebacks)}",
              file=sys.stderr, flush=True)
    return done


# --- events -----------------------------------------------------------------------

def event_seeds() -> list[Any]:
    seeds = []
    fixture = REPO / "tests" / "fixtures" / "moengage" / "events.jsonl"
    for line in fixture.read_text().splitlines():
        try:
            seeds.append(json.loads(line))
        except ValueError:
            continue  # the fixture's deliberately broken lines
    seeds += [
        {"type": "identify", "userId": "u", "traits": {"email": "e@x.y", "age": 3}},
        {"type": "track", "anonymousId": "a", "event": "E", "properties": {"p": [1, {"q": 2}]},
         "timestamp": "2024-02-29T12:00:00Z"},
        {"type": "alias", "userId": "n", "previousId": "o"},
        {"message": {"type": "track", "userId": "u", "event": "x"},
         "destination": {"Config": {"apiId": "a", "apiKey": "k", "region": "US"}}},
    ]
    return seeds


def event_lines(total: int, rng: random.Random) -> Iterator[bytes]:
    seeds = event_seeds()
    for _ in range(total):
        event = json.loads(json.dumps(rng.choice(seeds)))
        roll = rng.random()
        if roll < 0.6:
            text = json.dumps(mutate_json(event, rng), ensure_ascii=rng.random() < 0.5)
            raw = text.encode("utf-8", "surrogatepass")
        elif roll < 0.75:
            raw = json.dumps(event).replace(
                "{", '{"n": ' + "9" * rng.choice([20, 400, 5000]) + ", ", 1).encode()
        elif roll < 0.85:
            raw = mutate_text(json.dumps(event), rng)
        elif roll < 0.9:
            raw = json.dumps(event).encode() + b"\r" + json.dumps(event).encode()
        elif roll < 0.93:
            raw = b""
        else:
            raw = json.dumps(event).encode()
        yield raw + b"\n"


def fuzz_events(total: int, rng: random.Random, tally: Tally) -> Counter[str]:
    from capcheck.commands.map import load_config
    from capcheck.mappers.moengage.stream import (
        Counts,
        encode_record,
        event_records,
        iter_lines,
        make_mapper,
    )

    config = load_config(REPO / "tests" / "fixtures" / "moengage" / "config.yaml")
    mapper = make_mapper(None)
    counts = Counts()
    statuses: Counter[str] = Counter()
    lines = iter_lines(event_lines(total, rng))  # split as `capcheck map` splits its input
    records = event_records(lines, mapper, config, counts)
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except BaseException:  # noqa: BLE001
            tally.tracebacks.append(f"map (events)\n{traceback.format_exc()}")
            # the stream is broken at this point: start a new one for the rest
            records = event_records(lines, mapper, config, counts)
            continue
        try:
            encode_record(record)
        except BaseException:  # noqa: BLE001
            tally.tracebacks.append(f"map (encode)\n{traceback.format_exc()}")
        statuses[str(record.get("statusCode", "skipped"))] += 1
    return statuses


def _signature(text: str) -> str:
    """Where a traceback was raised and what it was: `file:line: ExceptionType`."""
    lines = [line for line in text.splitlines() if line.strip()]
    where = next((line.strip() for line in reversed(lines)
                  if line.strip().startswith('File "')), "?")
    what = lines[-1].split(":")[0] if lines else "?"
    where = where.replace(str(REPO) + "/", "")
    return f"{what} at {where}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--definitions", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="copy batches that produced a traceback here")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tally = Tally()
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    definitions = fuzz_definitions(args.definitions, args.batch, rng, tally, args.keep)
    defs_time = time.perf_counter() - start
    start = time.perf_counter()
    statuses = fuzz_events(args.events, rng, tally)
    events_time = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"seed {args.seed}; {len(load_seeds())} seed definitions "
          f"({'CAPCHECK_CORPUS' if os.environ.get('CAPCHECK_CORPUS') else 'bundled'})")
    print(f"definitions: {definitions} mutated, {tally.runs} command runs in "
          f"{defs_time:.0f} s")
    for label, codes in tally.exit_codes.items():
        shown = ", ".join(f"{code if code >= 0 else 'crash'}: {n}"
                          for code, n in sorted(codes.items()))
        print(f"  {label:7} exit codes {shown}")
    print(f"events: {sum(statuses.values())} records in {events_time:.0f} s; "
          + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print(f"tracebacks: {len(tally.tracebacks)}")
    for signature, n in Counter(_signature(t) for t in tally.tracebacks).most_common():
        print(f"  {n:6}  {signature}")
    print(f"peak memory (max RSS): {peak_mib:.0f} MiB")
    for text in tally.tracebacks[:5]:
        print("-" * 72)
        print(text[-3000:])
    return 1 if tally.tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
