"""Worker processes (``report.workers``, ``--jobs``): the same output as one process.

The commands that read many destinations spread them over forked workers; every
output, exit code and error line must be what one process gives, for the real corpus
(when CAPCHECK_CORPUS is set) and for a corpus with broken destinations in it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from capcheck.render.jsontext import indented
from capcheck.report import workers
from capcheck.report.workers import WorkerError, effective_jobs, ordered_map

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


@pytest.fixture(autouse=True)
def _fork_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers are not forked while other threads run (see ``workers._threaded``); a test
    before these may leave one behind in this process (a pool's helper thread), so the
    in-process tests say there is none: the functions they fork for take no lock."""
    monkeypatch.setattr(workers, "_threaded", lambda: False)


def _square(n: int) -> tuple[int, int, int]:
    return n, n * n, os.getpid()


_HERE = os.getpid()  # this process, which works as the first worker


def test_ordered_map_gives_map_in_order() -> None:
    items = list(range(500))
    got = list(ordered_map(_square, items, jobs=3))
    assert [(n, sq) for n, sq, _pid in got] == [(n, n * n) for n in items]
    assert len({pid for _n, _sq, pid in got}) == 3  # really three workers
    assert _HERE in {pid for _n, _sq, pid in got}  # this process one of them
    assert [pid for _n, _sq, pid in got[:2]] == [_HERE, _HERE]  # starting on block 0


@pytest.mark.parametrize("count,jobs", [(2, 2), (3, 2), (47, 3), (239, 2), (2390, 2), (10**5, 8)])
def test_blocks_cover_every_item_once_in_order_and_shrink(count: int, jobs: int) -> None:
    plan = workers._blocks(count, jobs)
    assert [i for block in plan for i in block] == list(range(count))
    sizes = [len(block) for block in plan]
    assert all(1 <= size <= workers._BLOCK_MAX for size in sizes)
    assert sizes == sorted(sizes, reverse=True)  # the last blocks are the smallest
    assert len(plan) >= jobs  # every worker has a first block


def test_more_tickets_than_a_pipe_holds_are_fed_as_it_empties(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "_BLOCK_MAX", 1)  # one ticket per item: 4 bytes each
    items = list(range(40_000))  # 160 KB of tickets, more than a pipe's 64 KiB
    got = list(ordered_map(_square, items, jobs=2))
    assert [(n, sq) for n, sq, _pid in got] == [(n, n * n) for n in items]
    assert len({pid for _n, _sq, pid in got}) == 2


def _slow_for_a_few(n: int) -> tuple[int, int]:
    if n % 50 == 0:
        import time

        time.sleep(0.02)  # a costly destination now and then
    return n, os.getpid()


def test_workers_share_uneven_work() -> None:
    got = list(ordered_map(_slow_for_a_few, list(range(400)), jobs=2))
    assert [n for n, _pid in got] == list(range(400))
    per_worker: dict[int, int] = {}
    for _n, pid in got:
        per_worker[pid] = per_worker.get(pid, 0) + 1
    assert len(per_worker) == 2  # both took blocks as they finished


def _cpus(_n: int) -> tuple[int, ...]:
    return tuple(sorted(os.sched_getaffinity(0)))


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no CPU affinity here")
def test_each_worker_keeps_to_one_cpu() -> None:
    allowed = tuple(sorted(os.sched_getaffinity(0)))
    got = set(ordered_map(_cpus, list(range(400)), jobs=3))
    forked = got - {allowed}
    assert forked and all(len(cpus) == 1 and set(cpus) <= set(allowed) for cpus in forked)
    assert len(forked) == min(2, len(allowed))  # in turn: two CPUs when there are two
    assert tuple(sorted(os.sched_getaffinity(0))) == allowed  # this process is left as it was


def test_ordered_map_one_job_is_in_process() -> None:
    got = list(ordered_map(_square, list(range(50)), jobs=1))
    assert {pid for _n, _sq, pid in got} == {os.getpid()}


def _fails_in_a_worker(n: int) -> int:
    if os.getpid() != _HERE:  # in a forked worker (this process goes on)
        raise ValueError(f"boom at {n}")
    return n


def _fails_here(n: int) -> int:
    if os.getpid() == _HERE and n > 3:
        raise KeyError("here")
    return n


def test_a_failure_in_this_process_is_raised_as_it_is() -> None:
    """This process works too: what its own call of ``fn`` raises is raised, as with
    one job, and the forked workers are stopped."""
    with pytest.raises(KeyError, match="here"):
        list(ordered_map(_fails_here, list(range(400)), jobs=2))


def test_a_failing_worker_raises_with_its_traceback() -> None:
    with pytest.raises(WorkerError, match="boom at") as caught:
        list(ordered_map(_fails_in_a_worker, list(range(400)), jobs=2))
    first = workers._blocks(400, 2)[1][0]  # the forked worker starts on block 1
    assert str(caught.value) == f"in a worker process: ValueError: boom at {first}"
    notes = caught.value.__notes__[0]  # type: ignore[attr-defined]  # (3.11+)
    assert "Traceback" in notes and "_fails_in_a_worker" in notes


def _unpicklable_in_a_worker(n: int) -> object:
    return (lambda: n) if os.getpid() != _HERE else n  # in a forked worker


def test_a_result_that_cannot_be_sent_back_is_an_error() -> None:
    """The block holding it cannot be pickled: the worker says why, nothing hangs."""
    with pytest.raises(WorkerError, match="in a worker process: .*(pickle|lambda)"):
        list(ordered_map(_unpicklable_in_a_worker, list(range(400)), jobs=2))
    assert list(ordered_map(_unpicklable_in_a_worker, list(range(40)), jobs=1)) == list(range(40))


def _dies_in_a_worker(n: int) -> int:
    if os.getpid() != _HERE:  # a forked worker (never this process)
        os._exit(3)
    return n


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    assert effective_jobs(2, 300) == 2
    with pytest.raises(WorkerError, match="ended before"):
        list(ordered_map(_dies_in_a_worker, list(range(300)), jobs=2))


def test_stopping_early_leaves_no_worker_behind() -> None:
    results = ordered_map(_square, list(range(2000)), jobs=2)
    first = next(results)
    pids = {first[2]}
    while pids == {_HERE}:  # until a forked worker's result has come
        pids.add(next(results)[2])
    results.close()  # type: ignore[attr-defined]  # a generator: the consumer stops,
    # the workers are killed and reaped
    for pid in pids - {_HERE}:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_no_workers_while_other_threads_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.undo()  # the real check
    assert not workers._threaded() or threading.active_count() > 1
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert workers._threaded()
        assert effective_jobs(4, 500) == 1
        got = list(ordered_map(_square, list(range(100)), jobs=2))
        assert {pid for _n, _sq, pid in got} == {os.getpid()}
    finally:
        stop.set()
        thread.join()


def test_effective_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "available_cpus", lambda: 8)
    assert effective_jobs(0, 1) == 1
    assert effective_jobs(0, 47) == 1  # fewer than two workers' worth
    assert effective_jobs(0, 239) == 8
    assert effective_jobs(0, 100) == 4
    assert effective_jobs(3, 239) == 3
    assert effective_jobs(16, 5) == 5


# -- the commands ----------------------------------------------------------------------

def _capcheck(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CAPCHECK_JOBS"}
    return subprocess.run([sys.executable, "-m", "capcheck", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, check=False)


def _same_either_way(args: list[str], cwd: Path | None = None) -> None:
    one = _capcheck(*args, "--jobs", "1", cwd=cwd)
    two = _capcheck(*args, "--jobs", "3", cwd=cwd)
    assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr)
    assert one.stdout or one.stderr


@pytest.fixture(scope="module")
def broken_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real corpus with a few destinations broken in different ways."""
    value = os.environ.get("CAPCHECK_CORPUS")
    if not value or not Path(value).is_dir():
        pytest.skip("CAPCHECK_CORPUS is not set (the real corpus lives outside the project)")
    corpus = Path(value)
    target = tmp_path_factory.mktemp("workers") / "destinations"
    shutil.copytree(corpus, target)
    (target / "braze" / "db-config.json").write_text("{ not json", encoding="utf-8")
    (target / "mp" / "ui-config.json").write_text("[1,]", encoding="utf-8")
    config = json.loads((target / "moengage" / "db-config.json").read_text(encoding="utf-8"))
    config["config"]["supportedSourceTypes"] = "warehouse"
    (target / "moengage" / "db-config.json").write_text(json.dumps(config), encoding="utf-8")
    (target / "zz_lost").mkdir()
    (target / "zz_lost" / "schema.json").write_text("{}", encoding="utf-8")
    return target


@pytest.mark.parametrize("command", [
    ["matrix", "--format", "json"], ["matrix", "--format", "html"],
    ["audit", "--format", "json"],
    ["check", "--no-config", "--output-format", "json"], ["check", "--no-config"],
])
def test_commands_give_the_same_output_with_workers(
    command: list[str], broken_corpus: Path
) -> None:
    args = [command[0], str(broken_corpus), *command[1:]]
    tree = os.environ.get("CAPCHECK_TRANSFORMER")
    if tree:
        args += ["--transformer", tree]
    _same_either_way(args)


def test_lock_and_docs_are_the_same_with_workers(tmp_path: Path, corpus: Path) -> None:
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        out.mkdir()
        done = _capcheck("lock", str(corpus), "--no-config", "-o", str(out / "lock.json"),
                         "--jobs", jobs)
        assert done.returncode == 0, done.stderr
        done = _capcheck("docs", str(corpus), "--out", str(out / "docs"), "--jobs", jobs)
        assert done.returncode == 0, done.stderr
    lock_one, lock_two = (tmp_path / j / "lock.json" for j in ("j1", "j2"))
    assert lock_one.read_bytes() == lock_two.read_bytes()
    one = sorted(p.relative_to(tmp_path / "j1" / "docs")
                 for p in (tmp_path / "j1" / "docs").rglob("*") if p.is_file())
    assert len(one) > 200
    for rel in one:
        assert (tmp_path / "j1" / "docs" / rel).read_bytes() == \
            (tmp_path / "j2" / "docs" / rel).read_bytes()


def test_jobs_must_be_a_number(core_defs: Path) -> None:
    done = _capcheck("matrix", str(core_defs), "--jobs", "many")
    assert done.returncode == 2 and "a number of jobs" in done.stderr


# -- JSON text ---------------------------------------------------------------------------

@pytest.mark.parametrize("doc", [
    {"a": [1, -2, 2**63 - 1, -(2**63), 2**64 - 1], "b": {"": [], "c": {}}, "d": None},
    ["\x00\x1f\x7f\b\f\n\r\t\"\\/", "\u2028é😀", True, False],
    {"float": 1e100}, {"f": -0.0, "g": 0.1}, [2**64], [-(2**63) - 1], ["\ud800"],
    (1, 2), {"t": (1, [2])}, {1: "int key"}, [],
])
def test_indented_is_json_dumps(doc: object) -> None:
    assert indented(doc) == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def test_check_against_a_lock_is_the_same_with_workers(tmp_path: Path, corpus: Path) -> None:
    lock = tmp_path / "lock.json"
    done = _capcheck("lock", str(corpus), "--no-config", "-o", str(lock))
    assert done.returncode == 0, done.stderr
    data = json.loads(lock.read_text(encoding="utf-8"))
    names = sorted(data["destinations"])
    del data["destinations"][names[0]]  # a destination the lock does not list
    data["destinations"]["zz_gone"] = data["destinations"][names[1]]  # one not found
    lock.write_text(json.dumps(data, indent=2), encoding="utf-8")
    _same_either_way(["check", str(corpus), "--no-config", "--lock", str(lock)])
    one = _capcheck("check", str(corpus), "--no-config", "--lock", str(lock), "--jobs", "3")
    assert "CAP901" in one.stdout and "CAP902" in one.stdout


def test_a_refused_fork_falls_back_to_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real_fork = os.fork

    def fork_once() -> int:  # the first worker starts, the second is refused
        if calls:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        calls.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", fork_once)
    got = list(ordered_map(_square, list(range(300)), jobs=3))
    assert [(n, sq) for n, sq, _pid in got] == [(n, n * n) for n in range(300)]
    assert {pid for _n, _sq, pid in got} == {os.getpid()}  # all in this process


def test_this_process_never_waits_on_tickets_it_has_not_written() -> None:
    """While some block numbers are not in the pipe yet, this process takes those: the
    workers may empty the pipe meanwhile, and only this process could fill it again."""
    tickets = workers._Tickets(range(1, 100_000))  # far more than a pipe holds
    try:
        assert tickets.writing
        os.set_blocking(tickets.read_end, False)  # drain it, as busy workers would
        drained = b""
        while True:
            try:
                chunk = os.read(tickets.read_end, 1 << 16)
            except BlockingIOError:
                break
            drained += chunk
        taken = len(drained) // workers._TICKET
        assert 0 < taken < 99_999
        assert tickets.claim() == 1 + taken  # the first number not written, at once
        rest = [tickets.claim() for _ in range(99_999 - taken - 1)]
        assert rest == list(range(2 + taken, 100_000)) and not tickets.writing
        assert tickets.claim() is None  # the pipe is empty and its writer closed
    finally:
        tickets.close_writer()
        tickets.close_reader()
