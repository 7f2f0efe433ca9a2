"""Command-line entry point.

Each sub-command is one module in ``capcheck.commands`` exposing ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``. Adding a command is one module
plus one line in ``COMMANDS``. Command modules are imported lazily, so ``capcheck map``
never pays for jsonschema and ``capcheck audit`` never pays for the mapper.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from capcheck import __version__, exitcodes

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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(exitcodes.USAGE)


def _load(name: str) -> ModuleType | None:
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
    """The top-level parser and its sub-parsers; only ``only`` gets its arguments
    (and its module imported)."""
    parser = _Parser(
        prog="capcheck",
        description="Audit RudderStack-style destination capabilities (RETL, JSON Mapper, VDM).",
    )
    parser.add_argument("--version", action="version", version=f"capcheck {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers: dict[str, argparse.ArgumentParser] = {}
    for name, (_module, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        subparsers[name] = sp
        if name == only:
            module = _load(name)
            if module is not None:
                module.add_arguments(sp)
    return parser, subparsers


def parse(args_list: list[str]) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    chosen = next((a for a in args_list if not a.startswith("-")), None)
    only = chosen if chosen in COMMANDS else None
    parser, subparsers = build_parser(only)
    if only is None:
        return parser, parser.parse_args(args_list)
    at = args_list.index(only)
    if at:
        parser.parse_args(args_list[: at + 1])  # options before the command: --help, --version
    # Options may come between positionals (`map moengage --config c.json events.jsonl`).
    args = subparsers[only].parse_intermixed_args(args_list[at + 1 :])
    args.command = only
    return parser, args


def main(argv: Sequence[str] | None = None) -> int:
    parser, args = parse(list(sys.argv[1:] if argv is None else argv))
    if not args.command:
        parser.print_help(sys.stderr)
        return exitcodes.USAGE
    module = _load(args.command)
    if module is None:
        sys.stderr.write(f"capcheck: error: command {args.command!r} is not available\n")
        return exitcodes.USAGE
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Reader went away (e.g. `| head`); exit quietly like other CLI tools.
        try:
            sys.stdout = open("/dev/null", "w")  # noqa: SIM115
        except OSError:
            pass
        return exitcodes.OK
