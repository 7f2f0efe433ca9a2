"""capcheck matrix: the support matrix over all destinations.

Exit status: 0 when every input was usable, 2 when any was not (each problem is one
line on stderr; the matrix of the others is still written).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from capcheck.commands.common import add_input_arguments, parse_variants, print_errors
from capcheck.commands.options import add_format_option, add_output_option, capability_choice
from capcheck.commands.output import deliver, error
from capcheck.render import MATRIX_FORMATS, renderer
from capcheck.report.audit import exit_status

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:
    from capcheck.model import LoadError
    from capcheck.report.audit import LoadedDestination
    from capcheck.report.matrix import Matrix, RowEntry

# --format NAME -> renderer module exposing render(matrix) -> str (imported lazily).


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from capcheck.report.matrix import ONLY_CHOICES

    add_input_arguments(parser)
    add_format_option(parser, tuple(MATRIX_FORMATS), "markdown")
    parser.add_argument(
        "--only", choices=tuple(ONLY_CHOICES), action="append", default=[],
        type=capability_choice(ONLY_CHOICES), metavar="CAPABILITY",
        help=f"keep destinations that support this capability: {', '.join(ONLY_CHOICES)} "
             "(json_mapper spelling too; repeatable: all must hold); vdm-v2 also keeps "
             "partial and declared-but-unchecked ones",
    )
    parser.add_argument(
        "--name", metavar="GLOB",
        help="keep destinations whose folder, internal or display name matches "
             "(fnmatch, case-insensitive), e.g. 'mo*'",
    )
    add_output_option(parser, "write to FILE instead of standard output")


def render(matrix_format: str, matrix: Matrix, output: Path | None = None) -> str:
    """Render with the module registered for ``matrix_format`` (each has ``render``).
    An HTML page written into a folder links the generated reports found beside it."""
    module = renderer(MATRIX_FORMATS, matrix_format)
    if matrix_format == "html" and output is not None:
        from capcheck.publish.docs import report_path

        beside = {r.folder: report_path(r) for r in matrix.rows
                  if (output.parent / report_path(r)).is_file()}
        return str(module.render(matrix, report_links=beside))
    text: str = module.render(matrix)
    return text


def _entries(args: argparse.Namespace) -> tuple[Iterator[RowEntry], list[LoadError]] | int:
    """The matrix rows of ``capcheck audit``'s reports, made one at a time (in load
    order, by worker processes when there are many), and the list that fills with load
    errors as they are read; 2 after one line for a fatal input."""
    from capcheck.capabilities.pack import PackError, load_pack
    from capcheck.report.audit import InputError, load, make_report
    from capcheck.report.matrix import row_entry

    try:
        capabilities = load_pack(args.rules).select(parse_variants(args.variant))
        loaded = load(args.paths, args.transformer, jobs=args.jobs)
    except (InputError, PackError) as exc:
        return error(str(exc))
    # A row is made as each report is, and the report dropped; only the HTML page keeps
    # each cell's evidence and the connection settings (no other format shows them, or
    # asks for their positions).
    details = args.format == "html"

    def entry(item: LoadedDestination) -> RowEntry | None:
        if item.facts is None:
            return None
        return row_entry(make_report(item.facts, capabilities, details), details)

    return (e for e in loaded.map(entry) if e is not None), loaded.errors


def run(args: argparse.Namespace) -> int:
    from capcheck.report.matrix import assemble

    made = _entries(args)
    if isinstance(made, int):
        return made
    entries, errors = made
    matrix = assemble(entries, only=args.only, name=args.name, in_folder_order=True)
    text = render(args.format, matrix, args.output)
    failed = deliver(text, args.output, json_text=args.format == "json")
    if failed is not None:
        return failed
    print_errors(errors)
    return exit_status(errors)
