"""capcheck audit: one capability report per destination, with evidence.

Exit status: 0 when every input was usable, 2 when any was not (each problem is one
line on stderr naming the file and line; the other destinations are still reported).
"""

from __future__ import annotations

import argparse

from capcheck import exitcodes
from capcheck.commands.common import (
    add_input_arguments,
    audit_from_args,
    print_errors,
)
from capcheck.commands.output import write_out
from capcheck.render import AUDIT_FORMATS, renderer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument("--format", choices=tuple(AUDIT_FORMATS), default="markdown",
                        help="output format (default: markdown)")


def run(args: argparse.Namespace) -> int:
    result = audit_from_args(args)
    if isinstance(result, int):
        return result
    write_out(renderer(AUDIT_FORMATS, args.format).render(result.reports, result.errors),
              escape=args.format == "table")
    print_errors(result.errors)
    return exitcodes.USAGE if result.errors else exitcodes.OK
