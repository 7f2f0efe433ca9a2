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

Lines end at LF, CRLF or a lone CR. Counts go to stderr (and, on a terminal, progress for
runs over about 2 s). Exit status: 0 all events mapped, 1 some failed, 2 usage error or an
unreadable input/config file. Memory stays constant: input is read in blocks of whole
lines (about 1 MiB, or the longest line), and each block's output is written at once.

Config rule: without ``--config``, the first non-blank line must carry its own
``destination.Config`` (a ``{message, destination}`` pair), or the run stops with one usage
error (exit 2) instead of failing every line; rows never carry one, so ``--rows`` needs
``--config``.

``--jobs N`` maps blocks of lines in N processes (``0``/``auto``: one per CPU) and writes
the same bytes as one job (see capcheck.mappers.moengage.parallel). Without ``--jobs``, an
input file (or rows file) of ``AUTO_JOBS_BYTES`` (8 MiB) and more gets one job per CPU,
anything smaller, and stdin, one: the output is the same bytes either way.

Rows mode (``--rows FILE.csv|FILE.jsonl --as identify|track --columns MAPPING.yaml``) turns
each row into an event first (see capcheck.mappers.moengage.rows); ``line`` is the row's
line in the file.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import IO, Any

from capcheck import exitcodes
from capcheck.commands.output import error

NAME = "map"
HELP = "map events to MoEngage Data API requests"
MAPPERS = ("moengage",)
PROGRESS_AFTER = 2.0  # seconds before progress shows on a terminal
PROGRESS_EVERY = 0.5
AUTO_JOBS_BYTES = 8 * 2**20  # input size from which --jobs defaults to one per CPU


class UsageProblem(Exception):
    """One-line error, exit 2."""


def _jobs(text: str) -> int:
    if text.strip().lower() == "auto":
        return 0
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of jobs, 0 or auto") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of jobs, 0 or auto")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Map RudderStack-style events (JSONL) to the MoEngage Data API requests the "
        "production destination sends. One output line per input line; blank lines give "
        '{"line": N, "skipped": "blank line"}. Without --config, the first line must carry '
        "its own destination.Config. Exit 0 all mapped, 1 some failed, 2 usage."
    )
    parser.add_argument("mapper", choices=MAPPERS, help="the destination mapper")
    parser.add_argument(
        "input", nargs="?", default=None, metavar="FILE|-",
        help="JSONL events: a message per line or {message, destination} (default: stdin)",
    )
    parser.add_argument(
        "--config", type=Path, metavar="FILE",
        help="JSON or YAML destination Config (apiId, apiKey, region, useObjectData); "
        "needed unless the lines carry their own destination.Config",
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
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE",
        help="write the JSONL output to FILE (replaced atomically) instead of stdout",
    )
    parser.add_argument(
        "-j", "--jobs", type=_jobs, default=None, metavar="N",
        help="worker processes (0 or auto: one per CPU; default: one per CPU for an input "
        "file of 8 MiB and more, else 1); same output, same order",
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


def require_config(blocks: Iterable[bytes], where: str) -> Iterator[bytes]:
    """``blocks`` (of whole lines) unchanged, after checking the config rule on the first
    non-blank line.

    Without --config the first line that is not blank must carry its own
    ``destination.Config``; a line that is not JSON is left to its own error record.
    """
    from capcheck.mappers.moengage.stream import EventDecoder, has_own_config

    it = iter(blocks)
    seen: list[bytes] = []
    decoder = EventDecoder()
    lineno = 0
    for block in it:
        seen.append(block)
        for raw in block.splitlines(keepends=True):
            lineno += 1
            if not raw.strip():
                continue
            try:
                value = decoder.value(raw)
            except ValueError:
                return chain(seen, it)
            if not has_own_config(value):
                raise UsageProblem(
                    f"{where}:{lineno}: no destination Config: pass --config FILE, or give "
                    "every line as {\"message\": ..., \"destination\": {\"Config\": ...}}"
                )
            return chain(seen, it)
    return chain(seen, it)


# ---------------------------------------------------------------------------- output


class Progress:
    """Events done, failed and the rate on stderr, for long runs on a terminal only."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        try:
            self.enabled = stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False
        self.start = time.monotonic()
        self.shown = False
        self.last = 0.0

    def __call__(self, counts: Any) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        elapsed = now - self.start
        if elapsed < PROGRESS_AFTER or now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        rate = counts.events / elapsed if elapsed > 0 else 0.0
        self.stream.write(
            f"\rcapcheck: {counts.events:,} done, {counts.failed:,} failed, "
            f"{rate:,.0f} events/s\x1b[K"
        )
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


class Sink:
    """stdout, or FILE written atomically: a temporary file in the same folder, renamed
    into place when the run completes (removed if it does not)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.tmp: str | None = None
        if path is None:
            self.stream: IO[bytes] = sys.stdout.buffer
            return
        import tempfile  # only for -o (about 6 ms of imports)

        folder = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            raise UsageProblem(f"-o {path}: is a folder, not a file")
        try:
            fd, self.tmp = tempfile.mkstemp(
                dir=folder, prefix=f".{path.name}.", suffix=".tmp"
            )
        except OSError as exc:
            raise UsageProblem(f"cannot write {path}: {exc.strerror or exc}") from None
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o666 & ~umask)  # as open() would create it, not mkstemp's 0600
        self.stream = os.fdopen(fd, "wb")

    def commit(self) -> None:
        self.stream.flush()
        if self.tmp is not None and self.path is not None:
            self.stream.close()
            os.replace(self.tmp, self.path)
            self.tmp = None

    def abort(self) -> None:
        if self.tmp is not None:
            try:
                self.stream.close()
            finally:
                try:
                    os.unlink(self.tmp)
                except OSError:
                    pass
                self.tmp = None


# ---------------------------------------------------------------------------- running


def _stream(outputs: Iterable[bytes], out: IO[bytes], counts: Any, progress: Progress) -> None:
    """Write output lines 1,000 at a time (one write each)."""
    write = out.write
    batch: list[bytes] = []
    for data in outputs:
        batch.append(data)
        if len(batch) >= 1000:
            write(b"".join(batch))
            batch = []
            progress(counts)
    if batch:
        write(b"".join(batch))
    out.flush()


def _is_file(stream: IO[bytes]) -> bool:
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # no descriptor (tests), closed
        return False


def _descriptor(out: IO[bytes]) -> int | None:
    """The output's file descriptor, or None (an in-memory stream, e.g. under tests)."""
    try:
        return out.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None


def _cpus() -> int:
    from capcheck.mappers.moengage.parallel import cpu_count

    return cpu_count()


def _rows_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def auto_jobs(stream: IO[bytes]) -> int:
    """``--jobs`` when not given: one per CPU for a regular file of at least
    ``AUTO_JOBS_BYTES`` (where the pool's start-up is small against the work), else 1
    (small files, pipes and terminals: lines are mapped as they come)."""
    try:
        size = os.fstat(stream.fileno()).st_size if _is_file(stream) else 0
    except (AttributeError, OSError, ValueError):
        size = 0
    return _cpus() if size >= AUTO_JOBS_BYTES else 1


def _run_events(
    args: argparse.Namespace, now: datetime | None, config: dict[str, Any] | None,
    jobs: int | None, sink: Sink, counts: Any, progress: Progress,
) -> None:
    from capcheck.mappers.moengage.stream import iter_blocks, make_mapper, map_block

    stream = open_input(args.input)
    try:
        if stream is sys.stdin.buffer:
            try:
                interactive = sys.stdin.isatty()
            except (AttributeError, ValueError):
                interactive = False
            if interactive:
                print("capcheck: reading events from stdin (one JSON event per line; end "
                      "with Ctrl-D); give a FILE to map a file", file=sys.stderr)
        if jobs is None:
            jobs = auto_jobs(stream)
        start: int | None = None
        if jobs > 1:
            from capcheck.mappers.moengage import parallel

            if parallel.FORK and _is_file(stream):  # workers read their blocks themselves
                try:
                    start = stream.tell()
                except (OSError, ValueError):
                    start = None
            blocks = iter_blocks(stream, parallel.CHUNK_BYTES)
        else:
            blocks = iter_blocks(stream)
        if config is None:
            blocks = require_config(blocks, "<stdin>" if args.input in (None, "-") else args.input)
        out = sink.stream
        if jobs > 1:
            out.flush()  # the workers write to the descriptor itself
            source = (stream.fileno(), start) if start is not None else None
            parallel.run_pool(
                parallel.event_tasks(blocks, source), jobs, out.write, counts,
                (now, config, None, None), progress, out_fd=_descriptor(out),
            )
        else:
            mapper = make_mapper(now)
            write = out.write
            streaming = not _is_file(stream)  # a pipe or terminal: pass each block on
            lineno = 1
            for block in blocks:
                data, lines = map_block(lineno, block, mapper, config, counts)
                lineno += lines
                write(data)
                if streaming:
                    out.flush()
                progress(counts)
        out.flush()
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _run_rows(
    args: argparse.Namespace, now: datetime | None, config: dict[str, Any] | None,
    jobs: int, sink: Sink, counts: Any, progress: Progress,
) -> None:
    from capcheck.mappers.moengage.rows import check_columns, iter_rows, load_columns, row_record
    from capcheck.mappers.moengage.stream import encode_record, make_mapper

    if args.input is not None:
        raise UsageProblem("give either an events FILE or --rows, not both")
    if args.as_type is None or args.columns is None:
        raise UsageProblem("--rows needs --as identify|track and --columns MAPPING.yaml")
    if config is None:
        raise UsageProblem("--rows needs --config FILE (rows carry no destination Config)")
    if not args.rows.is_file():
        raise UsageProblem(f"cannot read {args.rows}: no such file")
    columns = load_columns(args.columns)
    check_columns(columns, args.as_type, str(args.columns))
    items = iter_rows(args.rows, columns)
    first = next(items, None)  # header problems are usage errors, before any output
    if first is None:
        sink.stream.flush()
        return
    items = chain([first], items)
    if jobs > 1:
        from capcheck.mappers.moengage import parallel

        parallel.run_pool(
            parallel.row_tasks(items), jobs, sink.stream.write, counts,
            (now, config, columns, args.as_type), progress,
        )
        sink.stream.flush()
        return
    mapper = make_mapper(now)
    kind = args.as_type
    outputs = (
        encode_record(counts.tally(row_record(lineno, item, columns, kind, mapper, config)))
        for lineno, item in items
    )
    _stream(outputs, sink.stream, counts, progress)


def run(args: argparse.Namespace) -> int:
    from capcheck.mappers.moengage.errors import RowsError
    from capcheck.mappers.moengage.stream import Counts

    counts = Counts()
    progress = Progress(sys.stderr)
    sink: Sink | None = None
    try:
        now = parse_now(args.now)
        config = load_config(args.config)
        if args.rows is None and (args.as_type is not None or args.columns is not None):
            raise UsageProblem("--as and --columns only apply with --rows")
        jobs = args.jobs
        if jobs == 0:
            jobs = _cpus()
        sink = Sink(args.output)
        if args.rows is not None:
            if jobs is None:
                jobs = 1 if _rows_size(args.rows) < AUTO_JOBS_BYTES else _cpus()
            _run_rows(args, now, config, jobs, sink, counts, progress)
        else:
            _run_events(args, now, config, jobs, sink, counts, progress)
        sink.commit()
    except (UsageProblem, RowsError) as exc:
        if sink is not None:
            sink.abort()
        progress.finish()
        sys.stdout.flush()
        return error(exc)
    except BaseException as exc:
        if sink is not None:
            sink.abort()
        progress.finish()
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            return error(exc.strerror or exc)
        raise
    progress.finish()
    print(counts.summary(), file=sys.stderr)
    return exitcodes.FINDINGS if counts.failed else exitcodes.OK
