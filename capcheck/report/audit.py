"""The pipeline: paths -> load -> facts -> capability rules -> reports.

Every command that needs verdicts (audit, matrix, docs, lock, check) goes through
``run_audit``; it never raises for bad input: unusable definitions come back as
LoadErrors beside the reports of the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
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
from capcheck.load.transformer import (
    Rebase,
    candidate_names,
    resolve_src,
    scan_destination,
    shown_path,
)
from capcheck.mappers import BUNDLED
from capcheck.model import Evidence, LoadError, Location, Report, Status, TransformerInfo
from capcheck.report.connection import connection_config


class InputError(Exception):
    """Input so wrong that nothing can be audited (e.g. --transformer is not a checkout)."""


@dataclass
class LoadedDestination:
    """One definition folder as read: its files, and its facts when they could be built."""

    raw: RawDefinition
    facts: DestinationFacts | None


class Loaded:
    """The definitions under the given paths.

    ``destinations()`` reads them one at a time and keeps none of them, so that memory
    stays flat in the number of destinations; it can run once. ``raw`` and ``facts``
    read and keep them all (facts sorted by folder name), for callers that need every
    destination at once. ``errors`` fills as definitions are read; it is sorted (by file,
    line, message) once they all have been.
    """

    def __init__(self, source: Iterator[LoadedDestination] | None = None,
                 errors: list[LoadError] | None = None) -> None:
        self._source = source
        self.errors: list[LoadError] = [] if errors is None else errors
        self._raw: list[RawDefinition] | None = None if source is not None else []
        self._facts: list[DestinationFacts] | None = None if source is not None else []

    def destinations(self) -> Iterator[LoadedDestination]:
        if self._raw is not None:
            assert self._facts is not None
            by_path = {f.path: f for f in self._facts}
            for raw in self._raw:
                yield LoadedDestination(raw, by_path.get(str(raw.path)))
            return
        if self._source is None:
            raise RuntimeError("these definitions were already read one at a time")
        source, self._source = self._source, None
        yield from source
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


def sort_errors(errors: list[LoadError]) -> None:
    errors.sort(key=lambda e: (e.location.file, e.location.line or 0, e.message))


@dataclass
class AuditResult:
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
    paths: Iterable[Path] | None, transformer: Path | None = None, portable: bool = False
) -> Loaded:
    """Discover and read every definition under ``paths``, with transformer code facts
    (read lazily: see ``Loaded``; an unusable ``transformer`` raises InputError now).

    Files are named as given (relative to the working directory when below it). With
    ``portable``, names do not depend on the machine at all: definitions are named
    relative to the parent of their input root (``destinations/moengage/db-config.json``)
    and transformer files relative to the checkout (``src/v0/destinations/...``), which
    is what generated docs and lock files need to be byte-stable everywhere.
    """
    src: Path | None = None
    if transformer is not None:
        resolved = resolve_src(display_path(Path(transformer)))
        if isinstance(resolved, LoadError):
            raise InputError(str(resolved))
        src = resolved
    errors: list[LoadError] = []
    return Loaded(_read_all(default_paths(paths), src, portable, errors), errors)


def _read_all(
    roots: list[Path], src: Path | None, portable: bool, errors: list[LoadError]
) -> Iterator[LoadedDestination]:
    code_rebase: Rebase | None = (src.resolve().parent, Path()) if src and portable else None
    aliases = read_handler_aliases(src) if src is not None else HandlerAliases()
    bundled = None if portable else resources.bundled_rebase()
    seen: set[Path] = set()
    for root in roots:
        found = discover(root)
        errors.extend(found.errors)
        base = root.resolve().parent
        if root.is_file():
            base = base.parent
        for folder in found.folders:
            key = folder.resolve()
            if key in seen:
                continue
            seen.add(key)
            display = shown_path(key, (base, Path())) if portable else None
            if bundled is not None and shown_path(key, bundled) != key:
                display = shown_path(key, bundled)  # <bundled>/destinations/<name>
            raw = read_definition(folder, display)
            errors.extend(raw.errors)
            facts = build_facts(raw)
            if isinstance(facts, LoadError):
                if facts not in errors:
                    errors.append(facts)
                yield LoadedDestination(raw, None)
                continue
            errors.extend(problem_errors(facts))
            facts.transformer = TransformerFacts(given=src is not None)
            if src is not None:
                _scan_code(facts, src, aliases, code_rebase)
                errors.extend(facts.transformer.code.errors if facts.transformer.code else ())
            yield LoadedDestination(raw, facts)


def _scan_code(
    facts: DestinationFacts, src: Path, aliases: HandlerAliases, rebase: Rebase | None
) -> None:
    """Scan the code the transformer runs for this destination: its handler alias's
    target first (the transformer's own DestHandlerMap), else the folder of its name."""
    names = candidate_names(facts.dir_name, facts.name)
    alias = aliases.lookup(names)
    if alias is not None:
        names = [alias.target, *names]
    code = scan_destination(src, names, rebase)
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
) -> AuditResult:
    """Raises InputError / PackError only for inputs that make the whole run impossible.
    ``portable``: machine-independent file names (see ``load``)."""
    capabilities = load_pack(rules).select(variants)
    loaded = load(paths, transformer, portable)
    # One destination at a time: its files and facts are dropped once its report is made.
    reports = [make_report(item.facts, capabilities)
               for item in loaded.destinations() if item.facts is not None]
    reports.sort(key=lambda r: (r.destination, r.definition_dir))
    return AuditResult(reports, loaded.errors)
