"""Resolve a destination's transformer code and find which event types it handles.

A transformer checkout keeps destination code in ``src/v0/destinations/<name>/``,
``src/v1/destinations/<name>/`` and ``src/cdk/v2/destinations/<name>/`` (YAML
workflows). The scanner reports, per event type, every place where the code
*branches on* that type: ``EventType.RECORD``, a comparison such as
``type === 'record'``, a ``case 'record':`` label, or a CDK v2 workflow condition.
Comments, test files, docs and words like ``records`` do not count.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from pathlib import Path

from capcheck.load.files import FileProblem, read_bytes
from capcheck.load.naming import Rebase, rebased, shown_path
from capcheck.model import LoadError, Location
from capcheck.records import dataclass, field

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

# Where destination code lives, relative to the transformer's src/ folder, most
# specific (newest) first.
LAYOUTS: tuple[str, ...] = ("cdk/v2/destinations", "v1/destinations", "v0/destinations")
CODE_SUFFIXES = frozenset({".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"})
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
# Folders and file name parts that hold tests, fixtures or docs, not handling code.
SKIP_DIRS = frozenset(  # compared case-insensitively (testData/, Fixtures/ ...)
    {"__tests__", "__mocks__", "__fixtures__", "test", "tests", "testdata", "mocks", "docs",
     "node_modules", "fixtures", "examples"}
)
SKIP_NAME = re.compile(r"\.(test|spec|mock|mocks|fixture|fixtures|stories|d)\.[cm]?[jt]s$")

# Event types a transformer can branch on.
EVENT_TYPES = ("identify", "track", "page", "screen", "group", "alias", "record", "audiencelist")
_TYPES_ALT = "|".join(EVENT_TYPES)
_Q = r"""['"`]"""
CODE_PATTERNS: tuple[re.Pattern[str], ...] = (
    # EventType.RECORD, EventType['RECORD'], MessageType.RECORD ...
    re.compile(r"\b(?:EventType|MessageType|EVENT_TYPES|MESSAGE_TYPES)\s*(?:\.\s*|\[\s*['\"])"
               rf"(?P<type>{_TYPES_ALT})\b", re.IGNORECASE),
    # x === 'record', x == "record", x !== 'record'
    re.compile(rf"(?:===?|!==?)\s*(?P<q>{_Q})(?P<type>{_TYPES_ALT})(?P=q)", re.IGNORECASE),
    # 'record' === x
    re.compile(rf"(?P<q>{_Q})(?P<type>{_TYPES_ALT})(?P=q)\s*(?:===?|!==?)", re.IGNORECASE),
    # case 'record':
    re.compile(rf"\bcase\s+(?P<q>{_Q})(?P<type>{_TYPES_ALT})(?P=q)\s*:", re.IGNORECASE),
    # a zod schema that admits only this type: type: z.literal('record')
    re.compile(rf"\bz\s*\.\s*literal\s*\(\s*(?P<q>{_Q})(?P<type>{_TYPES_ALT})(?P=q)\s*\)",
               re.IGNORECASE),
    # use of a shared event schema of the transformer: RudderRecordV2Schema.extend(...)
    re.compile(rf"\bRudder(?P<type>{_TYPES_ALT})(?:V\d+)?Schema\s*[.(]", re.IGNORECASE),
)
# Inside CDK v2 workflow expressions JSONata's single '=' is also a comparison, and
# `in [...]` lists are common: `$.message.type in ['record', 'track']`.
YAML_PATTERNS: tuple[re.Pattern[str], ...] = CODE_PATTERNS + (
    re.compile(rf"(?<![=!<>])=\s*(?P<q>{_Q})(?P<type>{_TYPES_ALT})(?P=q)", re.IGNORECASE),
    re.compile(rf"\bin\s*\[[^\]]*?(?P<q>{_Q})(?P<type>{_TYPES_ALT})(?P=q)", re.IGNORECASE),
)
# YAML keys whose values are expressions evaluated against the event.
YAML_EXPRESSION_KEYS = frozenset({"condition", "template", "value", "else"})


@dataclass(frozen=True)
class CodeHit:
    """One place where transformer code branches on an event type."""

    event_type: str  # lower-case event type
    location: Location
    snippet: str  # the matched text, e.g. "=== 'record'"


@dataclass
class TransformerCode:
    """What was found for one destination in a transformer checkout.

    Files are read (and workflows parsed, so that a broken one is reported) when the
    code is scanned; where an event type is handled is found when first asked for, and
    only in the files that can hold it (see ``_FolderScan``)."""

    folders: list[str] = field(default_factory=list)  # relative to src/, e.g. v0/destinations/x
    files_scanned: int = 0
    errors: list[LoadError] = field(default_factory=list)
    # One per folder scanned, in folder order (constants are resolved within a folder).
    scans: list[_FolderScan] = field(default_factory=list, repr=False)
    _handled: dict[str, list[CodeHit]] = field(default_factory=dict, repr=False)

    @property
    def shown_folders(self) -> tuple[str, ...]:
        """The folders as a user would name them: ``src/v0/destinations/x``."""
        return tuple(f"src/{f}" for f in self.folders)

    @property
    def hits(self) -> list[CodeHit]:
        """Every event type's handling, in scan order (one piece of evidence per type
        and line)."""
        return [hit for scan in self.scans for hit in scan.hits()]

    def handles(self, event_type: str) -> list[CodeHit]:
        """Where ``event_type`` is handled: ``hits`` of that type, in the same order."""
        found = self._handled.get(event_type)
        if found is None:
            found = self._handled[event_type] = [
                hit for scan in self.scans for hit in scan.hits(event_type)]
        return found


def resolve_src(path: Path) -> Path | LoadError:
    """The ``src`` folder of a transformer checkout given the checkout or ``src`` itself."""
    if not path.is_dir():
        return LoadError(Location(str(path)), "transformer path is not a folder")
    for candidate in (path / "src", path):
        if any((candidate / layout).is_dir() for layout in LAYOUTS):
            return candidate
    wanted = ", ".join(f"src/{layout}" for layout in LAYOUTS)
    return LoadError(Location(str(path)), f"not a transformer checkout (none of {wanted} found)")


def candidate_names(dir_name: str, internal_name: str) -> list[str]:
    names = [dir_name, dir_name.lower(), internal_name.lower()]
    return list(dict.fromkeys(n for n in names if n))


def scan_destination(src: Path, names: list[str], rebase: Rebase | None = None) -> TransformerCode:
    """Scan the destination's folders under ``src``; locations name files by
    ``shown_path(file, rebase)``."""
    return TransformerTree(src, rebase).scan(names)


class TransformerTree:
    """The destination folders of one transformer ``src`` folder, for scanning many
    destinations: each layout folder is listed once, not probed once per name.
    Locations name files by ``shown_path(file, rebase)``."""

    def __init__(self, src: Path, rebase: Rebase | None = None) -> None:
        self.src = src
        self.rebase = rebase
        self._listings: dict[str, set[str]] = {}  # layout -> its entries' names, casefolded
        self._layouts: dict[str, Path] = {}  # layout -> src / layout

    def _folder(self, layout: str, name: str) -> Path | None:
        """``src / layout / name`` when it is a folder: a name that the listing of the
        layout holds in some case (file systems may ignore case) is asked of the
        system."""
        listing = self._listings.get(layout)
        if listing is None:
            listing = self._listings[layout] = set()
            self._layouts[layout] = self.src / layout
            try:
                with os.scandir(self._layouts[layout]) as entries:
                    listing.update(entry.name.casefold() for entry in entries)
            except OSError:
                pass
        if name.casefold() not in listing:
            return None
        folder = self._layouts[layout] / name
        return folder if folder.is_dir() else None

    def scan(self, names: list[str]) -> TransformerCode:
        code = TransformerCode()
        for layout in LAYOUTS:
            for name in names:
                folder = self._folder(layout, name)
                if folder is not None:
                    code.folders.append(f"{layout}/{name}")
                    _scan_folder(folder, code, self.rebase)
                    break
        return code


@dataclass(frozen=True)
class _Segment:
    """A stretch of code to search: a whole JS/TS file or one expression of a CDK v2
    workflow, with where it starts in its file. Detectors search ``text``, the code with
    comments and non-event strings blanked, made only for segments whose ``raw`` text
    holds something a detector needs (blanking keeps every other character in place, so
    what ``text`` holds outside blanks, ``raw`` holds at the same offsets)."""

    raw: str
    file: str
    patterns: tuple[re.Pattern[str], ...]
    base_line: int = 0
    base_col: int = 0

    @cached_property
    def text(self) -> str:
        return strip_js_comments(self.raw)

    @cached_property
    def gates(self) -> _Gates:
        return _Gates(self.text)

    @cached_property
    def raw_lower(self) -> str:
        return _fold_lower(self.raw)

    @cached_property
    def searchable(self) -> bool:
        """Whether any detector but the constant uses can match (see ``_ANY_NEED``)."""
        return _ANY_NEED.search(self.raw_lower) is not None


def source_kind(name: str) -> bool | None:
    """Whether a file named ``name`` is scanned as JS/TS code (True), as a YAML workflow
    (False), or not at all (None: other files, and test files such as ``*.test.js``).
    Folders named in SKIP_DIRS are pruned by the caller. One rule for the scan of a
    checkout and of a tree read from git (``load.gitrev``)."""
    suffix = os.path.splitext(name)[1].lower()
    if suffix in CODE_SUFFIXES and not SKIP_NAME.search(name):
        return True
    return False if suffix in YAML_SUFFIXES else None


def _walk_sources(folder: Path) -> list[tuple[tuple[str, ...], str, bool, bool]]:
    """The files of ``folder`` worth scanning, in sorted path order (as Path objects sort,
    part by part): (parts below ``folder``, path, is JS/TS code (else a YAML workflow),
    is a link). Test, fixture and doc folders are pruned before they are walked, folder
    links are not followed (as ``os.walk`` does not), folders that cannot be listed are
    passed over, and nothing is read here."""
    found: list[tuple[tuple[str, ...], str, bool, bool]] = []

    def walk(top: str, rel: tuple[str, ...]) -> None:
        try:
            with os.scandir(top) as listing:
                entries = list(listing)
        except OSError:
            return
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name.lower() not in SKIP_DIRS and not entry.is_symlink():
                    walk(entry.path, (*rel, entry.name))
                continue
            is_code = source_kind(entry.name)
            if is_code is not None and entry.is_file():
                found.append(((*rel, entry.name), entry.path, is_code, entry.is_symlink()))

    walk(str(folder), ())
    found.sort(key=lambda item: item[0])
    return found


def scan_sources(code: TransformerCode, sources: Iterable[tuple[str, str, bool]]) -> None:
    """Scan one destination folder's files, given as (shown name, text, is_code) in path
    order, into ``code``: files counted, unparsable workflows as errors, the segments to
    search kept for ``code.handles``."""
    parts: list[_Segment | _Workflow] = []
    for shown, text, is_code in sources:
        code.files_scanned += 1
        if not is_code and _composes(text):  # composed when a search needs it
            parts.append(_Workflow(text, shown, code.errors))
            continue
        found = _code_segments(text, shown) if is_code else _yaml_segments(text, shown)
        if isinstance(found, LoadError):
            code.errors.append(found)
        else:
            parts.extend(found)
    code.scans.append(_FolderScan(parts))
    code._handled.clear()


# What an anchor (&name) or an alias (*name) looks like; ``_may_hold_anchor`` decides
# whether a node can start there.
_ANCHOR_OR_ALIAS = re.compile(r"[&*][^\s\[\]{},]")
_NODE_START_AFTER = frozenset(":,[{")  # (a mapping's colon, a flow bracket or comma)
_AFTER_A_WORD = frozenset(" \t\n:,[{")  # what is before one that is not inside a word
_INDICATORS = frozenset(" \t-?:")
# Bounds on the work for one text: past them, it may hold one (and is composed now).
_LOOK_BACK = 1_000  # characters looked at before a candidate, back to its line's start
_CANDIDATES = 2_000  # candidates looked at


def _may_hold_anchor(text: str) -> bool:
    """Whether ``text`` may hold an anchor or an alias: a ``&`` or ``*`` with a name
    after it, where a node can start: first on its line (after indentation and "- ",
    "? " or ": " indicators), after a colon, a flow bracket or comma, or after a tag.
    (Mid-scalar, as in `$.a && $.b`, it is text.) At most ``_CANDIDATES`` are looked
    at, each back to its line's start within ``_LOOK_BACK`` characters; past either,
    the answer is yes: the work stays bounded whatever the text."""
    for count, match in enumerate(_ANCHOR_OR_ALIAS.finditer(text)):
        if count >= _CANDIDATES:
            return True
        at = match.start()
        if at and text[at - 1] not in _AFTER_A_WORD:
            continue  # inside a word: `a&b`
        start = at - _LOOK_BACK
        if start > 0 and "\n" not in text[start:at]:
            return True
        line = text[max(start, 0):at].rpartition("\n")[2]
        before = line.rstrip(" \t")
        if _node_starts_after(before):
            return True
        if len(before) < len(line):  # blanks before it: after a tag (`!t &a`)?
            tag = before.rsplit(None, 1)[-1]
            if tag.startswith("!") and _node_starts_after(before[: -len(tag)].rstrip(" \t")):
                return True
    return False


def _node_starts_after(before: str) -> bool:
    """Whether a node can start after ``before`` (a line's text, without the blanks at
    its end): nothing or only indicators, or a colon, a flow bracket or a comma."""
    return not before or before[-1] in _NODE_START_AFTER or _INDICATORS.issuperset(before)


_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029", "\ufeff")


def _may_hold_documents(text: str) -> bool:
    """Whether ``text`` may hold more than one document: a line starting ``---`` or
    ``...`` (a second document needs a marker)."""
    return text.startswith(("---", "...")) or "\n---" in text or "\n..." in text


def _composes(text: str) -> bool:
    """Whether ``_yaml_segments(text, ...)`` surely gives segments, not an error, so
    that composing the workflow can wait until a search needs its expressions (most
    never are: a folder's workflows are searched only for the types they spell).

    The composer fails only where libyaml's parser does (``raw_parse`` runs it to the
    end without making an object: a sixth of the time of composing), at an alias
    without its anchor or an anchor given twice, at a second document, or nested too
    deep; the text is left to be composed now when it may hold any of these. So is a
    text with a line break other than ``\n`` (YAML 1.1 also breaks lines at ``\r``,
    NEL, LS and PS, which the looks for markers and anchors do not know) or a byte
    order mark."""
    if "\\" in text or any(char in text for char in _OTHER_BREAKS) \
            or _may_hold_documents(text) or _may_hold_anchor(text):
        return False  # (a backslash: a quoted escape may spell what the text does not)
    from capcheck.load.yamldoc import nesting_bound

    if nesting_bound(text) > WORKFLOW_MAX_DEPTH:
        return False
    try:
        from yaml import _yaml

        _yaml.CParser(text).raw_parse()
    except Exception:  # noqa: BLE001 - no libyaml, or the text fails: composed now
        return False
    return True


class _Workflow:
    """A workflow whose composing waits (``_composes``): its segments are made when
    first needed, from its text, as ``_yaml_segments`` makes them. (Should composing
    fail after all, the error joins ``errors``, its scan's, late rather than never.)"""

    __slots__ = ("text", "file", "lower", "errors", "_segments")

    def __init__(self, text: str, file: str, errors: list[LoadError]) -> None:
        self.text = text
        self.file = file
        self.lower = _fold_lower(text)
        self.errors = errors
        self._segments: list[_Segment] | None = None

    def segments(self) -> list[_Segment]:
        if self._segments is None:
            found = _yaml_segments(self.text, self.file)
            if isinstance(found, LoadError):  # pragma: no cover - _composes rules it out
                self.errors.append(found)
                found = []
            self._segments = found
        return self._segments


def _segments_of(part: _Segment | _Workflow) -> list[_Segment]:
    return part.segments() if isinstance(part, _Workflow) else [part]


class _FolderScan:
    """The segments of one folder's files, searched on demand.

    Constants such as `export const SUPPORTED_EVENT_TYPE = 'record'` (in config.ts) are
    compared elsewhere (`messageType === $.SUPPORTED_EVENT_TYPE` in a workflow), so they
    are resolved across the folder's files before hits are found.

    ``hits(event_type)`` gives exactly the hits of that type that ``hits()`` gives, in
    the same order, from only the segments that can hold one: every detector's match
    spells the type name (compared case-insensitively, as the detectors do), except a
    use of a constant, which names the constant. A constant of the type needs its
    quoted name in some segment; only then are the folder's constants resolved (all of
    them, as the first definition of a name wins, and a use is matched against every
    name)."""

    def __init__(self, parts: list[_Segment | _Workflow]) -> None:
        self._parts = parts
        self._segments: list[_Segment] | None = None
        self._constants: dict[str, str] | None = None

    @property
    def segments(self) -> list[_Segment]:
        """Every segment of the folder, in file order (workflows composed now)."""
        if self._segments is None:
            self._segments = [seg for part in self._parts for seg in _segments_of(part)]
        return self._segments

    def _spelling(self, wanted: str) -> list[_Segment]:
        """The segments of ``segments`` that can spell ``wanted`` (lower-cased), and
        maybe others, in order: a workflow not composed yet spells it in a segment only
        if its text does (its expressions are pieces of its lines, and it has no escape
        that could spell more: ``_composes``), so the others are not composed."""
        if self._segments is not None:
            return self._segments
        return [seg for part in self._parts
                if not isinstance(part, _Workflow) or wanted in part.lower
                for seg in _segments_of(part)]

    def constants(self) -> dict[str, str]:
        if self._constants is None:
            self._constants = _event_type_constants(self.segments)
        return self._constants

    def hits(self, event_type: str | None = None) -> list[CodeHit]:
        if event_type is None:
            every = self.constants()
            return _segment_hits(self.segments, every, _constant_use_patterns(every))
        wanted = _fold_lower(event_type)  # the literal every match of it holds
        if wanted not in _EVENT_TYPE_SET:  # not a name the detectors know: the long way
            return [hit for hit in self.hits() if hit.event_type == event_type]
        searched = self._spelling(wanted)
        spelled = [_spelled(seg.raw_lower, wanted) for seg in searched]
        holding = [seg for seg, found in zip(searched, spelled, strict=True) if found]
        quoted = _quoted(wanted)
        constants: dict[str, str] = {}
        if any(quoted.search(seg.raw_lower) for seg in holding):
            constants = self.constants()  # of every segment: all are needed now
            if searched is not self.segments:
                spelled = [_spelled(seg.raw_lower, wanted) for seg in self.segments]
                holding = [seg for seg, found in zip(self.segments, spelled, strict=True)
                           if found]
        names = _constant_names({n: t for n, t in constants.items() if t == event_type})
        chosen = holding if names is None else [
            seg for seg, found in zip(self.segments, spelled, strict=True)
            if found or names.search(seg.raw) is not None]
        if not chosen:
            return []
        found = _segment_hits(chosen, constants, _constant_use_patterns(constants))
        return [hit for hit in found if hit.event_type == event_type]


def _spelled(lower: str, name: str) -> bool:
    """Whether ``lower`` (lower-cased raw text) holds the type ``name`` where a
    detector's match of it can be.

    Every match spells the name right after a quote (``'record'``,
    ``EventType['RECORD']``), after ``rudder`` (``RudderRecordSchema``), or after a dot
    and blanks (``EventType.RECORD``, ``groups.record``, ``.([.RECORD])``), and ends at a
    word boundary (but after ``rudder``). Blanking keeps every character but those of
    comments and strings, and a string keeps its quotes, so the blanks between that dot
    and the name are, in the raw text, spaces and comments: the last of them before the
    name is the dot itself, a block comment's ``*/`` or a line comment, which a line
    break ends. So the raw text holds the name after a quote, ``rudder``, or a dot or
    ``*/`` and spaces, or first on a line. A segment where the name is only a word of
    its own (``const record = ...``) or part of one (``records``) can hold no match and
    is not blanked. Each occurrence is looked at once, backwards only over spaces."""
    size = len(name)
    start = lower.find(name)
    while start >= 0:
        end = start + size
        if start >= 6 and lower.startswith("rudder", start - 6):
            return True
        if end == len(lower) or not (lower[end].isalnum() or lower[end] == "_"):
            before = start
            while before > 0 and lower[before - 1].isspace():
                before -= 1
            if (before == 0 or "\n" in lower[before:start]  # first on its line
                    or (before == start and lower[start - 1] in "'\"`")
                    or lower[before - 1] == "." or lower.startswith("*/", before - 2)):
                return True
        start = lower.find(name, start + 1)
    return False


def _quoted(event_type: str) -> re.Pattern[str]:
    """The type name in quotes (any quote), searched in lower-cased text."""
    found = _QUOTED_BY_TYPE.get(event_type)
    if found is None:
        found = _QUOTED_BY_TYPE[event_type] = re.compile(rf"""['"`]{event_type}['"`]""")
    return found


_QUOTED_BY_TYPE: dict[str, re.Pattern[str]] = {}


def _scan_folder(folder: Path, code: TransformerCode, rebase: Rebase | None) -> None:
    files = _walk_sources(folder)
    names: list[str] = [path for _parts, path, _code, _link in files]
    if rebase is not None:  # as shown_path(file, rebase), resolving the folder once
        real = folder.resolve()
        names = [str(shown_path(Path(path), rebase) if link
                     else rebased(real.joinpath(*parts), rebase, Path(path)))
                 for parts, path, _code, link in files]

    def texts() -> Iterator[tuple[str, str, bool]]:
        for (_parts, path, is_code, _link), shown in zip(files, names, strict=True):
            try:
                text = _read_source(path)
            except FileProblem as exc:  # "cannot read: <reason>", or the kind of file
                code.errors.append(LoadError(Location(shown), str(exc)))
                continue
            except OSError as exc:  # gone since the folder was listed
                code.errors.append(LoadError(Location(shown), f"cannot read: {exc.strerror}"))
                continue
            yield shown, text, is_code

    scan_sources(code, texts())


def _read_source(path: str) -> str:
    """The text of a source file as ``open(path, encoding="utf-8", errors="replace")``
    reads it (universal newlines), from one read of its bytes (``files.read_bytes``,
    without its size cap: a third of the time of a text stream)."""
    text = read_bytes(path, limit=_NO_LIMIT).decode("utf-8", "replace")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


_NO_LIMIT = 1 << 62


def _segment_hits(
    segments: list[_Segment], constants: dict[str, str],
    constant_patterns: tuple[re.Pattern[str], ...],
) -> list[CodeHit]:
    """Every detector over every segment; one piece of evidence per type and line.

    Each detector runs only on segments that hold the literal text it cannot match
    without (see ``_Gates``), so most code is looked at once, not once per pattern."""
    hits: list[CodeHit] = []
    seen: set[tuple[str, str, int | None]] = set()
    names = _constant_names(constants)
    for seg in segments:
        found: list[CodeHit] = []
        if seg.searchable:
            gates = seg.gates
            patterns = tuple(p for p in seg.patterns if gates.allows(p))
            found = find_hits(seg.text, patterns, seg.file, seg.base_line, seg.base_col,
                              gates.finditer)
        if names is not None and names.search(seg.raw) and names.search(seg.text):
            found.extend(_constant_hits(seg, constant_patterns, constants))
        if seg.searchable:
            for detector in SEGMENT_DETECTORS:
                if gates.allows(detector):
                    found.extend(detector(seg))
        for hit in found:
            key = (hit.event_type, hit.location.file, hit.location.line)
            if key not in seen:
                seen.add(key)
                hits.append(hit)
    return hits


class _Gates:
    """Which detectors can match a segment at all, from literal searches of its
    lower-cased text (each done once, when a detector first asks), and where a
    pattern's matches can start."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self.lower = _fold_lower(text)
        self._memo: dict[str | re.Pattern[str], bool] = {}

    def holds(self, need: str | re.Pattern[str]) -> bool:
        found = self._memo.get(need)
        if found is None:
            if isinstance(need, str):
                found = need in self.lower
            else:
                found = need.search(self.lower) is not None
            self._memo[need] = found
        return found

    def allows(self, detector: object) -> bool:
        return all(self.holds(need) for need in _DETECTOR_NEEDS.get(detector, (_QUOTED_TYPE,)))

    def finditer(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)``, trying only the positions where a match can start
        when they are known (``_STARTS``; ASCII text, where lower-casing keeps offsets)."""
        starts = _STARTS.get(pattern)
        if starts is None or not self.ascii:
            return pattern.finditer(self.text)
        finder, case_sensitive = starts
        where = self.text if case_sensitive else self.lower
        return _finditer_at(pattern, self.text, (m.start() for m in finder.finditer(where)))


_FOLD = (("\u0130", "i"), ("\u0131", "i"), ("\u017f", "s"), ("\u212a", "k"))


def _fold_lower(text: str) -> str:
    # Characters that a case-insensitive pattern matches to an ASCII letter
    # (re.IGNORECASE: 'ſ' ~ 's', 'K' ~ 'k', 'ı'/'İ' ~ 'i') become that letter first.
    if text.isascii():
        return text.lower()
    for char, letter in _FOLD:
        if char in text:
            text = text.replace(char, letter)
    return text.lower()


def _finditer_at(
    pattern: re.Pattern[str], text: str, starts: Iterable[int]
) -> Iterator[re.Match[str]]:
    """What ``pattern.finditer(text)`` yields, given (in order) every position where a
    match can start: leftmost matches, each searched from the end of the previous one.
    (The patterns used here never match the empty string.)"""
    end = 0
    for start in starts:
        if start < end:
            continue
        match = pattern.match(text, start)
        if match is not None:
            end = match.end()
            yield match


def _constant_names(constants: dict[str, str]) -> re.Pattern[str] | None:
    """A search for any constant's name: a segment without one has no constant hits."""
    if not constants:
        return None
    return re.compile("|".join(re.escape(n) for n in sorted(constants, key=len, reverse=True)))


def scan_code_text(text: str, file: str = "<code>") -> list[CodeHit]:
    """Event-type handling in one JS/TS source text (all detectors, constants included)."""
    segments = [_Segment(text, file, CODE_PATTERNS)]
    constants = _event_type_constants(segments)
    return _segment_hits(segments, constants, _constant_use_patterns(constants))


_CONSTANT_DEF = re.compile(
    rf"(?:\b(?:const|let|var)\s+(?P<var>[A-Za-z_$][\w$]*)\s*=|\b(?P<prop>[A-Z][A-Z0-9_]*)\s*:)"
    rf"\s*(?P<q>{_Q})(?P<type>{_TYPES_ALT})(?P=q)\s*[,;\n}}]",
    re.IGNORECASE,
)


def _event_type_constants(segments: list[_Segment]) -> dict[str, str]:
    """Names bound to an event-type string: `const X = 'record'`, or an UPPER_CASE
    property `X: 'record'` of an exported config object."""
    found: dict[str, str] = {}
    for seg in segments:
        if not seg.searchable or not seg.gates.holds(_CONSTANT_TAIL):
            continue
        gates = seg.gates
        matches = (
            _finditer_at(_CONSTANT_DEF, seg.text, _constant_def_starts(gates.lower))
            if gates.ascii else _CONSTANT_DEF.finditer(seg.text)
        )
        for match in matches:
            name = match.group("var") or match.group("prop")
            if match.group("prop") and not match.group("prop").isupper():
                continue
            found.setdefault(name, match.group("type").lower())
    return found


_SPACE = " \t\n\r\f\v"
_DECLARATION_WORDS = ("const", "let", "var")


def _constant_def_starts(lower: str) -> list[int]:
    """Every position where a ``_CONSTANT_DEF`` match can start in an ASCII text (given
    lower-cased), found back from each `= 'record',` / `: 'record',` tail: the name
    before a `:`, or the `const`/`let`/`var` before `NAME =`."""
    starts: list[int] = []
    for tail in _CONSTANT_TAIL.finditer(lower):
        is_prop = lower[tail.start()] == ":"
        end = _skip_back(lower, tail.start(), _SPACE)
        name_chars = "_" if is_prop else "_$"  # a property name here has no `$`
        start = end
        while start > 0 and (lower[start - 1].isalnum() or lower[start - 1] in name_chars):
            start -= 1
        if is_prop:
            if start < end:
                starts.append(start)
            continue
        keyword_end = _skip_back(lower, start, _SPACE)
        if keyword_end < start:
            for word in _DECLARATION_WORDS:
                if lower.startswith(word, keyword_end - len(word)):
                    starts.append(keyword_end - len(word))
    return sorted(set(starts))


def _skip_back(text: str, end: int, chars: str) -> int:
    while end > 0 and text[end - 1] in chars:
        end -= 1
    return end


def _constant_use_patterns(constants: dict[str, str]) -> tuple[re.Pattern[str], ...]:
    if not constants:
        return ()
    names = "|".join(re.escape(n) for n in sorted(constants, key=len, reverse=True))
    ref = rf"(?:[\w$]+\s*\.\s*)*(?P<name>{names})(?![\w$])"
    return (
        re.compile(rf"(?:===?|!==?)\s*{ref}"),
        re.compile(rf"(?<![\w$.]){ref}\s*(?:===?|!==?)(?!=)"),
        re.compile(rf"\bcase\s+{ref}\s*:"),
    )


def _constant_hits(
    seg: _Segment, patterns: tuple[re.Pattern[str], ...], constants: dict[str, str]
) -> list[CodeHit]:
    hits: list[CodeHit] = []
    for pattern in patterns:
        for match in pattern.finditer(seg.text):
            name = match.group("name")
            line, col = _line_col(seg.text, match.start())
            col = col + seg.base_col if line == 1 else col
            snippet = " ".join(match.group().split())
            hits.append(CodeHit(constants[name], Location(seg.file, seg.base_line + line, col),
                                f"{snippet} ({name} is '{constants[name]}')"))
    return hits


# An array literal: after `=`, `(`, `,`, `[`, `:`, `=>` or `return`/`in`, not `obj['x']`.
_ARRAY = re.compile(r"(?:(?<=[=(,\[:>])|(?<=\breturn)|(?<=\bin))\s*\[([^\[\]]*)\]")
_ITEM = re.compile(rf"^\s*(?P<q>{_Q})(?P<type>{_TYPES_ALT})(?P=q)\s*$", re.IGNORECASE)


_GROUPED = re.compile(
    r"\b(?:const|let|var)\s+(?P<var>[A-Za-z_$][\w$]*)\s*=\s*(?:await\s+)?(?:[\w$]+\s*\.\s*)?"
    r"groupBy(?:InBatches)?\s*\((?P<args>[^;]{0,400}?)\.\s*message\s*\.\s*type\b",
)


def _grouped_hits(seg: _Segment) -> list[CodeHit]:
    """Events grouped by their type (`groups = groupBy(inputs, (e) => e.message.type)`),
    then `groups.record` / `groups['record']`: code that takes that group handles it."""
    hits: list[CodeHit] = []
    for definition in seg.gates.finditer(_GROUPED):
        var = re.escape(definition.group("var"))
        use = re.compile(
            rf"(?<![\w$.]){var}\s*(?:\?\.|\.)\s*(?P<type>{_TYPES_ALT})(?![\w$])"
            rf"|(?<![\w$.]){var}\s*(?:\?\.)?\[\s*(?P<q>{_Q})(?P<type2>{_TYPES_ALT})(?P=q)\s*\]",
            re.IGNORECASE,
        )
        for match in use.finditer(seg.text, definition.end()):
            etype = (match.group("type") or match.group("type2")).lower()
            line, col = _line_col(seg.text, match.start())
            col = col + seg.base_col if line == 1 else col
            hits.append(CodeHit(etype, Location(seg.file, seg.base_line + line, col),
                                " ".join(match.group().split())
                                + f" (grouped by message type as {definition.group('var')})"))
    return hits


def _list_hits(seg: _Segment) -> list[CodeHit]:
    """A list made only of event-type names (`['record', 'audiencelist']`) is a list of
    handled types: code that dispatches on it handles each of them."""
    hits: list[CodeHit] = []
    gates = seg.gates
    matches = (_finditer_at(_ARRAY, seg.text, _typed_array_starts(gates)) if gates.ascii
               else gates.finditer(_ARRAY))
    for match in matches:
        items = [i for i in match.group(1).split(",") if i.strip()]
        typed = [_ITEM.match(i) for i in items]
        if not items or not all(typed):
            continue
        line, col = _line_col(seg.text, match.start())
        col = col + seg.base_col if line == 1 else col
        snippet = " ".join(match.group().split())
        for item in typed:
            assert item is not None
            hits.append(CodeHit(item.group("type").lower(),
                                Location(seg.file, seg.base_line + line, col), snippet))
    return hits


# An array's opening bracket before its first item, when that is an event type name.
_TYPED_OPENING = re.compile(rf"""\[(?=[\s,]*['"`](?:{_TYPES_ALT})['"`])""")


def _typed_array_starts(gates: _Gates) -> Iterator[int]:
    """Where an ``_ARRAY`` match that ``_list_hits`` keeps can start, in order, in an
    ASCII text: at the blanks before a ``[`` whose first item (past blanks and commas)
    is a quoted type name. (A match starts after the character its lookbehind checks,
    so before the blanks ahead of its ``[``; a list whose first item is not a type name
    is not kept, and no match of ``_ARRAY``, having no bracket inside, overlaps a kept
    one.) Searching for the bracket is fast where the lookbehinds, tried at every
    position, are not."""
    text = gates.text
    for opening in _TYPED_OPENING.finditer(gates.lower):
        start = opening.start()
        while start > 0 and text[start - 1].isspace():
            start -= 1
        yield start


_EVENT_TYPE_SET = frozenset(EVENT_TYPES)


# One token of JS/TS that is not code: a line or block comment, or a string literal
# (an ordinary string ends at its line's end when unterminated; a backslash escapes any
# character, line breaks included; an unterminated comment or string runs to the end).
_NOT_CODE = re.compile(
    r"""
    //[^\n]*
  | /\*[\s\S]*?(?:\*/|\Z)
  | '(?P<s>[^'\\\n]*(?:\\[\s\S]?[^'\\\n]*)*)(?P<se>'|\n|\Z)
  | "(?P<d>[^"\\\n]*(?:\\[\s\S]?[^"\\\n]*)*)(?P<de>"|\n|\Z)
  | `(?P<t>[^`\\]*(?:\\[\s\S]?[^`\\]*)*)(?P<te>`|\Z)
    """,
    re.VERBOSE,
)
_STRING_GROUPS = {"'": ("s", "se"), '"': ("d", "de"), "`": ("t", "te")}


def _not_code(match: re.Match[str]) -> str:
    token = match.group()
    first = token[0]
    if first == "/":
        return " " * len(token) if token[1] == "/" else _blank(token)
    body_group, end_group = _STRING_GROUPS[first]
    body = match.group(body_group)
    if body.lower() not in _EVENT_TYPE_SET:
        body = _blank(body)
    return first + body + match.group(end_group)


def strip_js_comments(text: str) -> str:
    """Code with comments blanked out and string literals emptied, keeping line numbers
    and columns. A string literal whose whole content is an event type name (``'record'``)
    is kept, since comparing with it is how code branches on the type; any other string
    (``"type === 'record' is described in the docs"``) becomes blanks, so that words inside
    messages never look like code."""
    return _NOT_CODE.sub(_not_code, text)


def _blank(text: str) -> str:
    if "\n" not in text:
        return " " * len(text)
    return "\n".join(" " * len(part) for part in text.split("\n"))


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def find_hits(
    text: str, patterns: tuple[re.Pattern[str], ...], file: str, base_line: int = 0,
    base_col: int = 0,
    finditer: Callable[[re.Pattern[str]], Iterable[re.Match[str]]] | None = None,
) -> list[CodeHit]:
    """Matches of ``patterns`` in ``text``, one hit per position of the type name (the
    first pattern wins); ``finditer(pattern)`` replaces ``pattern.finditer(text)``."""
    hits: dict[tuple[int, str], CodeHit] = {}
    for pattern in patterns:
        for match in pattern.finditer(text) if finditer is None else finditer(pattern):
            line, col = _line_col(text, match.start())
            col = col + base_col if line == 1 else col
            etype = match.group("type").lower()
            key = (match.start("type"), etype)
            if key not in hits:
                hits[key] = CodeHit(
                    etype, Location(file, base_line + line, col), " ".join(match.group().split())
                )
    return [hits[k] for k in sorted(hits)]


_SELECTION = re.compile(r"\bEventType\s*\.\s*\(\s*\[([^\]]*)\]")
_SELECTED = re.compile(rf"\.\s*(?P<type>{_TYPES_ALT})\b", re.IGNORECASE)


def _selection_hits(seg: _Segment) -> list[CodeHit]:
    """A JSONata selection of several types in a workflow: `$.EventType.([.RECORD, .TRACK])`."""
    hits: list[CodeHit] = []
    for match in seg.gates.finditer(_SELECTION):
        line, col = _line_col(seg.text, match.start())
        col = col + seg.base_col if line == 1 else col
        snippet = " ".join(match.group().split())
        for item in _SELECTED.finditer(match.group(1)):
            hits.append(CodeHit(item.group("type").lower(),
                                Location(seg.file, seg.base_line + line, col), snippet))
    return hits


# Detectors that need only the segment itself (constants are resolved across files).
SEGMENT_DETECTORS: tuple[Callable[[_Segment], list[CodeHit]], ...] = (
    _list_hits, _grouped_hits, _selection_hits,
)
# What a detector cannot match without, searched in the segment's lower-cased text (a
# superset of what the detector itself accepts, so skipping it changes no result). The
# default for patterns not listed: a quoted event type name (`'record'`, any quote).
_QUOTED_TYPE = re.compile(rf"""['"`](?:{_TYPES_ALT})['"`]""")
_CONSTANT_TAIL = re.compile(rf"""[=:]\s*['"`](?:{_TYPES_ALT})['"`]\s*[,;\n}}]""")
# Every detector needs one of these (contiguous, no blanks inside: so they are searched
# in the raw text, before any blanking).
_ANY_NEED = re.compile(
    rf"""['"`](?:{_TYPES_ALT})['"`]|eventtype|messagetype|event_types|message_types|rudder"""
    "|groupby"
)
_DETECTOR_NEEDS: dict[object, tuple[str | re.Pattern[str], ...]] = {
    CODE_PATTERNS[0]: (re.compile("eventtype|messagetype|event_types|message_types"),),
    CODE_PATTERNS[3]: ("case", _QUOTED_TYPE),
    CODE_PATTERNS[4]: ("literal", _QUOTED_TYPE),
    CODE_PATTERNS[5]: ("rudder",),
    YAML_PATTERNS[6]: ("=", _QUOTED_TYPE),
    YAML_PATTERNS[7]: ("[", _QUOTED_TYPE),
    _list_hits: (re.compile(rf"""\[\s*['"`](?:{_TYPES_ALT})['"`]"""),),
    _grouped_hits: ("groupby",),
    _selection_hits: ("eventtype",),
}


# Where a pattern's matches can start (each begins with one of these words, after a
# word boundary): (finder, searched in the original text rather than the lower-cased one).
_STARTS: dict[re.Pattern[str], tuple[re.Pattern[str], bool]] = {
    CODE_PATTERNS[0]: (re.compile("eventtype|messagetype|event_types|message_types"), False),
    CODE_PATTERNS[3]: (re.compile("case"), False),
    CODE_PATTERNS[5]: (re.compile("rudder"), False),
    _SELECTION: (re.compile("EventType"), True),
    _GROUPED: (re.compile("const|let|var"), True),
}


def _code_segments(text: str, file: str) -> list[_Segment] | LoadError:
    return [_Segment(text, file, CODE_PATTERNS)]


# Deepest nesting of a workflow scanned: libyaml's composer (C) recurses once per level,
# and Python's recursion limit (1,000) would end it; real workflows nest under 20 deep.
WORKFLOW_MAX_DEPTH = 600


def _yaml_segments(text: str, file: str) -> list[_Segment] | LoadError:
    import yaml

    from capcheck.load.yamldoc import compose, nesting_problem

    too_deep = nesting_problem(text, WORKFLOW_MAX_DEPTH)
    if too_deep is not None:
        line, column, message = too_deep
        return LoadError(Location(file, line, column), message)
    try:
        root = compose(text, tags=False)  # tags are not looked at
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        return LoadError(
            Location(file, mark.line + 1 if mark else None, mark.column + 1 if mark else None),
            f"invalid YAML: {exc.problem}",
        )
    except yaml.YAMLError as exc:
        return LoadError(Location(file), f"invalid YAML: {exc}")
    except RecursionError:  # pragma: no cover - WORKFLOW_MAX_DEPTH keeps it shallower
        return LoadError(Location(file), "invalid YAML: nested too deeply")
    segments: list[_Segment] = []
    for node in _expression_scalars(root):
        value: str = node.value
        block = node.style in ("|", ">")
        # Block scalars start on the line after the indicator; plain/quoted ones on it.
        base_line = node.start_mark.line + (1 if block else 0)
        base_col = 0 if block else node.start_mark.column
        segments.append(_Segment(value, file, YAML_PATTERNS, base_line,
                                 base_col))
    return segments


def _expression_scalars(node: Any) -> list[Any]:
    """Every scalar node under an expression key, in document order, each once.

    Aliases make the composed nodes a graph: a node an alias repeats is the same node,
    found again (its scalars would give the same hits at the same places), and an alias
    inside its own anchor (``&a [*a]``) is a cycle. So each node is looked at once (once
    as an expression and once not), which also keeps an alias bomb (anchors repeating
    anchors, a billion nodes in a few lines) to the size of its text."""
    import yaml

    found: list[Any] = []
    seen: set[tuple[int, bool]] = set()
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        current, in_expr = stack.pop()
        visit = (id(current), in_expr)
        if visit in seen:
            continue
        seen.add(visit)
        if isinstance(current, yaml.ScalarNode):
            if in_expr:
                found.append(current)
        elif isinstance(current, yaml.MappingNode):
            for key_node, value_node in reversed(current.value):
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
                stack.append((value_node, in_expr or key in YAML_EXPRESSION_KEYS))
        elif isinstance(current, yaml.SequenceNode):
            for item in reversed(current.value):
                stack.append((item, in_expr))
    return found
