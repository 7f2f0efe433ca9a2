"""capcheck diff: what a change does to destination capabilities, straight from git.

``capcheck diff BASE [HEAD] [PATH ...]`` compares the verdicts of the destinations under
PATH (default: the working directory) at revision BASE with those at HEAD (default: the
working tree), reading definitions from git objects: nothing is checked out. Only the
destination folders whose definition files differ (by the tree diff) are read.

The second argument is HEAD when it does not exist as a file or folder; otherwise it is
the first PATH. ``--transformer`` is a rudder-transformer folder, or ``REV:FOLDER`` to
read one at a revision of its own repository.

Exit status: 0 nothing changed, or only gains and additions; 1 a capability was lost (a
removed destination loses what it supported), or any change with ``--fail-on-change``;
2 usage error: not a git repository, an unknown revision (named), an unusable
transformer or rule file, or a definition that cannot be read at HEAD (also reported in
the output).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from capcheck import exitcodes
from capcheck.render import DIFF_FORMATS, renderer

if TYPE_CHECKING:
    from capcheck.report.diff import CodeSource


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE", help="the git revision to compare from")
    parser.add_argument(
        "rest", nargs="*", metavar="HEAD|PATH",
        help="the revision to compare to (default: the working tree), then destination "
             "folders, folders of them or an integrations-config checkout (default: .)",
    )
    parser.add_argument(
        "--transformer", metavar="FOLDER|REV:FOLDER",
        help="a rudder-transformer checkout (or its src/), or REV:FOLDER to read it at a "
             "revision of its repository (VDM v2 depends on it)",
    )
    parser.add_argument("--output-format", "--format", dest="output_format",
                        choices=tuple(DIFF_FORMATS), default="text",
                        help="output format (default: text)")
    parser.add_argument("--fail-on-change", action="store_true",
                        help="exit 1 on any change, not only on a lost capability")
    parser.add_argument("--max-rows", type=int, default=None, metavar="N",
                        help="markdown: rows of the table (and evidence entries) before "
                             "the rest is only counted (default: 20)")
    parser.add_argument("--rules", type=Path, action="append", default=[], metavar="FILE",
                        help="a YAML capability rule file that adds or overrides "
                             "capabilities (repeatable)")
    parser.add_argument("--variant", action="append", default=[], metavar="ID=NAME",
                        help="select a capability variant, e.g. "
                             "json_mapper=excludes-visual-mapper")


def _error(message: str) -> int:
    print(f"capcheck: error: {message}", file=sys.stderr)
    return exitcodes.USAGE


def run(args: argparse.Namespace) -> int:
    from capcheck.capabilities.pack import PackError, load_pack
    from capcheck.commands.common import parse_variants
    from capcheck.load.gitrev import (
        GitError,
        RevisionSide,
        Side,
        WorkingTreeSide,
        find_repo,
    )
    from capcheck.report.diff import diff

    rest: list[str] = list(args.rest)
    head_rev: str | None = None
    if rest and not Path(rest[0]).exists():
        head_rev = rest.pop(0)
    paths = [Path(p) for p in rest] or [Path(".")]
    try:
        repo = find_repo(paths[0])
        for path in paths[1:]:
            other = find_repo(path)
            if other.top != repo.top:
                return _error(f"{path} is in {other.top}, not in {repo.top}: give PATHs of "
                              "one repository")
        commits = repo.commits([args.base] + ([head_rev] if head_rev is not None else []))
        base = RevisionSide(repo, args.base, commits[0])
        head: Side = (RevisionSide(repo, head_rev, commits[1])
                      if head_rev is not None else WorkingTreeSide(repo))
        prefixes = [repo.relative(p) for p in paths]
        capabilities = load_pack(args.rules).select(parse_variants(args.variant))
        code_source = _code_source(args.transformer)
        result = diff(base, head, prefixes, capabilities, code_source, args.transformer)
    except GitError as exc:
        if head_rev is not None and exc.revision == head_rev:
            return _error(f"{exc}, and no file or folder of that name")
        return _error(str(exc))
    except (PackError, ValueError) as exc:
        return _error(str(exc))
    if args.output_format == "markdown" and args.max_rows is not None:
        text = renderer(DIFF_FORMATS, "markdown").render(result, args.max_rows)
    else:
        text = renderer(DIFF_FORMATS, args.output_format).render(result)
    sys.stdout.write(text)
    for error in result.code_errors:  # the same at both sides: reported, not a difference
        print(f"capcheck: warning: {error}", file=sys.stderr)
    if result.head_errors:
        return exitcodes.USAGE
    if result.lost or (args.fail_on_change and result.any_change):
        return exitcodes.FINDINGS
    return exitcodes.OK


def _code_source(spec: str | None) -> CodeSource | None:
    """The transformer code for ``--transformer`` (a folder, or REV:FOLDER)."""
    from capcheck.load.gitrev import GitError, git_transformer
    from capcheck.load.transformer import resolve_src
    from capcheck.model import LoadError
    from capcheck.report.audit import display_path
    from capcheck.report.diff import FolderCode

    if spec is None:
        return None
    folder = Path(spec)
    if folder.is_dir() or ":" not in spec:
        src = resolve_src(display_path(folder))
        if isinstance(src, LoadError):
            raise GitError(f"--transformer: {src}")
        return FolderCode(src)
    return git_transformer(spec)
