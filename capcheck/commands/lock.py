"""capcheck lock: write the capability lock file (see ``capcheck.gate.lockfile``).

``capcheck lock [PATH...] [--transformer T] [-o FILE]`` writes every destination's
RETL / JSON Mapper / VDM v1 / VDM v2 status, sorted and byte-stable; ``--check`` writes
nothing and prints a unified diff when the file is not up to date.

Exit status: 0 written or up to date; 1 with ``--check`` when the file would change;
2 usage error, bad configuration, or any definition that cannot be loaded (a lock of
a partly broken tree would silently drop destinations, so none is written).
"""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

from capcheck import exitcodes
from capcheck.commands.check import input_paths
from capcheck.commands.config import ConfigError, resolve
from capcheck.commands.options import add_jobs_option, add_output_option, path_arg
from capcheck.commands.output import error, say, write_file, write_out

DEFAULT_LOCK = Path("capcheck.lock.json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", type=path_arg, metavar="PATH",
        help="destination folders as for `capcheck check` (default: `paths` from the "
             "configuration, else the bundled destinations/)",
    )
    parser.add_argument("--transformer", type=path_arg, metavar="PATH",
                        help="a rudder-transformer checkout (VDM v2 depends on it)")
    add_output_option(parser, f"lock file to write, `-` for stdout (default: `lock` from the "
                              f"configuration, else {DEFAULT_LOCK})")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and print a diff if the lock is not "
                             "up to date")
    parser.add_argument("--config", type=path_arg, metavar="FILE",
                        help="configuration file (.capcheck.yaml or pyproject.toml)")
    parser.add_argument("--no-config", action="store_true", help="ignore configuration files")
    add_jobs_option(parser)


def _error(message: str) -> int:
    return error(message)


def run(args: argparse.Namespace) -> int:
    from capcheck.capabilities.pack import PackError
    from capcheck.gate.lockfile import LockError, build_lock, dumps
    from capcheck.load.files import FileProblem, read_text
    from capcheck.render.terminal import plural
    from capcheck.report.audit import InputError, run_audit

    try:
        config = resolve(args.config, args.no_config)
    except ConfigError as exc:
        return _error(str(exc))
    transformer = args.transformer or config.transformer
    paths = input_paths(list(args.paths) or config.paths)
    output: Path = args.output or config.lock or DEFAULT_LOCK
    try:
        result = run_audit(paths or None, transformer, jobs=args.jobs)
    except (InputError, PackError) as exc:
        return _error(str(exc))
    if result.errors:
        for load_error in result.errors:
            error(str(load_error))
        return _error("the lock was not written: fix the definitions above first")
    if not result.reports:
        return _error("no destination definition found")
    try:
        text = dumps(build_lock(result.reports, transformer is not None))
    except LockError as exc:
        return _error(str(exc))

    if str(output) == "-":
        write_out(text, json_text=True)
        return exitcodes.OK
    if output.is_dir():
        return _error(f"{output}: is a folder; give the lock file's path, "
                      f"e.g. {output / DEFAULT_LOCK}")
    try:
        old: str | None = read_text(output)
    except FileNotFoundError:
        old = None
    except FileProblem as exc:
        return _error(f"{output}: cannot read the current lock: {exc}")
    if args.check:
        if old == text:
            say(f"{output} is up to date ({plural(len(result.reports), 'destination')}).")
            return exitcodes.OK
        diff = difflib.unified_diff(
            (old or "").splitlines(keepends=True), text.splitlines(keepends=True),
            fromfile=f"{output} (on disk)" if old is not None else "/dev/null",
            tofile=f"{output} (current definitions)",
        )
        write_out("".join(diff))
        state = "is out of date" if old is not None else "does not exist"
        say(f"{output} {state}; run `capcheck lock` to update it.")
        return exitcodes.FINDINGS
    if old != text:
        failed = write_file(output, text)
        if failed is not None:
            return _error(failed)
        say(f"wrote {output} ({plural(len(result.reports), 'destination')}).")
    else:
        say(f"{output} is up to date ({plural(len(result.reports), 'destination')}).")
    return exitcodes.OK
