"""Reading and writing the files capcheck works with, safely.

Reading (definitions, schema.json, ui-config.json, lock files, configuration, rule
files): only regular files are read (a FIFO, a device such as ``/dev/zero``, a
directory, or a symlink to one of those is an error, never a hang), and at most
``max_file_size()`` bytes: 16 MiB by default, adjustable with the environment variable
``CAPCHECK_MAX_FILE_SIZE`` (bytes, or with a ``K``/``M``/``G`` suffix, e.g. ``64M``).

Writing (docs, lock files, matrices, ``check --output-file``): ``write_text_atomic``
writes a temporary file in the target's folder and renames it into place, so a crash
never leaves a truncated file; a lone surrogate is written as ``\\udXXX``.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

DEFAULT_MAX_FILE_SIZE = 16 * 1024 * 1024
SIZE_VARIABLE = "CAPCHECK_MAX_FILE_SIZE"
_SIZE = re.compile(r"\s*(\d+)\s*([kmg]?)(?:i?b)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


class FileProblem(Exception):
    """A file that cannot be read or written; the message names no path (callers
    put the path in front)."""


def max_file_size() -> int:
    """The size cap for one input file (``CAPCHECK_MAX_FILE_SIZE``, default 16 MiB)."""
    raw = os.environ.get(SIZE_VARIABLE)
    if raw is None or not raw.strip():
        return DEFAULT_MAX_FILE_SIZE
    match = _SIZE.fullmatch(raw)
    if not match:
        raise FileProblem(f"{SIZE_VARIABLE}={raw[:40]!r} is not a size (e.g. 16M)")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def _size_text(n: int) -> str:
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device"
    if stat.S_ISSOCK(mode):
        return "is a socket"
    return "is not a regular file"


# O_NONBLOCK: opening a FIFO must not wait for a writer.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def read_bytes(path: Path | str, limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (default
    ``max_file_size()``). Raises FileNotFoundError when it does not exist and
    FileProblem (a short reason) for anything else that prevents reading it."""
    cap = max_file_size() if limit is None else limit
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise FileProblem("is a directory, expected a file") from None
    except OSError as exc:
        raise FileProblem(f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            reason = _kind(info.st_mode)
            raise FileProblem(f"{reason}, expected a file" if "directory" in reason
                              else f"{reason}, not a regular file; not read")
        if info.st_size > cap:
            raise FileProblem(_too_big(info.st_size, cap))
        chunks: list[bytes] = []
        total = 0
        want = info.st_size + 1  # the whole file in one read, and one byte to see its end
        while True:
            asked = min(max(want, 1 << 16), cap + 1 - total)
            chunk = os.read(fd, asked)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > cap:  # grew while being read
                raise FileProblem(_too_big(total, cap))
            if len(chunk) < asked:  # a regular file reads short only at its end
                break
            want = 1 << 20
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except OSError as exc:
        raise FileProblem(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _too_big(size: int, cap: int) -> str:
    return (f"too large ({size} bytes; the limit is {_size_text(cap)}, "
            f"set {SIZE_VARIABLE} to change it)")


def read_text(path: Path | str, limit: int | None = None) -> str:
    """``read_bytes`` decoded as UTF-8 (a BOM is dropped); FileProblem names the line
    of the first byte that is not UTF-8."""
    raw = read_bytes(path, limit)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileProblem(f"line {line}: not valid UTF-8") from None


def is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):
        return False


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` through a temporary file in
    the same folder renamed into place: readers see the old file or the new one, never a
    part. A symlink is followed (its target is replaced); a device or FIFO (e.g.
    ``/dev/stdout``) is written directly. Raises OSError / FileProblem."""
    data = text.encode("utf-8", "backslashreplace")
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise FileProblem("is a directory, expected a file")
        if not stat.S_ISREG(mode):
            with open(target, "wb") as stream:
                stream.write(data)
            return
    folder = target.parent
    import tempfile  # only when writing

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(tmp, stat.S_IMODE(mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
