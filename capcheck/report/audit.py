"""The pipeline: paths -> load -> facts -> capability rules -> reports.

Every command that needs verdicts (audit, matrix, docs, lock, check) goes through
``run_audit``; it never raises for bad input: unusable definitions come back as
LoadErrors beside the reports of the others.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from capcheck import resources
from capcheck.capabilities.engine import evaluate
from capcheck.capabilities.pack import Capability, load_pack
from capcheck.facts import (
    SOURCE_TYPES,
    DestinationFacts,
    TransformerFacts,
    build_facts,
    problem_errors,
)
from capcheck.load.aliases import HandlerAliases, read_handler_aliases
from capcheck.load.definitions import RawDefinition, discover, read_definition
from capcheck.load.naming import Rebase, rebased, shown_path
from capcheck.mappers import BUNDLED
from capcheck.model import Evidence, LoadError, Location, Report, Status, TransformerInfo
from capcheck.records import dataclass
from capcheck.report.connection import connection_config
from capcheck.report.workers import ordered_map

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

if TYPE_CHECKING:  # the transformer scanner is imported only when a transformer is given
    from typing import TypeVar

    from capcheck.load.transformer import TransformerTree

    R = TypeVar("R")


class InputError(Exception):
    """Input so wrong that nothing can be audited (e.g. --transformer is not a checkout)."""


@dataclass
class LoadedDestination:
    """One definition folder as read: its files, and its facts when they could be built."""

    raw: RawDefinition
    facts: DestinationFacts | None


class Loaded:
    """The definitions under the given paths.

    The folders are found when the Loaded is made; each is read when asked for.
    ``destinations()`` reads them one at a time and keeps none of them, so that memory
    stays flat in the number of destinations; ``map(fn)`` gives ``fn`` of each, in the
    same order, made by forked workers when there are enough destinations (see
    ``report.workers``; ``jobs``: 1 for one process, 0 automatic). Either can run
    once. ``raw`` and ``facts`` read and keep them all (facts sorted by folder name),
    for callers that need every destination at once. ``errors`` fills as definitions
    are read; it is sorted (by file, line, message) once they all have been.
    """

    def __init__(self, reader: _Reader | None = None, errors: list[LoadError] | None = None,
                 jobs: int = 0) -> None:
        self._reader = reader
        self.jobs = jobs
        self.errors: list[LoadError] = [] if errors is None else errors
        self._raw: list[RawDefinition] | None = None if reader is not None else []
        self._facts: list[DestinationFacts] | None = None if reader is not None else []

    def destinations(self) -> Iterator[LoadedDestination]:
        if self._raw is not None:
            assert self._facts is not None
            by_path = {f.path: f for f in self._facts}
            for raw in self._raw:
                yield LoadedDestination(raw, by_path.get(str(raw.path)))
            return
        yield from self._each(_same, 1)

    def map(self, fn: Callable[[LoadedDestination], R]) -> Iterator[R]:
        """``fn(destination)`` for each destination, in order (computed by workers when
        ``jobs`` allows: then ``fn`` runs in another process, its result is sent back
        pickled, and what it changes outside its result is not seen here)."""
        if self._raw is not None:
            yield from map(fn, self.destinations())
            return
        yield from self._each(fn, self.jobs)

    def _each(self, fn: Callable[[LoadedDestination], R], jobs: int) -> Iterator[R]:
        if self._reader is None:
            raise RuntimeError("these definitions were already read one at a time")
        reader, self._reader = self._reader, None
        reader.prepare()
        for errors, result in ordered_map(lambda item: reader.read(item, fn), reader.items,
                                          jobs):
            self.errors.extend(errors)
            yield result
        sort_errors(self.errors)

    def _keep_all(self) -> None:
        if self._raw is None:
            raw: list[RawDefinition] = []
            facts: list[DestinationFacts] = []
            for item in self.destinations():
                raw.append(item.raw)
                if item.facts is not None:
                    facts.append(item.facts)
            facts.sort(key=lambda f: (f.dir_name, f.path))
            self._raw, self._facts = raw, facts

    @property
    def raw(self) -> list[RawDefinition]:
        self._keep_all()
        assert self._raw is not None
        return self._raw

    @property
    def facts(self) -> list[DestinationFacts]:
        self._keep_all()
        assert self._facts is not None
        return self._facts


def _same(item: LoadedDestination) -> LoadedDestination:
    return item


def sort_errors(errors: list[LoadError]) -> None:
    errors.sort(key=lambda e: (e.location.file, e.location.line or 0, e.message))


@dataclass
class AuditResult:
    """The reports of an audit run and the problems met on the way."""

    reports: list[Report]  # sorted by folder name, then definition folder
    errors: list[LoadError]  # unusable input, and fields of the wrong shape (kind "field")

    @property
    def unusable(self) -> list[LoadError]:
        return unusable(self.errors)


FIELD = "field"  # LoadError.kind of a field of the wrong shape: reported, not fatal


def unusable(errors: list[LoadError]) -> list[LoadError]:
    """The errors that made some input unusable (a file that cannot be read or parsed,
    a path that holds no definition), as opposed to fields of the wrong shape, whose
    destination is still reported with the facts that depend on them unknown."""
    return [e for e in errors if e.kind != FIELD]


def exit_status(errors: list[LoadError]) -> int:
    """2 when some input was unusable, 1 when only fields had the wrong shape, else 0."""
    from capcheck import exitcodes

    if unusable(errors):
        return exitcodes.USAGE
    return exitcodes.FINDINGS if errors else exitcodes.OK


def default_paths(paths: Iterable[Path] | None) -> list[Path]:
    chosen = list(paths or [])
    return [display_path(Path(p)) for p in chosen or [resources.destinations_dir()]]


def display_path(path: Path) -> Path:
    """``path`` relative to the working directory when it lies below it, so that
    evidence, docs and lock files name files the same way on every machine."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def load(
    paths: Iterable[Path] | None, transformer: Path | None = None, portable: bool = False,
    jobs: int = 0,
) -> Loaded:
    """Discover every definition under ``paths``, to be read with transformer code
    facts when asked for (see ``Loaded``; an unusable ``transformer`` raises InputError
    now; ``jobs`` as in ``Loaded.map``).

    Files are named as given (relative to the working directory when below it). With
    ``portable``, names do not depend on the machine at all: definitions are named
    relative to the parent of their input root (``destinations/moengage/db-config.json``)
    and transformer files relative to the checkout (``src/v0/destinations/...``), which
    is what generated docs and lock files need to be byte-stable everywhere.
    """
    src: Path | None = None
    if transformer is not None:
        from capcheck.load.transformer import resolve_src

        resolved = resolve_src(display_path(Path(transformer)))
        if isinstance(resolved, LoadError):
            raise InputError(str(resolved))
        src = resolved
    errors: list[LoadError] = []
    items = _plan(default_paths(paths), portable, errors)
    return Loaded(_Reader(items, src, portable), errors, jobs)


# A definition folder to read, and the name it goes by in locations (None: as found).
_Item = tuple[Path, "Path | None"]


def _plan(roots: list[Path], portable: bool, errors: list[LoadError]) -> list[_Item]:
    """The definition folders under ``roots`` (each once, however often it is reached),
    with their display names; what cannot be used goes to ``errors``."""
    bundled = None if portable else resources.bundled_rebase()
    # What lies below the bundled folder is named after it (a string test first: most
    # folders are not below it, which rebased() finds out by raising).
    below_bundled = "" if bundled is None else os.path.join(str(bundled[0]), "")
    seen: set[str] = set()
    items: list[_Item] = []
    real_parents: dict[Path, Path] = {}
    for root in roots:
        found = discover(root)
        errors.extend(found.errors)
        base = root.resolve().parent
        if root.is_file():
            base = base.parent
        listed = found.listed_in
        real_listed = None if listed is None else _real_parent(listed, real_parents)
        as_listed = real_listed == listed
        for folder in found.folders:
            if real_listed is None or folder.name in found.links:
                key = _real_folder(folder, real_parents)
            else:  # a folder listed in `listed` that is not a link, as _real_folder finds
                key = folder if as_listed else real_listed / folder.name
            text = str(key)
            if text in seen:
                continue
            seen.add(text)
            display = rebased(key, (base, Path()), key) if portable else None
            if bundled is not None and str(key).startswith(below_bundled) \
                    and rebased(key, bundled, key) != key:
                display = rebased(key, bundled, key)  # <bundled>/destinations/<name>
            items.append((folder, display))
    return items


def _real_folder(folder: Path, real_parents: dict[Path, Path]) -> Path:
    """``folder.resolve()``, resolving each parent folder once: a folder that is not a
    link resolves to its resolved parent joined with its name."""
    if folder.name in ("", ".", "..") or os.path.islink(folder):
        return folder.resolve()
    up = folder.parent
    real = _real_parent(up, real_parents)
    return folder if real == up else real / folder.name


def _real_parent(folder: Path, real_parents: dict[Path, Path]) -> Path:
    """``folder.resolve()``, resolving each folder once."""
    real = real_parents.get(folder)
    if real is None:
        real = real_parents[folder] = folder.resolve()
    return real


class _Reader:
    """Reads one planned folder into a LoadedDestination (with the errors that reading
    it gave), with what is shared by all of them set up once (``prepare``) before any
    is read, so that forked workers share it."""

    def __init__(self, items: list[_Item], src: Path | None, portable: bool) -> None:
        self.items = items
        self.src = src
        self.tree: TransformerTree | None = None
        self.aliases = HandlerAliases()
        self._rebase: Rebase | None = (
            (src.resolve().parent, Path()) if src is not None and portable else None)

    def prepare(self) -> None:
        if self.src is not None:
            from capcheck.load.transformer import TransformerTree

            self.tree = TransformerTree(self.src, self._rebase)
            self.aliases = read_handler_aliases(self.src)
            import yaml  # noqa: F401 - workflows are YAML: imported once, before any fork
        import orjson  # noqa: F401 - the definition parser (see load.jsondoc)

        try:  # what validates schema.json and ui-config.json (load.jsondoc), likewise
            import simdjson  # noqa: F401
        except ImportError:  # pragma: no cover - a runtime dependency
            pass

    def read(self, item: _Item, fn: Callable[[LoadedDestination], R]) -> tuple[list[LoadError], R]:
        folder, display = item
        errors: list[LoadError] = []
        raw = read_definition(folder, display)
        errors.extend(raw.errors)
        facts = build_facts(raw)
        if isinstance(facts, LoadError):
            if facts not in errors:
                errors.append(facts)
            return errors, fn(LoadedDestination(raw, None))
        errors.extend(problem_errors(facts))
        facts.transformer = TransformerFacts(given=self.src is not None)
        if self.tree is not None:
            _scan_code(facts, self.tree, self.aliases)
            errors.extend(facts.transformer.code.errors if facts.transformer.code else ())
        return errors, fn(LoadedDestination(raw, facts))


def _scan_code(facts: DestinationFacts, tree: TransformerTree, aliases: HandlerAliases) -> None:
    """Scan the code the transformer runs for this destination: its handler alias's
    target first (the transformer's own DestHandlerMap), else the folder of its name."""
    from capcheck.load.transformer import candidate_names

    names = candidate_names(facts.dir_name, facts.name)
    alias = aliases.lookup(names)
    if alias is not None:
        names = [alias.target, *names]
    code = tree.scan(names)
    rebase = tree.rebase
    info = facts.transformer
    info.code = code
    info.alias_note = aliases.note
    if alias is None or aliases.path is None:
        return
    shown = shown_path(aliases.path, rebase) if rebase else aliases.path
    where = Location(str(shown), alias.line)
    ran = [f"src/{f}" for f in code.folders if f.rsplit("/", 1)[-1] == alias.target]
    cite = f"handler alias in {aliases.file}:{alias.line}"
    if ran:
        info.alias = Evidence(f"{facts.name} runs {' and '.join(ran)} ({cite})", where)
    else:
        info.alias = Evidence(
            f"{facts.name} runs the handler of `{alias.target}` ({cite}), but the tree has "
            f"no folder for `{alias.target}`; folders looked up by destination name", where)


def transformer_info(facts: DestinationFacts) -> TransformerInfo:
    info = facts.transformer
    if not info.given:
        return TransformerInfo(False, note="transformer code not examined (no --transformer given)")
    code = info.resolved_code
    extra = "".join(f"; {text}" for text in (
        info.alias.fact if info.alias else "", info.alias_note) if text)
    if code is None:
        from capcheck.load.transformer import candidate_names

        names = ", ".join(candidate_names(facts.dir_name, facts.name))
        return TransformerInfo(
            True,
            note=f"no transformer folder found for {names} in src/v0, src/v1 or src/cdk/v2"
                 + extra,
        )
    folders = code.shown_folders
    files = f"{code.files_scanned} file{'s' if code.files_scanned != 1 else ''}"
    return TransformerInfo(
        True, folders, code.files_scanned,
        note=f"scanned {files} in {', '.join(folders)}" + extra,
    )


def make_report(
    facts: DestinationFacts, capabilities: list[Capability], settle: bool = True
) -> Report:
    """The report of one destination. Positions of evidence and the connection settings
    are worked out when first read; ``settle`` works them out now, so that the report
    no longer needs the destination's files (keep it True for reports that are kept
    beyond their destination's turn, or whose evidence is printed)."""
    verdicts = tuple(evaluate(capabilities, facts))
    retl = next((v for v in verdicts if v.capability == "retl"), None)
    report = Report(
        destination=facts.dir_name,
        name=facts.name,
        display_name=facts.display_name,
        definition_dir=facts.path,
        verdicts=verdicts,
        source_types=facts.source_types,
        message_types={d.scope: d.types for d in facts.message_types or ()},
        connection_modes=dict(facts.connection_modes),
        connection_config=(
            connection_config(facts) if retl and retl.status is Status.SUPPORTED else None
        ),
        transformer=transformer_info(facts),
        source_types_location=facts.loc(SOURCE_TYPES),
        extras={
            **({"mapper": BUNDLED[facts.name]} if facts.name in BUNDLED else {}),
            **({"problems": facts.problems} if facts.problems else {}),
        },
    )
    if settle:
        settle_report(report)
    return report


def settle_report(report: Report) -> None:
    """Work out every deferred position and connection setting of ``report``."""
    for verdict in report.verdicts:
        for item in verdict.evidence:
            if item.location is not None:
                item.location.settle()
    if report.connection_config is not None:
        report.connection_config.settle()
    if report.source_types_location is not None:
        report.source_types_location.settle()


def run_audit(
    paths: Iterable[Path] | None = None,
    transformer: Path | None = None,
    rules: list[Path] | None = None,
    variants: dict[str, str] | None = None,
    portable: bool = False,
    jobs: int = 0,
) -> AuditResult:
    """Raises InputError / PackError only for inputs that make the whole run impossible.
    ``portable``: machine-independent file names (see ``load``); ``jobs``: worker
    processes (see ``Loaded.map``)."""
    capabilities = load_pack(rules).select(variants)
    loaded = load(paths, transformer, portable, jobs)

    def report_of(item: LoadedDestination) -> Report | None:
        return None if item.facts is None else make_report(item.facts, capabilities)

    # One destination at a time: its files and facts are dropped once its report is made.
    reports = [r for r in loaded.map(report_of) if r is not None]
    reports.sort(key=lambda r: (r.destination, r.definition_dir))
    return AuditResult(reports, loaded.errors)
