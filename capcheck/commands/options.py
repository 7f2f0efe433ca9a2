"""The options every command spells the same way (see README, "Common options").

- ``--output-format FORMAT`` (ruff's name), with ``--format`` as an alias;
- ``-o/--output PATH`` for every command that writes a file, the older spellings
  (``--output-file``, ``--out``) kept as hidden aliases;
- ``--color auto|always|never``;
- capability ids in both spellings, ``json_mapper`` and ``json-mapper``;
- paths that may not be empty (``capcheck audit ''`` is a usage error, not the
  current folder);
- ``-j/--jobs N`` worker processes for the commands that read many definitions
  (``auto`` or 0: one per CPU when there are enough destinations; default from
  ``CAPCHECK_JOBS``, else ``auto``).

Standard library only: ``capcheck rule`` builds its parser from here at start-up.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

COLOR_CHOICES = ("auto", "always", "never")


def path_arg(text: str) -> Path:
    """An argparse ``type`` for paths: an empty (or blank) string is a usage error."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty path (use . for the current folder)")
    return Path(text)


def capability_id(text: str) -> str:
    """``json-mapper``, ``json_mapper``, ``JSON_Mapper`` -> ``json_mapper`` (the id)."""
    return text.strip().lower().replace("-", "_")


def capability_choice(choices: Iterable[str]) -> Callable[[str], str]:
    """An argparse ``type`` mapping either spelling to the one in ``choices``."""
    by_id = {capability_id(c): c for c in choices}

    def convert(text: str) -> str:
        return by_id.get(capability_id(text), text)

    return convert


def add_format_option(
    parser: argparse.ArgumentParser,
    choices: Sequence[str],
    default: str | None,
    dest: str = "format",
    default_text: str | None = None,
) -> None:
    shown = default_text or default
    parser.add_argument(
        "--output-format", "--format", dest=dest, choices=tuple(choices), default=default,
        metavar="FORMAT",
        help=f"output format: {', '.join(choices)} (default: {shown}; --format is an alias)",
    )


def add_output_option(
    parser: argparse.ArgumentParser,
    help_text: str,
    dest: str = "output",
    metavar: str = "FILE",
    aliases: Sequence[str] = ("--output-file", "--out"),
) -> None:
    """``-o/--output`` plus the old spellings as aliases (same destination, hidden)."""
    parser.add_argument("-o", "--output", dest=dest, type=path_arg, metavar=metavar,
                        help=help_text)
    if aliases:
        parser.add_argument(*aliases, dest=dest, type=path_arg, metavar=metavar,
                            help=argparse.SUPPRESS)


def add_color_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--color", choices=COLOR_CHOICES, default="auto",
        help="colour the output: auto (default: on a terminal, off when piped; NO_COLOR "
             "and FORCE_COLOR are honoured), always or never",
    )


JOBS_VARIABLE = "CAPCHECK_JOBS"


def jobs_arg(text: str) -> int:
    """An argparse ``type`` for --jobs: a positive number, or 0 / ``auto`` (0)."""
    value = text.strip().lower()
    if value == "auto":
        return 0
    if not value.isascii() or not value.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: a number of jobs, 0 or auto")
    return int(value)


def add_jobs_option(parser: argparse.ArgumentParser) -> None:
    """``-j/--jobs``: how many worker processes read and decide destinations."""
    default = 0
    raw = os.environ.get(JOBS_VARIABLE, "")
    if raw.strip():
        try:
            default = jobs_arg(raw)
        except argparse.ArgumentTypeError:
            default = 0
    parser.add_argument(
        "-j", "--jobs", type=jobs_arg, default=default, metavar="N",
        help="worker processes that read and decide destinations: a number, or auto "
             "(0; the default): one per CPU when there are enough destinations (about "
             f"24 per worker), else one; output is the same either way (${JOBS_VARIABLE} "
             "sets the default)",
    )

