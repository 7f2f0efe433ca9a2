"""The fast paths of ``capcheck map`` against the reference paths they replace.

Property-style: many generated inputs, each compared with the slow or reference answer
(no timing here; speed is measured by bench/bench_mapper.py).
"""

from __future__ import annotations

import io
import random

import pytest

from capcheck.mappers.moengage import stream

# ---------------------------------------------------------------------------- blocks


class _Trickle(io.RawIOBase):
    """A pipe-like stream: each read returns a random, often short, piece."""

    def __init__(self, data: bytes, rng: random.Random) -> None:
        self.data = data
        self.pos = 0
        self.rng = rng

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        n = min(size, self.rng.choice([1, 2, 3, 7, 64, size]))
        piece = self.data[self.pos : self.pos + n]
        self.pos += len(piece)
        return piece

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        return self.read1(size)


def _line_soup(rng: random.Random) -> bytes:
    parts = []
    for _ in range(rng.randrange(0, 40)):
        parts.append(rng.choice([b"a", b"{}", b"x" * rng.randrange(0, 30), b"\xc3\xa9", b""]))
        parts.append(rng.choice([b"\n", b"\r", b"\r\n", b"\n\r", b"\r\r\n", b"\n\n"]))
    if rng.random() < 0.5 and parts:
        parts.pop()  # the last line without a terminator
    return b"".join(parts)


@pytest.mark.parametrize("seed", range(30))
def test_blocks_hold_the_lines_of_iter_lines(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        data = _line_soup(rng)
        expected = list(stream.iter_lines(io.BytesIO(data)))
        size = rng.choice([1, 2, 3, 5, 8, 64, 4096])
        source = _Trickle(data, rng) if rng.random() < 0.5 else io.BytesIO(data)
        blocks = list(stream.iter_blocks(source, size))
        assert all(blocks), "no empty block"
        assert b"".join(blocks) == data
        lines = [line for block in blocks for line in block.splitlines(keepends=True)]
        assert lines == expected
        for block in blocks:
            assert stream.count_lines(block) == len(block.splitlines())
        for before, after in zip(blocks, blocks[1:], strict=False):
            assert not (before.endswith(b"\r") and after.startswith(b"\n")), "a split CRLF"


def test_a_crlf_is_never_split_between_blocks() -> None:
    data = b"ab\r\ncd\r\nef\r"
    for size in range(1, 12):
        blocks = list(stream.iter_blocks(io.BytesIO(data), size))
        assert all(not b.startswith(b"\n") for b in blocks), (size, blocks)
        assert b"".join(blocks) == data
