# ruff: noqa: UP031  (JSON templates: %-formatting keeps the braces readable)
"""`capcheck map --jobs N` (issue 14): the same bytes as one job, in input order, with
bounded memory, and a clean stop on Ctrl-C and on a broken pipe."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from capcheck import cli, exitcodes
from capcheck.mappers.moengage import parallel, stream
from capcheck.mappers.moengage.stream import Counts

FIX = Path(__file__).parent / "fixtures" / "moengage"
CONFIG = FIX / "config.yaml"
ROOT = Path(__file__).parent.parent
NOW = "2023-10-14T00:00:00Z"


def _events(n: int) -> bytes:
    lines = []
    for i in range(n):
        kind = i % 7
        if kind == 0:
            lines.append("")
        elif kind == 1:
            lines.append('{"type":"track","userId":"u%d","event":"E","properties":'
                         '{"price":%d.5,"big":12345678901234567890,"one":1.0}}' % (i, i))
        elif kind == 2:
            lines.append('{"type":"identify","userId":"u%d","traits":{"age":"%d","x":1e-7},'
                         '"context":{"device":{"type":"ios","token":"t"}}}' % (i, i))
        elif kind == 3:
            lines.append("not json %d" % i)
        elif kind == 4:
            lines.append('{"type":"alias","userId":"u%d"}' % i)
        elif kind == 5:
            lines.append('{"type":"alias","userId":"u%d","previousId":"p"}\r' % i)
        else:
            lines.append('{"type":"track","userId":"\\ud800","event":"%s"}' % ("é" * (i % 5)))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _run(capsysbinary: pytest.CaptureFixture[bytes], *argv: str) -> tuple[int, bytes, bytes]:
    code = cli.main(["map", "moengage", *argv])
    out, err = capsysbinary.readouterr()
    return code, out, err


@pytest.mark.parametrize("jobs", ["2", "3", "auto"])
def test_jobs_output_is_byte_identical_in_order(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch, jobs: str,
) -> None:
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 700)  # many chunks, uneven sizes
    events = tmp_path / "events.jsonl"
    events.write_bytes(_events(400))
    args = [str(events), "--config", str(CONFIG), "--now", NOW]
    code1, out1, err1 = _run(capsysbinary, *args)
    codeN, outN, errN = _run(capsysbinary, *args, "--jobs", jobs)
    assert code1 == codeN == exitcodes.FINDINGS
    assert outN == out1 and errN == err1
    lines = [json.loads(line) for line in out1.splitlines()]
    assert [r["line"] for r in lines] == list(range(1, len(lines) + 1))


def test_jobs_rows_byte_identical(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "CHUNK_LINES", 5)
    rows = tmp_path / "rows.csv"
    body = ["customer_id,email,signup_age,paid,score,meta,updated_at,event_name"]
    for i in range(120):
        body.append(f"c{i},u{i}@x.io,{i if i % 9 else 'x'},yes,{i}.5,,2024-01-01,Signed Up")
        if i % 17 == 0:
            body.append("")
    rows.write_text("\n".join(body) + "\n")
    args = ["--rows", str(rows), "--as", "track", "--columns", str(FIX / "columns.yaml"),
            "--config", str(CONFIG), "--now", NOW]
    code1, out1, err1 = _run(capsysbinary, *args)
    code2, out2, err2 = _run(capsysbinary, *args, "-j", "2")
    assert code1 == code2 == exitcodes.FINDINGS
    assert out2 == out1 and err2 == err1
    assert len(out1.splitlines()) == len(body) - 1


def test_bad_jobs_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["map", "moengage", "--jobs", "-1"])
    assert info.value.code == exitcodes.USAGE
    assert "a number of jobs, 0 or auto" in capsys.readouterr().err


def test_in_flight_chunks_are_bounded() -> None:
    """Memory: the driver holds at most 2 x jobs chunks beyond those written."""
    jobs = 2
    state = {"made": 0, "written": 0, "most": 0}
    line = b'{"type":"alias","userId":"a","previousId":"b"}\n'

    def tasks() -> Iterator[tuple[Any, tuple[Any, ...]]]:
        blocks = stream.iter_blocks(io.BytesIO(line * 4000), len(line) * 50)
        for fn, args in parallel.event_tasks(blocks):
            state["made"] += 1
            state["most"] = max(state["most"], state["made"] - state["written"])
            yield fn, args

    out: list[bytes] = []

    def write(data: bytes) -> None:
        state["written"] += 1
        out.append(data)

    counts = Counts()
    config = {"apiId": "a", "apiKey": "b", "region": "EU"}
    parallel.run_pool(tasks(), jobs, write, counts, (None, config, None, None))
    assert state["made"] == 80 and counts.ok == 4000
    assert state["most"] <= jobs * parallel.IN_FLIGHT_PER_JOB + 1
    records = [json.loads(x) for x in b"".join(out).splitlines()]
    assert [r["line"] for r in records] == list(range(1, 4001))


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _start(tmp_path: Path, *extra: str, stdout: Any = subprocess.PIPE) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "capcheck", "map", "moengage", "--config", str(CONFIG),
         "--jobs", "2", *extra],
        stdin=subprocess.PIPE, stdout=stdout, stderr=subprocess.PIPE, env=env,
    )


def _wait_for_workers(proc: subprocess.Popen[bytes], count: int) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = _children(proc.pid)
        if len(workers) >= count:
            return workers
        time.sleep(0.1)
    raise AssertionError("workers did not start")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_ctrl_c_stops_all_workers(tmp_path: Path) -> None:
    proc = _start(tmp_path, stdout=subprocess.DEVNULL)
    assert proc.stdin is not None
    line = b'{"type":"alias","userId":"a","previousId":"b"}\n'
    proc.stdin.write(line * 5_000)  # stdin stays open: the run waits for more
    proc.stdin.flush()
    workers = _wait_for_workers(proc, 2)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_broken_pipe_stops_all_workers(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(b'{"type":"alias","userId":"a","previousId":"b"}\n' * 200_000)
    reader_r, reader_w = os.pipe()
    proc = _start(tmp_path, str(events), stdout=reader_w)
    os.close(reader_w)
    workers = _wait_for_workers(proc, 2)
    with os.fdopen(reader_r, "rb") as reader:
        assert reader.read(100)  # the first output arrives, then the reader goes away
    try:
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)
