"""``capcheck map --jobs N``: the same line-level pipeline in N worker processes.

The parent reads the input in blocks of whole lines (about ``CHUNK_BYTES`` each, see
``stream.iter_blocks``) and counts their lines, nothing more: task ``i`` (a block, or for
a regular input file only its place in the file, which the worker reads itself with
``os.pread``) goes to worker ``i mod N``. With an output descriptor (``out_fd``) each
worker writes its own output there, in input order: the workers pass a token round a ring
of pipes, one byte per task written, and a worker whose token has not come yet maps its
next task meanwhile (up to ``LOOKAHEAD`` outputs held), so it seldom idles; only the
counts go back to the parent. Without one (rows, in-memory output) the outputs go back to
the parent, which writes them in order. (Rows are parsed in the parent and sent in chunks
of ``CHUNK_LINES``.) At most ``IN_FLIGHT_PER_JOB * N`` tasks are out at once, so memory
is bounded by the jobs times the chunk size, not by the input.

On POSIX the workers are forked by this module (no ``multiprocessing``: its import and
pool cost about 80 ms of every run): they inherit the compiled tables, the input and the
output. Workers ignore Ctrl-C; the parent stops them all (SIGKILL, then reaps them) on
Ctrl-C, a broken pipe, a worker's error (raised again in the parent) or a worker that
dies, and when a fork or pipe is refused the tasks run in the parent. Elsewhere a
``multiprocessing`` pool (spawn) does the same work, its outputs written by the parent.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
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
) -> None:
    if not FORK:  # pragma: no cover - spawn workers: the parent decides when to stop
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STATE.update(mapper=make_mapper(now), now=now, config=config, columns=columns, kind=kind)


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
    fork, each worker writes its own results to ``out_fd``, in task order, and sends back
    only the counts. Otherwise the parent gets the results and calls ``write``.
    """
    if FORK:
        _preload()  # read once here, inherited by every worker
        _ForkPool(jobs, init, out_fd).run(tasks, write, counts, progress)
    else:  # pragma: no cover - exercised where fork is not available
        _spawn_pool(tasks, jobs, write, counts, init, progress)


def _spawn_pool(
    tasks: Iterable[tuple[Callable[..., tuple[bytes, Counts]], tuple[Any, ...]]],
    jobs: int, write: Callable[[bytes], Any], counts: Counts, init: tuple[Any, ...],
    progress: Callable[[Counts], None] | None,
) -> None:  # pragma: no cover - exercised where fork is not available
    import multiprocessing

    pool = multiprocessing.get_context("spawn").Pool(jobs, initializer=_init, initargs=init)
    pending: deque[Any] = deque()
    limit = max(1, jobs * IN_FLIGHT_PER_JOB)

    def drain_one() -> None:
        data, chunk_counts = pending.popleft().get()
        if data:
            write(data)
        counts.add(chunk_counts)
        if progress is not None:
            progress(counts)

    try:
        for fn, args in tasks:
            pending.append(pool.apply_async(fn, args))
            while len(pending) >= limit:
                drain_one()
        while pending:
            drain_one()
    except BaseException:
        pool.terminate()
        pool.join()
        raise
    pool.close()
    pool.join()


# ---------------------------------------------------------------------------- fork pool

LOOKAHEAD = 2  # outputs a worker holds while its turn to write has not come
PIPE_BYTES = 2**20
_HEADER = struct.Struct("<Q")  # length of each pickled message on a pipe


class WorkerDied(OSError):
    """A worker process ended without finishing its tasks (killed, out of memory)."""


def _send(fd: int, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    _write_all(fd, _HEADER.pack(len(data)) + data)


def _read_exact(fd: int, size: int) -> bytes | None:
    """``size`` bytes from ``fd`` (blocking), or None at end of file."""
    parts: list[bytes] = []
    while size:
        piece = os.read(fd, min(size, PIPE_BYTES))
        if not piece:
            return None
        parts.append(piece)
        size -= len(piece)
    return b"".join(parts)


def _receive(fd: int) -> Any:
    """One message from ``fd`` (blocking); raises EOFError at end of file."""
    head = _read_exact(fd, _HEADER.size)
    if head is None:
        raise EOFError
    body = _read_exact(fd, _HEADER.unpack(head)[0])
    if body is None:
        raise EOFError
    return pickle.loads(body)  # noqa: S301 - our own processes' messages


def _widen(fd: int) -> None:
    """Let a pipe hold ``PIPE_BYTES`` (Linux; best effort): a block's output crosses in
    one or two reads instead of one per 64 KiB."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    except (ImportError, OSError, ValueError):
        pass


def _worker(
    index: int, jobs: int, task_fd: int, result_fd: int,
    token_in: int | None, token_out: int | None, out_fd: int | None,
) -> None:
    """A worker's life: tasks ``index``, ``index + jobs``... in order. With ``out_fd``
    it writes each output when the token for it comes (one byte from the worker before
    it), passes the token on and reports the counts; otherwise it sends the outputs."""
    pending: deque[tuple[int, bytes, Counts]] = deque()
    ended = False

    def write_one() -> None:
        assert token_in is not None and token_out is not None and out_fd is not None
        if not os.read(token_in, 1):
            raise WorkerDied("the worker before this one stopped")
        task, data, chunk_counts = pending.popleft()
        _write_all(out_fd, data)
        try:
            _write_all(token_out, b"t")
        except BrokenPipeError:  # the next worker is done (or died: the parent sees it)
            pass
        _send(result_fd, ("done", task, None, chunk_counts))

    while True:
        if pending:
            if ended or len(pending) >= LOOKAHEAD:
                write_one()
                continue
            assert token_in is not None
            ready, _, _ = select.select([token_in, task_fd], [], [])
            if token_in in ready:
                write_one()
                continue
        elif ended:
            break
        try:
            message = _receive(task_fd)
        except EOFError:  # the parent is gone
            os._exit(1)
        if message is None:
            ended = True
            continue
        task, fn, args = message
        data, chunk_counts = fn(*args)
        if out_fd is None:
            _send(result_fd, ("done", task, data, chunk_counts))
        else:
            pending.append((task, data, chunk_counts))
    _send(result_fd, ("bye", index, None, None))


class _ForkPool:
    """``jobs`` forked workers fed round-robin through one pipe each (see the module
    docstring); the parent's loop feeds them and reads their reports without blocking on
    either, so a full pipe on one side never stalls the other."""

    def __init__(self, jobs: int, init: tuple[Any, ...], out_fd: int | None) -> None:
        self.jobs = max(1, jobs)
        self.init = init
        self.out_fd = out_fd
        self.pids: list[int] = []
        self.task_fds: list[int] = []
        self.result_fds: list[int] = []

    # ------------------------------------------------------------------ start

    def start(self) -> bool:
        """Fork the workers; False (nothing left running) when a pipe or fork is refused."""
        jobs = self.jobs
        pipes: list[int] = []
        try:
            tasks = [os.pipe() for _ in range(jobs)]
            results = [os.pipe() for _ in range(jobs)]
            tokens = [os.pipe() for _ in range(jobs)] if self.out_fd is not None else []
        except OSError:
            return False
        for pair in (*tasks, *results, *tokens):
            pipes.extend(pair)
        for _, write_end in (*tasks, *results):
            _widen(write_end)
        for k in range(jobs):
            try:
                pid = os.fork()
            except OSError:
                self.stop()
                for fd in pipes:
                    _close(fd)
                return False
            if pid == 0:  # the worker
                code = 1
                try:
                    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides
                    keep = {tasks[k][0], results[k][1]}
                    token_in = token_out = None
                    if tokens:
                        token_in, token_out = tokens[k][0], tokens[(k + 1) % jobs][1]
                        keep |= {token_in, token_out}
                    for fd in pipes:
                        if fd not in keep:
                            _close(fd)
                    _init(*self.init)
                    try:
                        _worker(k, jobs, tasks[k][0], results[k][1], token_in, token_out,
                                self.out_fd)
                        code = 0
                    except BaseException as exc:  # noqa: BLE001 - reported to the parent
                        _report(results[k][1], exc)
                finally:
                    os._exit(code)
            self.pids.append(pid)
        for k in range(jobs):
            _close(tasks[k][0])
            _close(results[k][1])
        if tokens:
            _write_all(tokens[0][1], b"t")  # task 0 may be written at once
            for read_end, write_end in tokens:
                _close(read_end)
                _close(write_end)
        self.task_fds = [w for _, w in tasks]
        self.result_fds = [r for r, _ in results]
        for fd in self.task_fds:
            os.set_blocking(fd, False)
        return True

    def stop(self) -> None:
        """Kill and reap every worker still there."""
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in self.pids:
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
        self.pids = []
        for fd in (*self.task_fds, *self.result_fds):
            _close(fd)
        self.task_fds, self.result_fds = [], []

    # ------------------------------------------------------------------ run

    def run(
        self,
        tasks: Iterable[tuple[Callable[..., tuple[bytes, Counts]], tuple[Any, ...]]],
        write: Callable[[bytes], Any], counts: Counts,
        progress: Callable[[Counts], None] | None,
    ) -> None:
        if not self.start():
            _in_process(tasks, self.init, write, counts, progress)
            return
        try:
            self._loop(iter(tasks), write, counts, progress)
        except BaseException:
            self.stop()
            raise
        for pid in self.pids:
            os.waitpid(pid, 0)
        self.pids = []
        for fd in (*self.task_fds, *self.result_fds):
            _close(fd)
        self.task_fds, self.result_fds = [], []

    def _loop(
        self, tasks: Iterator[tuple[Callable[..., tuple[bytes, Counts]], tuple[Any, ...]]],
        write: Callable[[bytes], Any], counts: Counts,
        progress: Callable[[Counts], None] | None,
    ) -> None:
        jobs = self.jobs
        limit = max(1, jobs * IN_FLIGHT_PER_JOB)
        outgoing = [bytearray() for _ in range(jobs)]
        readers = {fd: k for k, fd in enumerate(self.result_fds)}
        incoming = {fd: bytearray() for fd in self.result_fds}
        held: dict[int, bytes] = {}  # outputs back early (no out_fd), by task
        sent = done = written = 0
        more = True
        finished = [False] * jobs
        direct = self.out_fd is not None
        while not all(finished):
            # Tasks out: sent and not yet written (by a worker, or here from ``held``).
            while more and sent - (done if direct else written) < limit:
                item = next(tasks, None)
                if item is None:
                    more = False
                    for k in range(jobs):
                        outgoing[k] += _frame(None)
                    break
                fn, args = item
                outgoing[sent % jobs] += _frame((sent, fn, args))
                sent += 1
            waiting = [self.task_fds[k] for k in range(jobs) if outgoing[k]]
            ready, writable, _ = select.select(list(readers), waiting, [])
            for fd in writable:
                k = self.task_fds.index(fd)
                try:
                    n = os.write(fd, outgoing[k])
                except BlockingIOError:
                    continue
                except BrokenPipeError:  # the worker is gone: its report says why
                    outgoing[k].clear()
                    continue
                del outgoing[k][:n]
            for fd in ready:
                buffer = incoming[fd]
                piece = os.read(fd, PIPE_BYTES)
                if not piece:
                    k = readers.pop(fd)
                    if not finished[k]:
                        raise WorkerDied("a worker process stopped unexpectedly; run again")
                    continue
                buffer += piece
                for kind, task, data, chunk_counts in _messages(buffer):
                    if kind == "bye":
                        finished[task] = True
                    elif kind == "error":
                        raise _error_of(data)
                    else:
                        done += 1
                        if data is not None:
                            held[task] = data
                        counts.add(chunk_counts)
                        while written in held:
                            write(held.pop(written))
                            written += 1
                        if progress is not None:
                            progress(counts)


def _frame(message: Any) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _messages(buffer: bytearray) -> Iterator[Any]:
    """The whole messages at the start of ``buffer`` (removed from it)."""
    size = _HEADER.size
    while len(buffer) >= size:
        (length,) = _HEADER.unpack_from(buffer)
        if len(buffer) < size + length:
            return
        message = pickle.loads(bytes(buffer[size : size + length]))  # noqa: S301
        del buffer[: size + length]
        yield message


def _report(fd: int, exc: BaseException) -> None:
    """Send a worker's exception to the parent (as it is, or as text)."""
    try:
        payload: Any = pickle.dumps(exc)
        pickle.loads(payload)  # noqa: S301 - it must come back as it went
    except Exception:  # noqa: BLE001 - an exception that does not pickle
        payload = f"{type(exc).__name__}: {exc}"
    try:
        _send(fd, ("error", -1, payload, None))
    except OSError:
        pass


def _error_of(payload: Any) -> BaseException:
    if isinstance(payload, bytes):
        exc = pickle.loads(payload)  # noqa: S301 - our own worker's exception
        if isinstance(exc, BaseException):
            return exc
    return RuntimeError(f"a worker failed: {payload}")


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _in_process(
    tasks: Iterable[tuple[Callable[..., tuple[bytes, Counts]], tuple[Any, ...]]],
    init: tuple[Any, ...], write: Callable[[bytes], Any], counts: Counts,
    progress: Callable[[Counts], None] | None,
) -> None:
    """The tasks one after the other in this process (no worker could be started)."""
    _init(*init)
    try:
        for fn, args in tasks:
            data, chunk_counts = fn(*args)
            write(data)
            counts.add(chunk_counts)
            if progress is not None:
                progress(counts)
    finally:
        _STATE.clear()


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
