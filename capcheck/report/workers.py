"""Run one function over many destinations in forked worker processes, results in order.

Reading, checking and deciding one destination does not depend on any other, so a
corpus can be spread over the machine's CPUs. Workers are forked from the running
process (everything already imported and set up is shared, nothing is sent to them);
each takes every ``jobs``-th block of destinations and sends back each result,
pickled, as soon as it has it; the caller gets the results one at a time in input
order, exactly as ``map(fn, items)`` would give them. Where ``os.fork`` is not
available, for small inputs, with ``jobs`` 1, or when the system refuses a process or a
pipe (limits, sandboxes), it is ``map(fn, items)``.

A worker that fails (an exception in ``fn``: a capcheck bug, since bad input never
raises) makes the caller raise ``WorkerError`` naming the worker's exception (its
traceback is a note on the error); a worker that dies is a ``WorkerError`` too, never a
hang; when the caller stops early or is interrupted, the workers are killed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items per worker, starting workers costs more than it saves.
MIN_ITEMS_PER_JOB = 24
_FRAME_SIZE = 8  # a little-endian 64-bit length before each pickled result


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
    if not hasattr(os, "fork") or items < 2 or _threaded():
        return 1
    if not jobs:
        jobs = min(available_cpus(), items // MIN_ITEMS_PER_JOB)
    return max(1, min(jobs, items))


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


def _blocks(count: int, workers: int) -> list[list[int]]:
    """Item indices per worker: blocks handed out in turn, small enough that the
    workers finish together, large enough that each result is not a round trip."""
    size = max(1, min(16, count // (workers * 8)))
    plan: list[list[int]] = [[] for _ in range(workers)]
    for number, start in enumerate(range(0, count, size)):
        plan[number % workers].extend(range(start, min(start + size, count)))
    return plan


def _forked(fn: Callable[[T], R], items: Sequence[T], workers: int) -> Iterator[R]:
    sys.stdout.flush()
    sys.stderr.flush()
    pids: list[int] = []
    readers: list[int] = []
    try:
        try:
            for indices in _blocks(len(items), workers):
                _start(fn, items, indices, pids, readers)
        except OSError:  # no process or pipe to be had (limits, sandbox): one process
            _stop(pids, readers)
            yield from map(fn, items)
            return
        yield from _collect(readers, len(items))
    finally:
        _stop(pids, readers)


def _start(fn: Callable[[T], Any], items: Sequence[T], indices: list[int], pids: list[int],
           readers: list[int]) -> None:
    """Fork the worker for ``indices``; its pid and the read end of its pipe are added
    to ``pids`` and ``readers`` (OSError, with nothing left open, when the system
    refuses the pipe or the process)."""
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
        _work(fn, items, indices, write_end)
    os.close(write_end)
    pids.append(pid)
    readers.append(read_end)


def _stop(pids: list[int], readers: list[int]) -> None:
    """Close the pipes, kill and reap the workers (each once: the lists are emptied)."""
    import signal

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


def _work(fn: Callable[[T], Any], items: Sequence[T], indices: list[int], fd: int) -> None:
    """In a worker: send ``(index, True, fn(item))`` for each index, or ``(index,
    False, traceback)`` for the first that fails; then exit without running the
    parent's exit handlers or flushing its buffers."""
    import pickle
    import signal
    import traceback

    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent cleans up
        with os.fdopen(fd, "wb", buffering=1 << 16) as stream:
            for index in indices:
                try:
                    payload = pickle.dumps((index, True, fn(items[index])),
                                           pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001 - sent to the parent, which raises
                    payload = pickle.dumps((index, False, traceback.format_exc()),
                                           pickle.HIGHEST_PROTOCOL)
                    status = 1
                stream.write(len(payload).to_bytes(_FRAME_SIZE, "little"))
                stream.write(payload)
                if status:
                    break
    except BaseException:  # noqa: BLE001 - e.g. the parent went away: just stop
        status = 1
    finally:
        os._exit(status)


def _collect(readers: list[int], count: int) -> Iterator[Any]:
    """The results from the workers' pipes, yielded in index order."""
    import selectors

    selector = selectors.DefaultSelector()
    buffers: dict[int, bytearray] = {}
    for fd in readers:
        selector.register(fd, selectors.EVENT_READ)
        buffers[fd] = bytearray()
    ready: dict[int, Any] = {}
    following = 0
    open_pipes = len(readers)
    try:
        while following < count:
            while following in ready:
                yield ready.pop(following)
                following += 1
            if following >= count:
                break
            if not open_pipes:
                raise WorkerError("a worker process ended before sending all its results")
            for key, _events in selector.select():
                fd = int(key.fd)
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    selector.unregister(fd)
                    open_pipes -= 1
                    continue
                buffer = buffers[fd]
                buffer += chunk
                for index, ok, value in _frames(buffer):
                    if not ok:
                        raise _failure(str(value))
                    ready[index] = value
    finally:
        selector.close()


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


def _frames(buffer: bytearray) -> Iterator[tuple[int, bool, Any]]:
    """Complete frames at the start of ``buffer`` (removed from it), unpickled."""
    import pickle

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
