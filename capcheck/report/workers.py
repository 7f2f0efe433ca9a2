"""Run one function over many destinations in worker processes, results in order.

Reading, checking and deciding one destination does not depend on any other, so a
corpus can be spread over the machine's CPUs. The running process is the first worker;
the others are forked from it (everything already imported and set up is shared,
nothing is sent to them). The items are cut into blocks that shrink towards the end;
each worker starts on its own block, then claims the next unclaimed one whenever it is
done (a block number read from a shared pipe of tickets), so that a worker given costly
destinations does not leave the other CPUs idle at the end. A forked worker sends back
each block's results, pickled, as soon as the block is done; the running process reads
them between its own items (measured: a corpus matrix 3%, an audit 5% faster than with
a forked worker in its place and this process only waiting). The caller gets the
results one at a time in input order, exactly as ``map(fn, items)`` would give them.
Where ``os.fork`` is not available, for small inputs, with ``jobs`` 1, or when the
system refuses a process or a pipe (limits, sandboxes), it is ``map(fn, items)``.

A forked worker that fails (an exception in ``fn``: a capcheck bug, since bad input
never raises) makes the caller raise ``WorkerError`` naming the worker's exception (its
traceback is a note on the error); an exception in this process's own call is raised as
it is (as with one job); a worker that dies is a ``WorkerError`` too, never a hang; when
the caller stops early or is interrupted, the workers are killed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")
    R = TypeVar("R")

# Below this many items per worker, starting workers costs more than it saves.
MIN_ITEMS_PER_JOB = 24
_FRAME_SIZE = 8  # a little-endian 64-bit length before each pickled block of results


class WorkerError(RuntimeError):
    """A worker process failed; the message holds its traceback."""


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the system has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def effective_jobs(jobs: int | None, items: int) -> int:
    """How many workers to use for ``items`` items: ``jobs`` when given (0 or None:
    automatic: one per CPU, at most one per ``MIN_ITEMS_PER_JOB`` items), never more
    than there are items, 1 where processes cannot be forked (no ``os.fork``, or other
    threads running)."""
    if not hasattr(os, "fork") or items < 2 or _threaded() or not _pollable():
        return 1
    if not jobs:
        jobs = min(available_cpus(), items // MIN_ITEMS_PER_JOB)
    return max(1, min(jobs, items))


def _pollable() -> bool:
    """Whether ``select.poll`` is there, which this process waits on its workers with."""
    import select

    return hasattr(select, "poll")


def _threaded() -> bool:
    """Whether other threads run here: forking then could copy a lock another thread
    holds (and Python warns about it), so the work stays in this process."""
    threading = sys.modules.get("threading")
    return threading is not None and threading.active_count() > 1


def ordered_map(fn: Callable[[T], R], items: Sequence[T], jobs: int | None = 0) -> Iterator[R]:
    """``fn(item)`` for each of ``items``, in order, computed by ``effective_jobs``
    forked workers."""
    workers = effective_jobs(jobs, len(items))
    if workers <= 1:
        for item in items:
            yield fn(item)
        return
    yield from _forked(fn, items, workers)


def _blocks(count: int, workers: int) -> list[range]:
    """The items' indices cut into consecutive blocks, in order: big enough that a
    result is not a round trip each, shrinking towards the end (a quarter of each
    worker's share of what is left, at most ``_BLOCK_MAX``) so that the workers finish
    together however unevenly the items cost."""
    plan: list[range] = []
    start = 0
    while start < count:
        size = max(1, min(_BLOCK_MAX, -(-(count - start) // (workers * 4))))
        plan.append(range(start, min(start + size, count)))
        start += size
    return plan


_BLOCK_MAX = 16
_TICKET = 4  # a little-endian block number, written and read whole (see _Tickets)


def _forked(fn: Callable[[T], R], items: Sequence[T], workers: int) -> Iterator[R]:
    import gc

    _pickle()  # what the workers use, imported once before forking

    sys.stdout.flush()
    sys.stderr.flush()
    blocks = _blocks(len(items), workers)
    workers = min(workers, len(blocks))
    pids: list[int] = []
    readers: list[int] = []
    tickets: _Tickets | None = None
    try:
        # What exists now is the workers' too: the collector in each leaves it alone
        # (instead of writing to every object it looks at, which copies the pages).
        gc.freeze()
        try:
            tickets = _Tickets(range(workers, len(blocks)))
            for first in range(1, workers):  # this process is the first worker
                _start(fn, items, blocks, first, tickets, pids, readers)
        except OSError:  # no process or pipe to be had (limits, sandbox): one process
            gc.unfreeze()
            _stop(pids, readers, tickets)
            yield from map(fn, items)
            return
        gc.unfreeze()
        pinned = _pin(0)
        try:
            yield from _share(fn, items, blocks, readers, tickets)
        finally:
            _unpin(pinned)
    finally:
        _stop(pids, readers, tickets)


class _Tickets:
    """A pipe of block numbers that the workers claim blocks from: each read of
    ``_TICKET`` bytes takes one number whole (the numbers are written in writes of at
    most PIPE_BUF bytes, which a pipe never splits nor interleaves), and the end of the
    pipe (the writer closed) says there is no block left. The parent writes as many as
    the pipe holds now, the rest whenever it has room (``feed``)."""

    def __init__(self, numbers: range) -> None:
        self.read_end, self.write_end = os.pipe()
        self._pending = b"".join(n.to_bytes(_TICKET, "little") for n in numbers)
        os.set_blocking(self.write_end, False)
        self.feed()

    @property
    def writing(self) -> bool:
        return self.write_end >= 0

    def feed(self) -> None:
        """Write what the pipe has room for; close it once everything is written."""
        import select

        chunk = (max(512, getattr(select, "PIPE_BUF", 512)) // _TICKET) * _TICKET
        while self._pending:
            try:
                written = os.write(self.write_end, self._pending[:chunk])
            except BlockingIOError:  # full: the rest when it has room
                return
            except BrokenPipeError:  # no worker left to claim them
                break
            self._pending = self._pending[written:]
        self._pending = b""
        self.close_writer()

    def claim(self) -> int | None:
        """The next block number for the writing process, None when none is left. While
        some are not written yet, it takes the first of those: reading the pipe then
        could wait for ever (the workers may empty it between a ``feed`` and the read,
        and only this process can fill it again). Once all are written, the pipe is
        read: it holds the rest, or ends."""
        if not self._pending:
            return _claim(self.read_end)
        number = int.from_bytes(self._pending[:_TICKET], "little")
        self._pending = self._pending[_TICKET:]
        if not self._pending:
            self.close_writer()
        return number

    def close_writer(self) -> None:
        if self.write_end >= 0:
            os.close(self.write_end)
            self.write_end = -1

    def close_reader(self) -> None:
        if self.read_end >= 0:
            os.close(self.read_end)
            self.read_end = -1


def _start(fn: Callable[[T], Any], items: Sequence[T], blocks: list[range], first: int,
           tickets: _Tickets, pids: list[int], readers: list[int]) -> None:
    """Fork the worker that starts on block ``first``; its pid and the read end of its
    pipe are added to ``pids`` and ``readers`` (OSError, with nothing left open, when
    the system refuses the pipe or the process)."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # the worker: never returns
        os.close(read_end)
        for other in readers:
            os.close(other)
        tickets.close_writer()
        _pin(first)
        _work(fn, items, blocks, first, tickets.read_end, write_end)
    os.close(write_end)
    pids.append(pid)
    readers.append(read_end)


def _pin(number: int) -> set[int] | None:
    """Keep worker ``number`` on one of the CPUs this process may use (in turn), so that
    the system does not move the workers between CPUs (measured: a corpus matrix 2-5%
    faster); a worker on a busy CPU just claims fewer blocks. Where the system has no
    affinity, or refuses it, nothing changes. The CPUs allowed before, for ``_unpin``
    (this process is pinned as worker 0 only while the workers run)."""
    try:
        allowed = os.sched_getaffinity(0)
        cpus = sorted(allowed)
        os.sched_setaffinity(0, {cpus[number % len(cpus)]})
    except (AttributeError, OSError):
        return None
    return allowed


def _unpin(allowed: set[int] | None) -> None:
    """Let this process run on the CPUs it was allowed before ``_pin`` again."""
    if allowed is not None:
        try:
            os.sched_setaffinity(0, allowed)
        except OSError:
            pass


def _stop(pids: list[int], readers: list[int], tickets: _Tickets | None = None) -> None:
    """Close the pipes, kill and reap the workers (each once: the lists are emptied)."""
    import _signal as signal  # (the signal module makes enums of them: 1 ms)

    if tickets is not None:
        tickets.close_writer()
        tickets.close_reader()
    for fd in readers:
        try:
            os.close(fd)
        except OSError:
            pass
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass
    pids.clear()
    readers.clear()


def _work(fn: Callable[[T], Any], items: Sequence[T], blocks: list[range], first: int,
          tickets: int, fd: int) -> None:
    """In a worker: for block ``first``, then for each block claimed from the
    ``tickets`` pipe until it ends, send the block's ``(index, True, fn(item))`` for each
    of its indices, pickled together when the block is done (the classes and repeated
    strings of its results are written once), ending at ``(index, False, traceback)``
    for the first that fails; then exit without running the parent's exit handlers or
    flushing its buffers."""
    import _signal as signal

    pickle = _pickle()

    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent cleans up
        with os.fdopen(fd, "wb", buffering=1 << 16) as stream:
            number: int | None = first
            while number is not None and not status:
                block = blocks[number]
                results: list[tuple[int, bool, Any]] = []
                for index in block:
                    try:
                        results.append((index, True, fn(items[index])))
                    except Exception:  # noqa: BLE001 - sent to the parent, which raises
                        results.append((index, False, _traceback()))
                        status = 1
                        break
                try:
                    payload = pickle.dumps(results, _PROTOCOL)
                except Exception:  # noqa: BLE001 - a result that cannot be pickled
                    payload = pickle.dumps([(block[0], False, _traceback())], _PROTOCOL)
                    status = 1
                stream.write(len(payload).to_bytes(_FRAME_SIZE, "little"))
                stream.write(payload)
                stream.flush()
                number = _claim(tickets)
    except BaseException:  # noqa: BLE001 - e.g. the parent went away: just stop
        status = 1
    finally:
        os._exit(status)


_PROTOCOL = 5  # pickle.HIGHEST_PROTOCOL since Python 3.8


def _pickle() -> Any:
    """The pickle functions: the C module's, without the pure-Python ``pickle`` module
    built around it (2 ms of start-up), where the interpreter has it."""
    try:
        import _pickle
    except ImportError:  # pragma: no cover - an interpreter without the C module
        import pickle

        return pickle
    return _pickle


def _traceback() -> str:
    import traceback  # (textwrap, linecache: only when it is needed)

    return traceback.format_exc()


def _claim(tickets: int) -> int | None:
    """The next unclaimed block number, None when there is none left."""
    ticket = os.read(tickets, _TICKET)
    return int.from_bytes(ticket, "little") if len(ticket) == _TICKET else None


def _share(fn: Callable[[T], Any], items: Sequence[T], blocks: list[range],
           readers: list[int], tickets: _Tickets) -> Iterator[Any]:
    """The results in index order, this process working as the first worker: it takes
    block 0, then claims blocks as the forked workers do, and between two of its items
    reads what they sent (so that none waits long on a full pipe) and writes the
    tickets that did not fit in their pipe at first; once no block is left, it waits
    for theirs. Its own results are not pickled, and no process sits idle."""
    import select  # poll, not the selectors module (1.5 ms of start-up)

    poller = select.poll()
    buffers: dict[int, bytearray] = {}
    for fd in readers:
        poller.register(fd, select.POLLIN)
        buffers[fd] = bytearray()
    feeding = tickets.writing
    if feeding:
        poller.register(tickets.write_end, select.POLLOUT)

    def feed() -> None:
        nonlocal feeding
        if feeding:
            fd = tickets.write_end
            tickets.feed()
            if not tickets.writing:
                poller.unregister(fd)
                feeding = False

    count = len(items)
    ready: dict[int, Any] = {}
    following = 0
    open_pipes = len(readers)
    own: Iterator[int] | None = iter(blocks[0])  # this process's block; None: no more
    while following < count:
        while following in ready:
            yield ready.pop(following)
            following += 1
        if following >= count:
            break
        timeout: int | None = 0  # milliseconds
        if own is not None:
            index = next(own, None)
            if index is None:  # block done: the next unclaimed one, if any
                fd = tickets.write_end
                number = tickets.claim()
                if feeding and not tickets.writing:
                    poller.unregister(fd)
                    feeding = False
                own = None if number is None else iter(blocks[number])
                continue
            ready[index] = fn(items[index])
        elif not open_pipes:
            raise WorkerError("a worker process ended before sending all its results")
        else:
            timeout = None  # only the workers' results are missing: wait for them
        if not open_pipes and not feeding:
            continue
        for fd, _events in poller.poll(timeout):
            if feeding and fd == tickets.write_end:
                feed()
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                poller.unregister(fd)
                open_pipes -= 1
                continue
            buffer = buffers[fd]
            buffer += chunk
            for results in _frames(buffer):
                for done, ok, value in results:
                    if not ok:
                        raise _failure(str(value))
                    ready[done] = value


def _failure(trace: str) -> WorkerError:
    """The error for a worker's traceback: its last line as the message (one line, as
    capcheck's internal-error line shows it), the whole traceback as a note (shown with
    ``--debug``)."""
    lines = [line for line in trace.strip().splitlines() if line.strip()]
    failure = WorkerError(f"in a worker process: {lines[-1] if lines else 'failed'}")
    note = f"the worker's traceback:\n{trace.rstrip()}"
    add_note = getattr(failure, "add_note", None)  # Python 3.11 and later
    if add_note is not None:
        add_note(note)
    else:  # pragma: no cover - older Pythons: kept where --debug can reach it
        failure.__notes__ = [note]  # type: ignore[attr-defined]
    return failure


def _frames(buffer: bytearray) -> Iterator[list[tuple[int, bool, Any]]]:
    """Complete frames at the start of ``buffer`` (removed from it), unpickled: the
    results of one block each."""
    pickle = _pickle()
    start = 0
    size = _FRAME_SIZE
    while len(buffer) - start >= size:
        length = int.from_bytes(buffer[start : start + size], "little")
        if len(buffer) - start - size < length:
            break
        body = bytes(buffer[start + size : start + size + length])
        start += size + length
        yield pickle.loads(body)
    del buffer[:start]
