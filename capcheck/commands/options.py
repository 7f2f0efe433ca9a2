"""The options every command spells the same way (see README, "Common options").

- ``--output-format FORMAT`` (ruff's name), with ``--format`` as an alias;
- ``-o/--output PATH`` for every command that writes a file, the older spellings
  (``--output-file``, ``--out``) kept as hidden aliases;
- ``--color auto|always|never``;
- capability ids in both spellings, ``json_mapper`` and ``json-mapper``;
- paths that may not be empty (``capcheck audit ''`` is a usage error, not the
  current folder).

Standard library only: ``capcheck rule`` builds its parser from here at start-up.
"""

from __future__ import annotations

import argparse
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
