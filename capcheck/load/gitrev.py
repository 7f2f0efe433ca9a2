"""Destination definitions (and transformer code) read straight from git objects.

Everything here reads with plumbing commands (``git rev-parse``, ``git diff-tree``,
``git diff-index``, ``git ls-files``, ``git ls-tree``, ``git cat-file --batch``): nothing
is checked out, no file of the working tree or of ``.git`` is written. One side of a
comparison may be the working tree itself, read from disk like ``capcheck audit`` does.

Paths inside a repository are POSIX strings relative to its top folder ("" is the top).
"""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from capcheck.load.definitions import (
    CHECKOUT_SUBDIR,
    DB_CONFIG,
    DEFINITION_FILES,
    SCHEMA,
    UI_CONFIG,
    RawDefinition,
    read_definition,
)
from capcheck.load.jsondoc import JsonDocument, parse_json_bytes
from capcheck.load.transformer import (
    LAYOUTS,
    SKIP_DIRS,
    TransformerCode,
    scan_sources,
    source_kind,
)
from capcheck.model import LoadError, Location
from capcheck.records import dataclass, field

WORKING_TREE = "working tree"


class GitError(Exception):
    """git cannot answer: not a repository, an unknown revision, git missing. The
    message is one line that names what is wrong; ``revision`` is set when it is an
    unknown revision."""

    def __init__(self, message: str, revision: str | None = None) -> None:
        super().__init__(message)
        self.revision = revision


# Set by git for hooks (a pre-push hook runs capcheck): they would point every call at
# the hook's repository, while the repository is the one that holds each PATH.
_REPOSITORY_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX")


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    env = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_ENV}
    env.update(GIT_OPTIONAL_LOCKS="0", GIT_LITERAL_PATHSPECS="1")
    try:
        # Without input, stdin is /dev/null: git never reads the caller's (a hook's) stdin.
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, env=env, check=False,
            input=stdin if stdin is not None else b"",
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed (or not on PATH)") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[0] if message else done.returncode}")
    return done.stdout


def _split_z(output: bytes) -> list[str]:
    return [p.decode("utf-8", "surrogateescape") for p in output.split(b"\0") if p]


def join(*parts: str) -> str:
    """Join repository paths ("" is the top)."""
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


@dataclass(frozen=True)
class Repo:
    """A git repository on disk (its top folder)."""

    top: Path

    def run(self, *args: str, stdin: bytes | None = None) -> bytes:
        return _git(self.top, *args, stdin=stdin)

    def commit(self, rev: str) -> str:
        """The commit ``rev`` names; GitError ``unknown revision`` otherwise."""
        return self.commits([rev])[0]

    def commits(self, revs: list[str]) -> list[str]:
        """The commit each revision names, in one ``git rev-parse`` when all resolve;
        GitError naming the first that does not."""
        for rev in revs:
            if not rev or rev.startswith("-") or "\n" in rev:
                raise GitError(f"unknown revision {rev!r}", rev)
        try:  # (a leading "-" was refused above: nothing here is read as an option)
            commits = self.run("rev-parse", *(f"{r}^{{commit}}" for r in revs)).decode().split()
            if len(commits) == len(revs) and all(len(c) >= 40 for c in commits):
                return commits
        except GitError:
            pass
        for rev in revs:  # say which one
            try:
                self.run("rev-parse", "--verify", "--quiet", "--end-of-options",
                         f"{rev}^{{commit}}")
            except GitError:
                raise GitError(f"unknown revision {rev!r} in {self.top}", rev) from None
        raise GitError(f"cannot resolve {', '.join(map(repr, revs))} in {self.top}")

    def relative(self, path: Path) -> str:
        """``path`` (which need not exist) relative to the top, as a repository path."""
        resolved = _resolve_existing(path)
        try:
            rel = resolved.relative_to(self.top)
        except ValueError:
            raise GitError(f"{path} is not inside the repository {self.top}") from None
        return rel.as_posix() if str(rel) != "." else ""


def _resolve_existing(path: Path) -> Path:
    """``path`` made absolute with symlinks resolved through its nearest existing
    ancestor (the rest may not exist in the working tree, only at a revision)."""
    path = Path(os.path.abspath(path))
    missing: list[str] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe.name)
        probe = probe.parent
    return probe.resolve().joinpath(*reversed(missing))


def find_repo(path: Path) -> Repo:
    """The repository that holds ``path`` (GitError: not a git repository)."""
    probe = _resolve_existing(path)
    while not probe.is_dir() and probe != probe.parent:
        probe = probe.parent
    try:
        out = _git(probe, "rev-parse", "--show-toplevel")
    except GitError:
        raise GitError(f"{path} is not in a git repository") from None
    top = out.decode("utf-8", "surrogateescape").strip()
    if not top:
        raise GitError(f"{path} is not in a git working tree (bare repository?)")
    return Repo(Path(top).resolve())


def _cat_file(repo: Repo, names: list[str]) -> list[tuple[str, bytes] | None]:
    """(type, content) of each object name (``<commit>:<path>`` or a blob id), None
    when there is no such object. One ``git cat-file --batch`` for all of them."""
    if not names:
        return []
    if any("\n" in n for n in names):
        raise GitError("a path with a line break cannot be read from git")
    out = repo.run("cat-file", "--batch", stdin="".join(n + "\n" for n in names).encode(
        "utf-8", "surrogateescape"))
    found: list[tuple[str, bytes] | None] = []
    at = 0
    for _name in names:
        end = out.index(b"\n", at)
        header = out[at:end].split(b" ")
        at = end + 1
        # "<id> <type> <size>", else "<name> missing" (the name may hold spaces)
        if len(header) != 3 or not header[2].isdigit() or header[-1] == b"missing":
            found.append(None)
            continue
        size = int(header[2])
        found.append((header[1].decode(), out[at : at + size]))
        at += size + 1
    return found


class Side:
    """One side of a comparison: a commit, or the working tree."""

    repo: Repo
    label: str  # the revision as the user wrote it, or "working tree"
    commit: str | None

    def kinds(self, paths: list[str]) -> list[str | None]:
        """"blob", "tree" or None for each repository path."""
        raise NotImplementedError


@dataclass
class RevisionSide(Side):
    repo: Repo
    label: str
    commit: str | None

    def kinds(self, paths: list[str]) -> list[str | None]:
        names = [f"{self.commit}:{p}" for p in paths]
        if not names:
            return []
        if any("\n" in n for n in names):
            raise GitError("a path with a line break cannot be read from git")
        out = self.repo.run("cat-file", "--batch-check",
                            stdin="".join(n + "\n" for n in names).encode(
                                "utf-8", "surrogateescape"))
        kinds: list[str | None] = []
        for line in out.decode("utf-8", "surrogateescape").splitlines():
            parts = line.split(" ")
            kinds.append(parts[1] if len(parts) == 3 and parts[1] in ("blob", "tree") else None)
        return kinds


@dataclass
class WorkingTreeSide(Side):
    repo: Repo
    label: str = WORKING_TREE
    commit: str | None = None

    def kinds(self, paths: list[str]) -> list[str | None]:
        kinds: list[str | None] = []
        for p in paths:
            full = self.repo.top / p
            kinds.append("tree" if full.is_dir() else "blob" if full.is_file() else None)
        return kinds


def destinations_root(sides: Iterable[Side], prefix: str) -> tuple[str, bool] | None:
    """Where the definitions under ``prefix`` live: (root, single). ``single``: the root
    is one destination folder (holds db-config.json); otherwise a folder of them (an
    integrations-config checkout is entered at src/configurations/destinations), as
    ``capcheck audit`` reads a PATH. Decided at the first side where ``prefix`` exists;
    None when it exists at neither."""
    if PurePosixPath(prefix).name in DEFINITION_FILES:  # a file names its folder
        parent = PurePosixPath(prefix).parent.as_posix()
        return ("" if parent == "." else parent), True
    checkout = join(prefix, CHECKOUT_SUBDIR.as_posix())
    for side in sides:
        here, db, nested = side.kinds([prefix, join(prefix, DB_CONFIG), checkout])
        if prefix and here is None:
            continue
        if db == "blob":
            return prefix, True
        if nested == "tree":
            return checkout, False
        return prefix, False
    return None


def holds_definitions(side: Side, root: str) -> bool:
    """Does some folder directly under ``root`` hold a db-config.json at ``side``?"""
    if isinstance(side, WorkingTreeSide):
        folder = side.repo.top / root
        try:
            return any((child / DB_CONFIG).is_file() for child in folder.iterdir())
        except OSError:
            return False
    assert isinstance(side, RevisionSide)
    try:
        out = side.repo.run("ls-tree", "-z", f"{side.commit}:{root}")
    except GitError:
        return False
    children = []
    for entry in out.split(b"\0"):
        meta, _tab, name = entry.partition(b"\t")
        if meta.split(b" ")[1:2] == [b"tree"]:
            children.append(join(root, name.decode("utf-8", "surrogateescape"), DB_CONFIG))
    return "blob" in side.kinds(children)


def changed_files(base: RevisionSide, head: Side, root: str) -> list[str]:
    """Repository paths under ``root`` that differ between the two sides (both names
    of a rename); for the working tree also untracked files that are not ignored."""
    spec = ["--", root] if root else []
    if isinstance(head, RevisionSide):
        out = base.repo.run("diff-tree", "-r", "-z", "--name-only", "--no-renames",
                            str(base.commit), str(head.commit), *spec)
        return sorted(set(_split_z(out)))
    # diff-index compares with the working tree through the index's stat data; a file
    # whose stat data is stale is listed too, which only costs reading it.
    out = base.repo.run("diff-index", "-z", "--name-only", "--no-renames", str(base.commit),
                        *spec)
    untracked = base.repo.run("ls-files", "-z", "--others", "--exclude-standard", *spec)
    return sorted(set(_split_z(out)) | set(_split_z(untracked)))


def touched_folders(paths: Iterable[str], root: str, single: bool) -> list[str]:
    """The destination folders (repository paths) whose definition files are among
    ``paths``: only db-config.json, schema.json and ui-config.json directly inside a
    folder count, and folders whose name starts with a dot are skipped (as discovery
    does)."""
    folders: set[str] = set()
    for path in paths:
        pure = PurePosixPath(path)
        if pure.name not in DEFINITION_FILES:
            continue
        folder = pure.parent.as_posix()
        folder = "" if folder == "." else folder
        if single:
            if folder == root:
                folders.add(folder)
        elif pure.parent.parent.as_posix() == (root or "."):
            if not pure.parent.name.startswith("."):
                folders.add(folder)
    return sorted(folders)


def read_definitions(
    sides: list[Side], folders: list[str]
) -> list[dict[str, RawDefinition | None]]:
    """The definition in each folder at each side; None where the folder holds none of
    the three files. A folder with schema.json or ui-config.json but no db-config.json
    is a definition with a "missing db-config.json" error, as discovery reports it.
    The blobs of all revision sides come from one ``git cat-file --batch``."""
    names = [join(folder, name) for folder in folders for name in DEFINITION_FILES]
    revisions = [s for s in sides if isinstance(s, RevisionSide)]
    repo = revisions[0].repo if revisions else None
    blobs: dict[int, list[bytes | None]] = {}
    if repo is not None:
        objects = _cat_file(repo,
                            [f"{s.commit}:{n}" for s in revisions for n in names])
        for k, rev_side in enumerate(revisions):
            blobs[id(rev_side)] = [o[1] if o is not None and o[0] == "blob" else None
                               for o in objects[k * len(names) : (k + 1) * len(names)]]
    results: list[dict[str, RawDefinition | None]] = []
    for side in sides:
        found: dict[str, RawDefinition | None] = {}
        if isinstance(side, WorkingTreeSide):
            for folder in folders:
                disk = side.repo.top / folder
                present = [(disk / name).is_file() for name in DEFINITION_FILES]
                if not any(present):
                    found[folder] = None
                elif not present[0]:
                    found[folder] = _missing_db(folder, side.repo.top.name)
                else:
                    found[folder] = read_definition(disk, Path(folder or "."))
        else:
            contents = blobs[id(side)]
            for i, folder in enumerate(folders):
                files = dict(zip(DEFINITION_FILES, contents[i * 3 : i * 3 + 3], strict=True))
                found[folder] = raw_definition(folder, files, side.repo.top.name)
        results.append(found)
    return results


def _missing_db(folder: str, top_name: str) -> RawDefinition:
    display = Path(folder or ".")
    name = display.name or top_name
    error = LoadError(Location(str(display / DB_CONFIG)), f"missing {DB_CONFIG}", name)
    return RawDefinition(name, display, None, None, None, [error])


def raw_definition(
    folder: str, files: dict[str, bytes | None], top_name: str = ""
) -> RawDefinition | None:
    """A RawDefinition from the bytes of the three files (None: absent), named by the
    repository path ``folder`` (``top_name``, the repository's folder name, when the
    definition is at the top); None when all three are absent."""
    if all(files.get(name) is None for name in DEFINITION_FILES):
        return None
    if files.get(DB_CONFIG) is None:
        return _missing_db(folder, top_name)
    display = Path(folder or ".")
    dest_name = display.name or top_name
    docs: dict[str, JsonDocument | None] = {}
    errors: list[LoadError] = []
    for name in DEFINITION_FILES:
        raw = files.get(name)
        if raw is None:
            docs[name] = None
            continue
        loaded = parse_json_bytes(display / name, raw)
        if isinstance(loaded, LoadError):
            errors.append(LoadError(loaded.location, loaded.message, dest_name))
            docs[name] = None
        else:
            docs[name] = loaded
    return RawDefinition(dest_name, display, docs[DB_CONFIG], docs[SCHEMA],
                         docs[UI_CONFIG], errors)


# -- transformer code at a revision --------------------------------------------------


@dataclass
class GitTransformer:
    """A rudder-transformer tree at a revision of its repository (``REV:folder``):
    destination code is listed with ``git ls-tree`` and read with ``git cat-file``,
    scanned by the same detectors as a checkout on disk. Files are named relative to
    the repository's top (``src/v0/destinations/x/transform.js``)."""

    side: RevisionSide
    src: str  # repository path of the src/ folder
    _cache: dict[tuple[str, ...], TransformerCode] = field(default_factory=dict)

    def scan(self, names: list[str]) -> TransformerCode:
        """The code of the destination known by these folder names (cached)."""
        key = tuple(names)
        if key not in self._cache:
            self.prefetch([names])
        return self._cache[key]

    def prefetch(self, many: list[list[str]]) -> None:
        """Scan the code of many destinations with three git calls in all: which folders
        exist, which files they hold, the files' content."""
        keys = list(dict.fromkeys(tuple(n) for n in many if tuple(n) not in self._cache))
        if not keys:
            return
        candidates = [(key, layout, name) for key in keys for layout in LAYOUTS
                      for name in key]
        kinds = self.side.kinds([join(self.src, lay, name) for _k, lay, name in candidates])
        exists = {(k, lay, name) for (k, lay, name), kind in zip(candidates, kinds, strict=True)
                  if kind == "tree"}
        chosen: dict[tuple[str, ...], list[str]] = {}  # key -> folders below src/
        for key in keys:
            # as on disk: per layout, newest first, the first of the names that exists
            chosen[key] = [f"{lay}/{name}" for lay in LAYOUTS
                           for name in [next((n for n in key if (key, lay, n) in exists), "")]
                           if name]
        folders = sorted({f for fs in chosen.values() for f in fs})
        scanned = self._scan_folders(folders)
        for key in keys:
            code = TransformerCode()
            for folder in chosen[key]:
                part = scanned[folder]
                code.folders.append(folder)
                code.files_scanned += part.files_scanned
                code.scans.extend(part.scans)
                code.errors.extend(part.errors)
            self._cache[key] = code

    def _scan_folders(self, folders: list[str]) -> dict[str, TransformerCode]:
        """Each folder (below src/) scanned on its own, as ``scan_destination`` does."""
        found: dict[str, TransformerCode] = {f: TransformerCode() for f in folders}
        if not folders:
            return found
        paths = {join(self.src, f): f for f in folders}
        out = self.side.repo.run("ls-tree", "-r", "-z", "--full-tree", str(self.side.commit),
                                 "--", *paths)
        files: dict[str, list[tuple[PurePosixPath, str, str, bool]]] = {f: [] for f in folders}
        for entry in out.split(b"\0"):
            if not entry:
                continue
            meta, _tab, raw_path = entry.partition(b"\t")
            mode, kind, blob = meta.decode().split(" ")
            path = raw_path.decode("utf-8", "surrogateescape")
            if kind != "blob" or mode == "120000":
                continue
            top = next((p for p in paths if path.startswith(p + "/")), None)
            if top is None:
                continue
            rel = PurePosixPath(path[len(top) + 1 :])
            if any(part.lower() in SKIP_DIRS for part in rel.parts[:-1]):
                continue
            is_code = source_kind(rel.name)
            if is_code is not None:
                files[paths[top]].append((rel, blob, path, is_code))
        wanted = [(f, *item) for f in folders for item in sorted(files[f])]  # disk order
        blobs = _cat_file(self.side.repo, [blob for _f, _rel, blob, _p, _c in wanted])
        read = iter(zip(wanted, blobs, strict=True))
        for folder, group in itertools.groupby(read, key=lambda pair: pair[0][0]):
            # as the scan of a folder on disk: constants are resolved across its files
            scan_sources(found[folder], _blob_texts(group, found[folder]))
        return found


def _blob_texts(
    group: Iterable[tuple[tuple[str, PurePosixPath, str, str, bool], Any]], code: TransformerCode
) -> Iterator[tuple[str, str, bool]]:
    """(shown name, text, is_code) of one folder's blobs; a blob git could not give is an
    error of ``code``."""
    for (_folder, _rel, _blob, path, is_code), obj in group:
        if obj is None:
            code.errors.append(LoadError(Location(path), "cannot read from git"))
            continue
        yield path, obj[1].decode("utf-8", errors="replace"), is_code


def git_transformer(spec: str, cwd: Path | None = None) -> GitTransformer:
    """``REV:FOLDER``: FOLDER (a path on disk, inside some git repository; it need not
    exist in that repository's working tree) at revision REV. FOLDER is the checkout's
    top or its src/. GitError when it is not usable."""
    rev, sep, folder = spec.partition(":")
    if not sep or not rev:
        raise GitError(f"--transformer {spec!r}: expected a folder or REV:FOLDER")
    path = Path(folder or ".")
    if cwd is not None and not path.is_absolute():
        path = cwd / path
    repo = find_repo(path)
    side = RevisionSide(repo, rev, repo.commit(rev))
    prefix = repo.relative(path)
    for src in (join(prefix, "src"), prefix):
        kinds = side.kinds([join(src, layout) for layout in LAYOUTS])
        if "tree" in kinds:
            return GitTransformer(side, src)
    wanted = ", ".join(f"src/{layout}" for layout in LAYOUTS)
    raise GitError(f"--transformer {spec}: not a transformer tree at {rev} "
                   f"(none of {wanted} found in {folder or '.'})")
