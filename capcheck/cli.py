"""Command-line entry point.

Each sub-command is one module in ``capcheck.commands`` exposing ``add_arguments(parser)``
and ``run(args) -> int``. Adding a command is one module plus one line in ``COMMANDS``.

Start-up is kept small: ``capcheck --version`` imports nothing but this module (not even
argparse), and a command builds only its own parser (the full parser with every
sub-command is built only for ``capcheck``, ``capcheck --help`` or an unknown command).
Command modules are imported lazily, so ``capcheck map`` never pays for jsonschema and
``capcheck rule`` never pays for the audit pipeline.

Errors: every message is one line starting ``capcheck: error:``. An unexpected
exception anywhere is a bug in capcheck, not a finding: one line naming the command and
the error, exit 2 (1 would read as "found something"); the traceback is printed only
with ``--debug`` or ``CAPCHECK_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys

from capcheck import __version__, exitcodes

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import ModuleType
    from typing import Any

# name -> (module, one-line help). Help lives here so that building the parser
# does not import every command module.
COMMANDS: dict[str, tuple[str, str]] = {
    "audit": ("capcheck.commands.audit", "report each destination's capabilities with evidence"),
    "check": ("capcheck.commands.check", "CI gate: schema, consistency rules, capability lock"),
    "lock": ("capcheck.commands.lock", "write the capability lock file"),
    "rule": ("capcheck.commands.rule", "explain a check rule by code, or list them all"),
    "matrix": ("capcheck.commands.matrix", "support matrix over all destinations"),
    "docs": ("capcheck.commands.docs", "generate, check or verify RETL docs"),
    "diff": ("capcheck.commands.diff", "capability changes between two git revisions"),
    "map": ("capcheck.commands.map", "map events to MoEngage Data API requests"),
}
VERSION_FLAGS = ("--version", "-V")
DEBUG_FLAG = "--debug"
MESSAGE_LIMIT = 300  # characters of an exception message shown in the one-line error


def _parser_class() -> type[argparse.ArgumentParser]:
    import argparse

    class Formatter(argparse.HelpFormatter):
        """argparse's help layout. argparse makes one for every argument added (to check
        its metavar), and each imports shutil (with zlib, bz2 and lzma) for the width of
        the terminal; this one finds the same width without it."""

        def __init__(self, prog: str, indent_increment: int = 2,
                     max_help_position: int = 24, width: int | None = None) -> None:
            if width is None:
                width = terminal_columns() - 2
            super().__init__(prog, indent_increment, max_help_position, width)

    class Parser(argparse.ArgumentParser):
        """argparse with capcheck's error style and exit code 2."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("formatter_class", Formatter)
            super().__init__(*args, **kwargs)

        def error(self, message: str) -> None:  # type: ignore[override]
            self.print_usage(sys.stderr)
            sys.stderr.write(f"capcheck: error: {message}\n")
            raise SystemExit(exitcodes.USAGE)

    return Parser


def terminal_columns(fallback: int = 80) -> int:
    """The terminal's width as ``shutil.get_terminal_size((fallback, 24)).columns`` gives
    it: ``COLUMNS`` when a positive number, else the width of the terminal on standard
    output, else ``fallback``."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or fallback  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return fallback


def _load(name: str) -> ModuleType | None:
    import importlib

    module_name = COMMANDS[name][0]
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise


def build_parser(
    only: str | None = None,
) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The full top-level parser and its sub-parsers; only ``only`` gets its arguments
    (and its module imported). Used for help and for options before the command."""
    parser_class = _parser_class()
    parser = parser_class(
        prog="capcheck",
        description="Audit RudderStack-style destination capabilities (RETL, JSON Mapper, VDM).",
    )
    parser.add_argument("-V", "--version", action="version", version=f"capcheck {__version__}")
    parser.add_argument(DEBUG_FLAG, action="store_true",
                        help="print the traceback of an internal error (also CAPCHECK_DEBUG=1)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=parser_class)
    subparsers: dict[str, argparse.ArgumentParser] = {}
    for name, (_module, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        subparsers[name] = sp
        if name == only:
            module = _load(name)
            if module is not None:
                module.add_arguments(sp)
    return parser, subparsers


def command_parser(name: str) -> argparse.ArgumentParser:
    """The parser of one command alone (its module imported to add the arguments)."""
    parser = _parser_class()(prog=f"capcheck {name}", description=COMMANDS[name][1])
    module = _load(name)
    if module is not None:
        module.add_arguments(parser)
    return parser


def parse(args_list: list[str]) -> tuple[argparse.ArgumentParser | None, argparse.Namespace]:
    """Parse ``args_list``; the parser is returned only when no command was given."""
    chosen = next((a for a in args_list if not a.startswith("-")), None)
    if chosen not in COMMANDS:
        parser, _ = build_parser(None)
        return parser, parser.parse_args(args_list)
    assert chosen is not None
    at = args_list.index(chosen)
    if at:  # options before the command (--help, or a mistake): the full parser judges
        parser, _ = build_parser(None)
        parser.parse_args(args_list[: at + 1])
    # Options may come between positionals (`map moengage --config c.json events.jsonl`).
    args = command_parser(chosen).parse_intermixed_args(args_list[at + 1 :])
    args.command = chosen
    return None, args


def _split_debug(args_list: list[str]) -> tuple[list[str], bool]:
    """Remove ``--debug`` (anywhere before a ``--``); also on with CAPCHECK_DEBUG=1."""
    end = args_list.index("--") if "--" in args_list else len(args_list)
    head = [a for a in args_list[:end] if a != DEBUG_FLAG]
    flag = len(head) != end
    env = os.environ.get("CAPCHECK_DEBUG", "").strip().lower() not in ("", "0", "false", "no")
    return head + args_list[end:], flag or env


def _one_line(text: Any) -> str:
    from capcheck.render.terminal import escape_controls

    line = escape_controls(str(text))
    return line if len(line) <= MESSAGE_LIMIT else line[: MESSAGE_LIMIT - 3] + "..."


def _internal_error(command: str, exc: BaseException, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    where = f"capcheck {command}" if command else "capcheck"
    if isinstance(exc, OSError) and not debug:
        # An environment problem (disk full, closed stream), not necessarily a bug.
        sys.stderr.write(f"capcheck: error: {where}: {_one_line(exc)}\n")
        return exitcodes.USAGE
    hint = "" if debug else "; run with --debug (or CAPCHECK_DEBUG=1) for the traceback"
    sys.stderr.write(
        f"capcheck: error: internal error in {where}: {type(exc).__name__}: "
        f"{_one_line(exc)} (a bug in capcheck{hint})\n"
    )
    return exitcodes.USAGE


def _silence_stdout() -> None:
    """After a broken pipe or a failed write, make the interpreter's final flush quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def entry() -> None:
    """The ``capcheck`` program: ``main()``, then exit with its code.

    Exiting frees everything a run made; before that, the interpreter collects garbage
    once more over every object (about 30 ms after a corpus run, a tenth of a matrix).
    What is left at the end is handed to the collector's permanent generation first, so
    that this last pass skips it; objects are still freed, files closed and exit
    handlers run as on any exit.

    A run makes many objects that live until its end (facts, parsed files, results) and
    little cyclic garbage (reference counting frees nearly everything), so the collector
    looks at the young objects after every 20,000 new ones instead of 700 (a corpus
    matrix: about 2% faster, the same peak memory at ten times the corpus)."""
    import gc

    gc.set_threshold(_YOUNG_COLLECTION, *gc.get_threshold()[1:])
    code = main()
    gc.freeze()
    raise SystemExit(code)


_YOUNG_COLLECTION = 20_000


def main(argv: Sequence[str] | None = None) -> int:
    args_list, debug = _split_debug(list(sys.argv[1:] if argv is None else argv))
    if args_list[:1] and args_list[0] in VERSION_FLAGS:
        sys.stdout.write(f"capcheck {__version__}\n")
        return exitcodes.OK
    from capcheck import precompiled

    precompiled.install()  # compiled record methods and patterns, before any import
    command = ""
    try:
        parser, args = parse(args_list)
        command = args.command or ""
        if not command:
            assert parser is not None
            parser.print_help(sys.stderr)
            return exitcodes.USAGE
        module = _load(command)
        if module is None:
            sys.stderr.write(f"capcheck: error: command {command!r} is not available\n")
            return exitcodes.USAGE
        code = int(module.run(args))
        sys.stdout.flush()
        return code
    except SystemExit:
        raise
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Reader went away (e.g. `| head`); exit quietly like other CLI tools.
        _silence_stdout()
        return exitcodes.OK
    except Exception as exc:  # noqa: BLE001 - the one place that turns a crash into exit 2
        if isinstance(exc, OSError):
            _silence_stdout()
        return _internal_error(command, exc, debug)
