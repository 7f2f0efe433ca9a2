"""Arguments and helpers shared by the commands that audit definitions."""

from __future__ import annotations

import argparse

from capcheck.capabilities.pack import PackError
from capcheck.commands.options import add_jobs_option, capability_id, path_arg
from capcheck.commands.output import error
from capcheck.model import LoadError
from capcheck.report.audit import AuditResult, InputError, run_audit


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", type=path_arg, metavar="PATH",
        help="a destination folder, a folder of them, or an integrations-config checkout "
             "(default: the bundled destinations/)",
    )
    parser.add_argument(
        "--transformer", type=path_arg, metavar="PATH",
        help="a rudder-transformer checkout (or its src/) to look for event handling code",
    )
    parser.add_argument(
        "--rules", type=path_arg, action="append", default=[], metavar="FILE",
        help="a YAML capability rule file that adds or overrides capabilities (repeatable)",
    )
    parser.add_argument(
        "--variant", action="append", default=[], metavar="ID=NAME",
        help="select a capability variant, e.g. json_mapper=excludes-visual-mapper "
             "(json-mapper=... works too)",
    )
    add_jobs_option(parser)


def parse_variants(items: list[str]) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for item in items:
        cap, sep, name = item.partition("=")
        if not sep or not cap or not name:
            raise PackError(f"--variant expects ID=NAME, got {item!r}")
        chosen[capability_id(cap)] = name.strip()
    return chosen


def audit_from_args(args: argparse.Namespace, portable: bool = False) -> AuditResult | int:
    """Run the audit pipeline; on a fatal input problem print one line and return 2.
    ``portable``: name files independently of the machine (for docs and lock files)."""
    try:
        return run_audit(args.paths, args.transformer, args.rules, parse_variants(args.variant),
                         portable=portable, jobs=args.jobs)
    except (InputError, PackError) as exc:
        return error(str(exc))


def print_errors(errors: list[LoadError]) -> None:
    """One ``capcheck: error: file:line:col: message`` line per load error."""
    for problem in errors:
        error(str(problem))
