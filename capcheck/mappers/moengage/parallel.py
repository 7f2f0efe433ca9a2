"""``capcheck map --jobs N``: the same line-level pipeline in N worker processes.

The parent reads the input in blocks of whole lines (about ``CHUNK_BYTES`` each, see
``stream.iter_blocks``) and counts their lines, nothing more: each block goes as one bytes
object to a worker of a process pool, which splits, decodes, maps and encodes it and
writes the output itself, in input order (a shared counter and condition pass the turn;
see :func:`run_pool`), so the output seldom crosses back to the parent (only when the
worker would otherwise wait for a slower one). (Rows are parsed
in the parent and sent in chunks of ``CHUNK_LINES``; their output comes back to it.) At
most ``2 * N`` chunks are out at once, so memory is bounded by the jobs times the chunk
size (input and output of ``2 * N + 1`` chunks), not by the input. Workers ignore Ctrl-C;
the parent stops them all (``Pool.terminate``) on Ctrl-C, a broken pipe or any error, and
re-raises.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from capcheck.mappers.moengage.stream import Counts, count_lines, make_mapper, map_block

FORK = os.name == "posix"  # workers are forked: they inherit descriptors and the tables
CHUNK_LINES = 2_000
CHUNK_BYTES = 2**19
IN_FLIGHT_PER_JOB = 2


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------- workers


def _preload() -> None:
    """What every worker reads first: the compiled mapping tables."""
    from capcheck.mappers.moengage.table import load

    load()

_STATE: dict[str, Any] = {}


def _init(
    now: datetime | None, config: dict[str, Any] | None, columns: Any, kind: Any,
    order: tuple[Any, Any, int] | None = None,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _STATE.update(mapper=make_mapper(now), now=now, config=config, columns=columns, kind=kind,
                  order=order, parent=os.getppid())


class InputChanged(OSError):
    """The input file is not what the parent read (it changed during the run)."""


def _events_chunk_at(
    first: int, fd: int, offset: int, length: int, lines: int
) -> tuple[bytes, Counts]:
    block = os.pread(fd, length, offset)
    if len(block) != length or count_lines(block) != lines:
        raise InputChanged("the input file changed while it was read; run again")
    return _events_chunk(first, block)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


TURN_WAIT = 0.005  # seconds a worker waits for its turn before handing its output over


def _in_order(index: int, fn: Callable[..., tuple[bytes, Counts]], args: tuple[Any, ...]
              ) -> tuple[bytes | None, Counts, OSError | None]:
    """``fn(*args)``, its output written by this worker to the output descriptor if every
    earlier task's output is written within ``TURN_WAIT`` (``turn`` counts the tasks
    written); otherwise the output goes back to the parent, which writes it in its turn,
    so a worker never idles behind a slower one. Returns (the output if not written, None
    if written; counts; the error if the write failed: a broken pipe, the parent stops)."""
    data, counts = fn(*args)
    turn, cond, fd = _STATE["order"]
    with cond:
        if turn.value != index:
            cond.wait(TURN_WAIT)
        mine = turn.value == index
    if not mine:
        if os.getppid() != _STATE["parent"]:  # the parent is gone: nobody reads
            os._exit(1)
        return data, counts, None
    failed: OSError | None = None
    try:
        _write_all(fd, data)
    except OSError as exc:
        failed = exc
    _next_turn(turn, cond, index)
    return None, counts, failed


def _next_turn(turn: Any, cond: Any, index: int) -> None:
    with cond:
        turn.value = index + 1
        cond.notify_all()


def _events_chunk(first: int, block: bytes) -> tuple[bytes, Counts]:
    counts = Counts()
    data, _ = map_block(first, block, _STATE["mapper"], _STATE["config"], counts)
    return data, counts


def _rows_chunk(items: list[tuple[int, Any]]) -> tuple[bytes, Counts]:
    from capcheck.mappers.moengage.rows import row_record
    from capcheck.mappers.moengage.stream import encode_record

    counts = Counts()
    columns, kind, mapper, config = (
        _STATE["columns"], _STATE["kind"], _STATE["mapper"], _STATE["config"]
    )
    out = [
        encode_record(counts.tally(row_record(lineno, item, columns, kind, mapper, config)))
        for lineno, item in items
    ]
    return b"".join(out), counts


# ---------------------------------------------------------------------------- chunking


def row_chunks(items: Iterable[tuple[int, Any]]) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= CHUNK_LINES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---------------------------------------------------------------------------- driver


def run_pool(
    tasks: Iterable[tuple[Callable[..., tuple[bytes, Counts]], tuple[Any, ...]]],
    jobs: int,
    write: Callable[[bytes], Any],
    counts: Counts,
    init: tuple[Any, ...],
    progress: Callable[[Counts], None] | None = None,
    out_fd: int | None = None,
) -> None:
    """Run ``fn(*args)`` for each task in ``jobs`` processes; write results in order.

    With ``out_fd`` (a descriptor the workers inherit, all buffered output flushed) and
    the fork start method, each worker writes its own results to ``out_fd``, in task
    order, and sends back only the counts: the output does not cross a pipe to the
    parent. Otherwise the parent gets the results and calls ``write``.
    """
    method = "fork" if FORK else "spawn"
    if method == "fork":
        _preload()  # read once here, inherited by every worker
    context = multiprocessing.get_context(method)
    direct = out_fd is not None and method == "fork"
    if direct:
        assert out_fd is not None
        order = (context.Value("q", 0, lock=False), context.Condition(), out_fd)
        init = (*init, order)
        turn, cond, fd = order

        def write_turn(data: bytes, index: int) -> None:
            # A result this worker handed back: every earlier one is written (results
            # are taken in order, each written by its worker or here), so it is our turn.
            _write_all(fd, data)
            _next_turn(turn, cond, index)

        direct_write: Callable[[bytes, int], None] | None = write_turn
    else:
        direct_write = None
    pool = context.Pool(jobs, initializer=_init, initargs=init)
    _widen_pipes(pool)
    pending: deque[Any] = deque()
    limit = max(1, jobs * IN_FLIGHT_PER_JOB)
    try:
        for index, (fn, args) in enumerate(tasks):
            if direct:
                pending.append((index, pool.apply_async(_in_order, (index, fn, args))))
            else:
                pending.append((index, pool.apply_async(fn, args)))
            while len(pending) >= limit:
                _drain_one(pending, write, counts, progress, direct_write)
        while pending:
            _drain_one(pending, write, counts, progress, direct_write)
    except BaseException:
        pool.terminate()
        pool.join()
        raise
    pool.close()
    pool.join()


PIPE_BYTES = 2**20


def _widen_pipes(pool: Any) -> None:
    """Let the pool's task and result pipes hold ``PIPE_BYTES`` (Linux; 64 KiB otherwise).

    A block's output (about 1.3x its input) then crosses in one or two reads instead of
    one per 64 KiB, each of which allocates a buffer of the whole remaining size: that
    halves the parent's time on a block. Best effort: the pipes are private attributes of
    ``multiprocessing.pool``, and a system that refuses the size keeps its own."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is None:  # pragma: no cover - not Linux
        return
    for queue, end in ((getattr(pool, "_outqueue", None), "_reader"),
                       (getattr(pool, "_inqueue", None), "_writer")):
        try:
            fcntl.fcntl(getattr(queue, end).fileno(), set_size, PIPE_BYTES)
        except (AttributeError, OSError, ValueError):
            pass


def _drain_one(
    pending: deque[Any], write: Callable[[bytes], Any], counts: Counts,
    progress: Callable[[Counts], None] | None,
    direct_write: Callable[[bytes, int], None] | None = None,
) -> None:
    index, result = pending.popleft()
    data, chunk_counts, *failed = result.get()
    if failed and failed[0] is not None:
        raise failed[0]
    if direct_write is not None:
        if data is not None:  # handed back (see _in_order): not written yet
            direct_write(data, index)
    elif data:
        write(data)
    counts.add(chunk_counts)
    if progress is not None:
        progress(counts)


def event_tasks(
    blocks: Iterable[bytes], source: tuple[int, int] | None = None,
) -> Iterator[tuple[Callable[..., tuple[bytes, Counts]], tuple[Any, ...]]]:
    """One task per block of whole lines, with the number of its first line.

    With ``source`` (the descriptor of a regular input file the workers inherit, and the
    offset of the first block; fork only, see ``FORK``) a task names the block's place
    in the file instead of carrying it: the worker reads it there (``os.pread``), so the
    input does not cross a pipe either."""
    first = 1
    offset = source[1] if source is not None else 0
    for block in blocks:
        lines = count_lines(block)
        if source is None:
            yield _events_chunk, (first, block)
        else:
            yield _events_chunk_at, (first, source[0], offset, len(block), lines)
            offset += len(block)
        first += lines


def row_tasks(
    items: Iterable[tuple[int, Any]],
) -> Iterator[tuple[Callable[..., tuple[bytes, Counts]], tuple[Any, ...]]]:
    for chunk in row_chunks(items):
        yield _rows_chunk, (chunk,)
