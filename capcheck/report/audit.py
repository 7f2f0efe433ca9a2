"""The pipeline: paths -> load -> facts -> capability rules -> reports.

Every command that needs verdicts (audit, matrix, docs, lock, check) goes through
``run_audit``; it never raises for bad input: unusable definitions come back as
LoadErrors beside the reports of the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
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
class Loaded:
    raw: list[RawDefinition] = field(default_factory=list)
    facts: list[DestinationFacts] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)


@dataclass
class AuditResult:
    reports: list[Report]
    facts: list[DestinationFacts]
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
    """Discover and read every definition under ``paths``, with transformer code facts.

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
    code_rebase: Rebase | None = (src.resolve().parent, Path()) if src and portable else None
    aliases = read_handler_aliases(src) if src is not None else HandlerAliases()
    bundled = None if portable else resources.bundled_rebase()
    loaded = Loaded()
    seen: set[Path] = set()
    for root in default_paths(paths):
        found = discover(root)
        loaded.errors.extend(found.errors)
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
            loaded.raw.append(raw)
            loaded.errors.extend(raw.errors)
            facts = build_facts(raw)
            if isinstance(facts, LoadError):
                if facts not in loaded.errors:
                    loaded.errors.append(facts)
                continue
            loaded.errors.extend(problem_errors(facts))
            facts.transformer = TransformerFacts(given=src is not None)
            if src is not None:
                _scan_code(facts, src, aliases, code_rebase)
                loaded.errors.extend(facts.transformer.code.errors
                                     if facts.transformer.code else ())
            loaded.facts.append(facts)
    loaded.facts.sort(key=lambda f: (f.dir_name, f.path))
    loaded.errors.sort(key=lambda e: (e.location.file, e.location.line or 0, e.message))
    return loaded


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


def make_report(facts: DestinationFacts, capabilities: list[Capability]) -> Report:
    verdicts = tuple(evaluate(capabilities, facts))
    retl = next((v for v in verdicts if v.capability == "retl"), None)
    return Report(
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
    reports = [make_report(f, capabilities) for f in loaded.facts]
    return AuditResult(reports, loaded.facts, loaded.errors)
