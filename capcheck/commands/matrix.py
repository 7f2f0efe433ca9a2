"""capcheck matrix: the support matrix over all destinations.

Exit status: 0 when every input was usable, 2 when any was not (each problem is one
line on stderr; the matrix of the others is still written).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from capcheck import exitcodes
from capcheck.commands.common import (
    add_input_arguments,
    audit_from_args,
    print_errors,
)
from capcheck.commands.output import error, write_file, write_out
from capcheck.render import MATRIX_FORMATS, renderer

if TYPE_CHECKING:
    from capcheck.report.matrix import Matrix

# --format NAME -> renderer module exposing render(matrix) -> str (imported lazily).


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from capcheck.report.matrix import ONLY_CHOICES

    add_input_arguments(parser)
    parser.add_argument("--format", choices=tuple(MATRIX_FORMATS), default="markdown",
                        help="output format (default: markdown)")
    parser.add_argument(
        "--only", choices=tuple(ONLY_CHOICES), action="append", default=[],
        help="keep destinations that support this capability (repeatable: all must hold); "
             "vdm-v2 also keeps partial and declared-but-unchecked ones",
    )
    parser.add_argument(
        "--name", metavar="GLOB",
        help="keep destinations whose folder, internal or display name matches "
             "(fnmatch, case-insensitive), e.g. 'mo*'",
    )
    parser.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to FILE instead of standard output")


def render(matrix_format: str, matrix: Matrix) -> str:
    """Render with the module registered for ``matrix_format`` (each has ``render``)."""
    text: str = renderer(MATRIX_FORMATS, matrix_format).render(matrix)
    return text


def run(args: argparse.Namespace) -> int:
    from capcheck.report.matrix import build

    result = audit_from_args(args)
    if isinstance(result, int):
        return result
    matrix = build(result.reports, only=args.only, name=args.name)
    text = render(args.format, matrix)
    if args.output is not None:
        problem = write_file(args.output, text)
        if problem is not None:
            return error(problem)
    else:
        write_out(text)
    print_errors(result.errors)
    return exitcodes.USAGE if result.errors else exitcodes.OK
