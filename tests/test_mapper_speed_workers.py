"""The forked workers of ``capcheck map --jobs``: order, errors, deaths and fallbacks.

(No timing here: bench/bench_mapper.py measures.)
"""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from capcheck.mappers.moengage import parallel, stream
from capcheck.mappers.moengage.stream import Counts

pytestmark = pytest.mark.skipif(not parallel.FORK, reason="the fork pool is POSIX only")

CONFIG = {"apiId": "a", "apiKey": "b", "region": "EU"}
INIT = (None, CONFIG, None, None)


def _lines(n: int) -> bytes:
    out = []
    for i in range(n):
        if i % 7 == 3:
            out.append(b"not json\n")
        elif i % 11 == 5:
            out.append(b"\n")
        else:
            out.append(b'{"type":"alias","userId":"u%d","previousId":"p"}\n' % i)
    return b"".join(out)


def _one_job(data: bytes) -> tuple[bytes, Counts]:
    counts = Counts()
    out, _ = stream.map_block(1, data, stream.make_mapper(None), CONFIG, counts)
    return out, counts


@pytest.mark.parametrize("jobs", [2, 3, 5])
@pytest.mark.parametrize("direct", [False, True])
def test_any_jobs_any_chunks_same_bytes(jobs: int, direct: bool, tmp_path: Any) -> None:
    data = _lines(1_500)
    expected, expected_counts = _one_job(data)
    path = tmp_path / "events.jsonl"
    path.write_bytes(data)
    out_path = tmp_path / "out.jsonl"
    counts = Counts()
    with open(path, "rb") as fh, open(out_path, "wb") as out:
        blocks = stream.iter_blocks(fh, 997)  # many uneven blocks
        source = (fh.fileno(), 0) if direct else None
        parallel.run_pool(parallel.event_tasks(blocks, source), jobs, out.write, counts,
                          INIT, out_fd=out.fileno() if direct else None)
    assert out_path.read_bytes() == expected
    assert (counts.ok, counts.failed, counts.blank) == (
        expected_counts.ok, expected_counts.failed, expected_counts.blank)


def _fails(n: int) -> tuple[bytes, Counts]:
    if n == 3:
        raise parallel.InputChanged("the input file changed while it was read; run again")
    return b"%d\n" % n, Counts()


def _dies(n: int) -> tuple[bytes, Counts]:
    if n == 4:
        os.kill(os.getpid(), signal.SIGKILL)
    return b"%d\n" % n, Counts()


def _tasks(fn: Any, n: int) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    for i in range(n):
        yield fn, (i,)


@pytest.mark.parametrize("direct", [False, True])
def test_a_worker_error_is_raised_in_the_parent(direct: bool, tmp_path: Any) -> None:
    out = io.BytesIO()
    with open(tmp_path / "out", "wb") as fh:
        with pytest.raises(parallel.InputChanged, match="changed"):
            parallel.run_pool(_tasks(_fails, 20), 2, out.write, Counts(), INIT,
                              out_fd=fh.fileno() if direct else None)


@pytest.mark.parametrize("direct", [False, True])
def test_a_worker_that_dies_is_an_error_not_a_hang(direct: bool, tmp_path: Any) -> None:
    out = io.BytesIO()
    with open(tmp_path / "out", "wb") as fh:
        with pytest.raises(OSError, match="stopped"):
            parallel.run_pool(_tasks(_dies, 20), 2, out.write, Counts(), INIT,
                              out_fd=fh.fileno() if direct else None)


def test_outputs_come_in_task_order() -> None:
    out: list[bytes] = []
    parallel.run_pool(_tasks(_fails_never, 50), 3, out.append, Counts(), INIT)
    assert out == [b"%d\n" % i for i in range(50)]


def _fails_never(n: int) -> tuple[bytes, Counts]:
    return b"%d\n" % n, Counts()


def test_a_refused_fork_runs_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    out: list[bytes] = []
    parallel.run_pool(_tasks(_fails_never, 10), 2, out.append, Counts(), INIT)
    assert out == [b"%d\n" % i for i in range(10)]


def test_a_refused_pipe_runs_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> tuple[int, int]:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(os, "pipe", refuse)
    out: list[bytes] = []
    parallel.run_pool(_tasks(_fails_never, 10), 2, out.append, Counts(), INIT)
    assert out == [b"%d\n" % i for i in range(10)]


def test_no_descriptor_is_left_open() -> None:
    before = set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else set()
    dropped: list[bytes] = []
    parallel.run_pool(_tasks(_fails_never, 10), 2, dropped.append, Counts(), INIT)
    with pytest.raises(parallel.InputChanged):
        parallel.run_pool(_tasks(_fails, 10), 2, dropped.append, Counts(), INIT)
    after = set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else set()
    assert after <= before
