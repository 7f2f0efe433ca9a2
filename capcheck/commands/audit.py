"""capcheck audit: one capability report per destination, with evidence.

Exit status: 0 when every input was usable, 2 when any was not (each problem is one
line on stderr naming the file and line; the other destinations are still reported),
1 when only fields had the wrong shape (those destinations are reported too, with the
verdicts that depend on the field unknown).
"""

from __future__ import annotations

import argparse

from capcheck.commands.common import (
    add_input_arguments,
    audit_from_args,
    print_errors,
)
from capcheck.commands.options import add_format_option, add_output_option
from capcheck.commands.output import deliver
from capcheck.render import AUDIT_FORMATS, renderer
from capcheck.report.audit import exit_status


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    add_format_option(parser, tuple(AUDIT_FORMATS), "markdown")
    add_output_option(parser, "write the reports to FILE instead of standard output")


def run(args: argparse.Namespace) -> int:
    result = audit_from_args(args)
    if isinstance(result, int):
        return result
    text = renderer(AUDIT_FORMATS, args.format).render(result.reports, result.errors)
    failed = deliver(text, args.output, json_text=args.format == "json")
    if failed is not None:
        return failed
    print_errors(result.errors)
    return exit_status(result.errors)
