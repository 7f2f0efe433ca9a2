"""capcheck check: the CI gate for destination definitions.

Runs every selected rule on every destination (schema, consistency, duplicate keys),
optionally compares capabilities with a lock file, and reports findings in one of the
formats of ``capcheck.render.CHECK_FORMATS``.

Exit status: 0 clean; 1 findings at or above ``--fail-on`` (default error), including
capability-lock differences; 2 usage error, bad configuration or lock file, a PATH
that does not exist or holds no definition at all, an unusable ``--transformer``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from capcheck import exitcodes
from capcheck.commands.config import (
    SEVERITIES,
    Config,
    ConfigError,
    option_codes,
    resolve,
)
from capcheck.commands.options import (
    add_color_option,
    add_format_option,
    add_jobs_option,
    add_output_option,
    path_arg,
)
from capcheck.commands.output import error, say, write_file, write_out
from capcheck.load.definitions import DB_CONFIG, DEFINITION_FILES
from capcheck.model import Finding, Severity
from capcheck.render import CHECK_FORMATS, renderer, terminal

if TYPE_CHECKING:
    from capcheck.capabilities.pack import Capability
    from capcheck.gate.checker import Selection
    from capcheck.gate.lockfile import Lock
    from capcheck.report.audit import Loaded, LoadedDestination


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", type=path_arg, metavar="PATH",
        help="a destination folder or one of its files, a folder of destinations, or an "
             "integrations-config checkout (default: `paths` from the configuration, else "
             "the bundled destinations/)",
    )
    parser.add_argument("--transformer", type=path_arg, metavar="PATH",
                        help="a rudder-transformer checkout, for the rules that read code")
    add_jobs_option(parser)
    parser.add_argument("--select", action="append", metavar="CODES",
                        help="codes or prefixes to report, comma-separated (e.g. CAP1,CAP003; "
                             "default ALL)")
    parser.add_argument("--ignore", action="append", metavar="CODES",
                        help="codes or prefixes not to report, comma-separated")
    parser.add_argument("--fail-on", choices=SEVERITIES, default=None,
                        help="lowest severity that makes the run fail (default: error)")
    add_format_option(parser, tuple(CHECK_FORMATS), None, dest="output_format",
                      default_text="text")
    add_output_option(parser, "write the output format to FILE; text still goes to the "
                              "terminal (alias: --output-file)", dest="output_file")
    parser.add_argument("--lock", type=path_arg, metavar="FILE",
                        help="fail when a capability differs from this lock file "
                             "(written by `capcheck lock`)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print the findings only, no summary line")
    parser.add_argument("--exit-zero", action="store_true",
                        help="exit 0 even when findings fail the run (2 stays 2)")
    parser.add_argument("--statistics", action="store_true",
                        help="print the number of findings per code instead of the findings")
    add_color_option(parser)
    parser.add_argument("--config", type=path_arg, metavar="FILE",
                        help="configuration file (.capcheck.yaml or pyproject.toml)")
    parser.add_argument("--no-config", action="store_true",
                        help="ignore configuration files")


def _error(message: str) -> int:
    return error(message)


def input_paths(paths: list[Path]) -> list[Path]:
    """Map a definition file other than db-config.json to its folder (pre-commit passes
    changed files), keeping order and dropping repeats."""
    chosen: list[Path] = []
    for path in paths:
        if path.name in DEFINITION_FILES and path.name != DB_CONFIG and not path.is_dir():
            path = path.parent
        if path not in chosen:
            chosen.append(path)
    return chosen


def is_collection(path: Path) -> bool:
    """A folder of definitions (not one definition): lock removals can be judged."""
    return path.is_dir() and not (path / DB_CONFIG).is_file()


def _selection(args: argparse.Namespace, config: Config, known: list[str]) -> Selection:
    from capcheck.gate.checker import Selection

    cli_select = option_codes(args.select, "--select")
    cli_ignore = option_codes(args.ignore, "--ignore")
    select = cli_select if cli_select is not None else (config.select or ["ALL"])
    ignore = cli_ignore if cli_ignore is not None else config.ignore
    cli = Selection(tuple(cli_select or ()), tuple(cli_ignore or ()))
    bad = cli.unknown(known)
    if bad:
        raise ValueError(f"unknown rule code or prefix: {', '.join(bad)}")
    for key in ("select", "ignore"):
        chosen = getattr(config, key) or []
        bad = Selection(tuple(chosen), ()).unknown(known)
        if bad:
            raise ConfigError(config.location(key), f"unknown rule code or prefix: "
                                                    f"{', '.join(bad)}")
    for dest, codes in config.per_destination_ignores.items():
        bad = Selection(tuple(codes), ()).unknown(known)
        if bad:
            raise ConfigError(config.location(f"per-destination-ignores/{dest}"),
                              f"unknown rule code or prefix: {', '.join(bad)}")
    per_dest = tuple(sorted((d, tuple(c)) for d, c in config.per_destination_ignores.items()))
    return Selection(tuple(select), tuple(ignore), per_dest)


def run(args: argparse.Namespace) -> int:
    from capcheck import checks
    from capcheck.gate.checker import known_rules, run_checks, summary_line
    from capcheck.report.audit import InputError, load

    try:
        config = resolve(args.config, args.no_config)
    except ConfigError as exc:
        return _error(str(exc))

    modules = checks.all_rules()
    known = [r.code for r in known_rules(modules)]
    try:
        selection = _selection(args, config, known)
    except ConfigError as exc:
        return _error(str(exc))
    except ValueError as exc:
        return _error(str(exc))

    fail_on = Severity(args.fail_on or config.fail_on or "error")
    output_format = args.output_format or config.output_format or "text"
    output_file = args.output_file or config.output_file
    lock_path = args.lock or config.lock
    transformer = args.transformer or config.transformer
    paths = input_paths(list(args.paths) or config.paths)

    try:
        loaded = load(paths or None, transformer, jobs=args.jobs)
    except InputError as exc:
        return _error(str(exc))

    lock_comparison: _LockComparison | None = None
    if lock_path is not None:
        outcome = _lock_comparison(lock_path, loaded, transformer is not None, paths)
        if isinstance(outcome, int):
            return outcome
        lock_comparison = outcome

    result = run_checks(
        loaded, selection, modules, (), fail_on,
        each=lock_comparison.each if lock_comparison else None,
        finish=lock_comparison.finish if lock_comparison else None,
    )
    rendered = renderer(CHECK_FORMATS, output_format).render(result)
    terminal_text = output_format == "text" or output_file is not None
    color = terminal.use_color(args.color, sys.stdout)
    text_render = renderer(CHECK_FORMATS, "text")
    if output_file is not None:
        problem = write_file(output_file, rendered)
        if problem is not None:
            return _error(problem)
    if args.statistics:
        write_out(text_render.render_statistics(result, terminal.width()), escaped=True)
    elif output_file is not None or output_format == "text":
        write_out(text_render.render(result, color=color), escaped=True)
    else:
        write_out(rendered, json_text=output_format in ("json", "sarif"))

    for input_error in result.input_errors:
        error(str(input_error))
    if (terminal_text or args.statistics) and result.destinations and not args.quiet:
        say(summary_line(result))
    if result.input_errors:
        return exitcodes.USAGE
    if not result.destinations:
        return _error("no destination definition found")
    unreadable = sorted({e.location.file for e in loaded.errors
                         if e.destination is not None and e.kind == "file"})
    if unreadable:
        # Reported above as CAP001 in the chosen format; a file that cannot be read or
        # parsed is unusable input, whatever the selection (never a green run).
        return error(f"{len(unreadable)} definition file"
                     f"{'s' if len(unreadable) != 1 else ''} could not be read or parsed")
    if args.exit_zero:
        return exitcodes.OK
    return exitcodes.FINDINGS if result.failing() else exitcodes.OK


def _lock_comparison(
    lock_path: Path, loaded: Loaded, transformer_given: bool, paths: list[Path]
) -> _LockComparison | int:
    from capcheck.capabilities.pack import PackError, load_pack
    from capcheck.gate.lockfile import LockError, read_lock

    try:
        lock = read_lock(lock_path)
    except LockError as exc:
        hint = "; create it with `capcheck lock`" if exc.message == "file not found" else ""
        return _error(f"lock file {exc}{hint}")
    if lock.transformer != transformer_given:
        how = "with" if lock.transformer else "without"
        return _error(
            f"{lock_path}: the lock was written {how} --transformer (VDM v2 depends on it); "
            f"check {how} --transformer too, or rewrite the lock with `capcheck lock`"
        )
    try:
        capabilities = load_pack(None).select({})
    except PackError as exc:  # pragma: no cover - the bundled pack is tested elsewhere
        return _error(str(exc))
    return _LockComparison(lock, capabilities, loaded, paths)


class _LockComparison:
    """The lock compared with each destination as it is read (``each``), then the
    locked destinations not found (``finish``): no destination's facts are kept."""

    def __init__(self, lock: Lock, capabilities: list[Capability], loaded: Loaded,
                 paths: list[Path]) -> None:
        from capcheck import resources

        self.lock = lock
        self.capabilities = capabilities
        self.loaded = loaded
        self.removals = any(is_collection(p) for p in paths or [resources.destinations_dir()])

    def each(self, item: LoadedDestination) -> list[Finding]:
        from capcheck.gate.lockfile import compare
        from capcheck.report.audit import make_report

        if item.facts is None:
            return []
        report = make_report(item.facts, self.capabilities)
        return compare(self.lock, [report], [item.facts], removals=False)

    def finish(self, read: set[str]) -> list[Finding]:
        from capcheck.gate.lockfile import compare

        present = read | {e.destination for e in self.loaded.errors if e.destination}
        return compare(self.lock, (), removals=self.removals, present=present)
