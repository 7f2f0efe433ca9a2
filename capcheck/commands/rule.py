"""capcheck rule: explain a check rule by code, or list them all.

``capcheck rule CAP101`` prints the rule's code, name, severity, summary and its
documentation; ``capcheck rule`` lists every rule in a table; ``--format markdown``
prints the docs page of all rules (or of one). Exit 0, or 2 for an unknown code.
"""

from __future__ import annotations

import argparse

from capcheck import exitcodes
from capcheck.commands.options import add_format_option
from capcheck.commands.output import error, write_out
from capcheck.escape import short_repr

FORMATS = ("text", "markdown")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", nargs="?", metavar="CODE",
                        help="a rule code or name, e.g. CAP101 (default: list every rule)")
    add_format_option(parser, FORMATS, "text")


def run(args: argparse.Namespace) -> int:
    from capcheck.checks import all_rules
    from capcheck.gate.checker import known_rules
    from capcheck.render import rules_doc, terminal

    rules = known_rules(all_rules())
    if args.code is None:
        text = (rules_doc.render_markdown(rules) if args.format == "markdown"
                else rules_doc.render_table(rules, terminal.width()))
        write_out(text)
        return exitcodes.OK
    wanted = args.code.strip().upper()
    rule = next((r for r in rules if r.code == wanted), None)
    if rule is None:
        rule = next((r for r in rules if r.name == args.code.strip().lower()), None)
    if rule is None:
        codes = ", ".join(r.code for r in rules)
        return error(f"unknown rule {short_repr(args.code)} (known: {codes})")
    write_out(rules_doc.render_markdown([rule]) if args.format == "markdown"
                     else rules_doc.render_rule(rule))
    return exitcodes.OK
