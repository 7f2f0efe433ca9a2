"""capcheck docs: generate RETL docs, check they are current, or verify hand-written ones.

- ``capcheck docs [PATH...] --out DIR`` writes ``DIR/<folder>/retl.md`` per destination
  and ``DIR/index.md`` (the support matrix linking them); unchanged files are left alone,
  stale ``DIR/*/retl.md`` files are removed. Exit 0 (2 if any input was unusable).
- ``capcheck docs [PATH...] --out DIR --check`` writes nothing; exit 1 with a unified
  diff when a generated file is missing, differs or is extra, 0 when all are current.
- ``capcheck docs --verify-claims DIR [PATH...]`` reads hand-written reports (*.md) under
  DIR, compares every stated claim with the computed verdict and prints each
  contradiction as ``file:line: <claim> contradicts computed <verdict>`` with the
  evidence. Exit 1 on any contradiction, 0 when all agree, 2 on usage or input errors
  (including a DIR or file in which no report is recognised). ``--explain`` also prints
  every claim read and every line naming a capability that was skipped, with the reason.
"""

from __future__ import annotations

import argparse

from capcheck import exitcodes
from capcheck.commands.common import add_input_arguments, audit_from_args, print_errors
from capcheck.commands.options import add_output_option, path_arg
from capcheck.commands.output import error, say, write_out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    add_output_option(parser, "folder of generated docs (required unless --verify-claims; "
                              "alias: --out)", dest="out", metavar="DIR", aliases=("--out",))
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and print a diff when DIR is not current")
    parser.add_argument(
        "--verify-claims", type=path_arg, metavar="DIR",
        help="compare the claims of hand-written RETL reports (*.md under DIR, or one file) "
             "with the computed verdicts",
    )
    parser.add_argument(
        "--explain", action="store_true",
        help="with --verify-claims: print every claim read (file:line, capability, stance, "
             "words) and every line naming a capability that was skipped, with why",
    )


def _usage(message: str) -> int:
    return error(message)


def run(args: argparse.Namespace) -> int:
    if args.verify_claims is not None:
        if args.out is not None or args.check:
            return _usage("--verify-claims cannot be combined with -o/--output or --check")
        if not args.verify_claims.exists():
            return _usage(f"{args.verify_claims}: no such file or directory")
        return _verify(args)
    if getattr(args, "explain", False):
        return _usage("--explain needs --verify-claims DIR")
    if args.out is None:
        return _usage("-o/--output DIR is required (or use --verify-claims DIR)")
    if args.out.exists() and not args.out.is_dir():
        return _usage(f"{args.out}: not a directory")
    return _generate(args)


def _generate(args: argparse.Namespace) -> int:
    from capcheck.load.files import FileProblem
    from capcheck.publish import docs as docsgen
    from capcheck.render.terminal import plural

    result = audit_from_args(args, portable=True)
    if isinstance(result, int):
        return result
    generated = docsgen.generate(result.reports)
    print_errors(result.errors)
    for problem in generated.problems:
        error(problem)
    failed = bool(result.unusable or generated.problems)
    if args.check:
        diff = docsgen.check(generated.files, args.out)
        if diff:
            write_out(diff)
            say(f"capcheck docs: {args.out} is not current; run without --check to update")
            return exitcodes.USAGE if failed else exitcodes.FINDINGS
        return exitcodes.USAGE if failed else exitcodes.OK
    try:
        done = docsgen.write(generated.files, args.out)
    except (OSError, FileProblem) as exc:
        name = getattr(exc, "filename", None) or args.out
        return _usage(f"{name}: cannot write: {getattr(exc, 'strerror', None) or exc}")
    for rel in done.left_alone:
        say(f"capcheck docs: {args.out / rel}: {docsgen.NOT_GENERATED}")
    for rel in done.refused:
        error(f"{args.out / rel}: resolves outside {args.out}; not written")
    written, removed = done.written, done.removed
    unchanged = len(generated.files) - len(written) - len(done.left_alone) - len(done.refused)
    say(f"capcheck docs: {plural(len(generated.files), 'file')} in {args.out}: "
        f"{len(written)} written, {len(removed)} removed, {unchanged} unchanged"
        + (f", {len(done.left_alone)} left alone" if done.left_alone else ""))
    return exitcodes.USAGE if failed or done.refused else exitcodes.OK


def _verify(args: argparse.Namespace) -> int:
    from capcheck.publish import docs as docsgen
    from capcheck.render.terminal import plural

    result = audit_from_args(args)
    if isinstance(result, int):
        return result
    print_errors(result.errors)
    verification = docsgen.verify_claims(args.verify_claims, result.reports)
    if args.explain:
        from capcheck.render import claims_explain

        write_out(claims_explain.render(verification.explained))
    if verification.documents == 0 and not verification.errors:
        files = verification.files
        found = (f"{files} Markdown file{'' if files == 1 else 's'}, none states a "
                 "capability claim" if files else "no Markdown (*.md) file")
        return _usage(f"{args.verify_claims}: no RETL report recognised ({found})")
    write_out("".join("\n".join(c.lines()) + "\n" for c in verification.contradictions))
    for problem in verification.errors:
        error(problem)
    say(
        f"capcheck docs: {plural(verification.documents, 'report')}, "
        f"{plural(verification.checked, 'claim')} checked, "
        f"{plural(len(verification.contradictions), 'contradiction')}, "
        f"{verification.unverifiable} not verifiable (verdict unknown)"
    )
    if verification.errors or result.unusable:
        return exitcodes.USAGE
    return exitcodes.FINDINGS if verification.contradictions else exitcodes.OK
