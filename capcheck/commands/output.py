"""Everything a command prints or writes goes through here.

- ``say`` / ``error``: one stderr line with control characters escaped, so that a key or
  name from a definition cannot forge a CI annotation or drive the terminal.
- ``write_out``: standard output, lone surrogates escaped, and a write failure (say
  ``capcheck check > /dev/full``) is one line and exit code 2, not a traceback.
- ``write_file``: output files (docs, lock, matrix, ``--output-file``) written
  atomically (temporary file in the same folder, then renamed into place).

Light on purpose (no capcheck imports at module level beyond exit codes and escaping):
every command, even ``rule``, uses it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from capcheck import exitcodes
from capcheck.escape import surrogates, terminal


def say(line: str) -> None:
    """One line on stderr, control characters escaped (input cannot forge log lines)."""
    try:
        sys.stderr.write(terminal(line) + "\n")
    except OSError:
        pass


def error(message: object, prog: str = "capcheck") -> int:
    """Print ``<prog>: error: <message>`` (escaped) on stderr; returns the usage exit code."""
    say(f"{prog}: error: {message}")
    return exitcodes.USAGE


class OutputFailed(SystemExit):
    """Standard output cannot be written (e.g. a full disk): the message was printed;
    exits 2 without a traceback."""


def write_out(text: str, *, json_text: bool = False, escaped: bool = False) -> None:
    """Write ``text`` to standard output and flush, made safe to print
    (``render.terminal.printable``: control characters of every line visible; in JSON
    the same characters as ``\\uXXXX`` escapes, so the document parses to the same
    values); ``escaped``: the renderer escaped every value itself (and may colour its
    output), so only lone surrogates are made visible. A write error other than a
    closed pipe (``| head``) is one line on stderr and exit code 2."""
    from capcheck.render.terminal import printable

    text = surrogates(text) if escaped else printable(text, json_text=json_text)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        _drop_stdout()
        error(f"cannot write to standard output: {exc.strerror or exc}")
        raise OutputFailed(exitcodes.USAGE) from None


def _drop_stdout() -> None:
    """Throw away what is still buffered so that the exit flush does not fail again."""
    try:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    except OSError:
        pass


def write_file(path: Path, text: str) -> str | None:
    """Write an output file atomically (``capcheck.load.files.write_text_atomic``);
    returns an error message (naming the path) instead of raising."""
    from capcheck.load.files import FileProblem, write_text_atomic

    try:
        write_text_atomic(path, text)
    except FileProblem as exc:
        return f"{path}: cannot write: {exc}"
    except IsADirectoryError:
        return f"{path}: cannot write: is a directory, expected a file"
    except OSError as exc:
        return f"{path}: cannot write: {exc.strerror or exc}"
    return None


def deliver(text: str, output: Path | None, *, json_text: bool = False) -> int | None:
    """``text`` to the file ``output`` (atomically) or, without one, to standard output
    (``write_out``); the usage exit code after one error line when the file cannot be
    written, else None."""
    if output is None:
        write_out(text, json_text=json_text)
        return None
    problem = write_file(output, text)
    return None if problem is None else error(problem)

