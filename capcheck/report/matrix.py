"""The support matrix: one row per destination, one cell per capability, plus counts.

Built from audit Reports only (never from files), so every renderer in
``capcheck/render/matrix_*.py`` shows exactly what ``capcheck audit`` decided.

Decisions (documented in README.md):

- Rows are sorted by display name (case-insensitive), then internal name, then folder
  name, so the order is stable and independent of the input order.
- ``--only retl|json-mapper|vdm-v1`` keeps rows whose verdict is *supported*.
  ``--only vdm-v2`` keeps rows with any VDM v2 evidence: supported, partial (only one of
  "declared" / "handled in code" holds) or declared with the code not examined (no
  ``--transformer``). Without a transformer checkout nothing can be fully supported, so a
  supported-only filter would always be empty; the VDM v2 column tells the states apart.
- ``--name GLOB`` matches (fnmatch, case-insensitive) the folder name, the internal name
  or the display name.
- The summary counts the rows shown, per capability and per state.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from capcheck.model import CAPABILITIES, ConnectionConfig, Evidence, Report, Status
from capcheck.records import dataclass, field

# --only value -> capability id (json-mapper -> json_mapper)
ONLY_CHOICES: dict[str, str] = {cid.replace("_", "-"): cid for cid in CAPABILITIES}

# Refined VDM v2 states (the ``state`` of a cell); other capabilities use the status value.
VDM2_DECLARED_ONLY = "partial: declared only"
VDM2_CODE_ONLY = "partial: code only"
VDM2_DECLARED_UNCHECKED = "declared, code not examined"
VDM2_EVIDENCE_STATES = frozenset(
    {Status.SUPPORTED.value, VDM2_DECLARED_ONLY, VDM2_CODE_ONLY, VDM2_DECLARED_UNCHECKED}
)

# Labels of the refined states; a plain status shows as its capitalised value.
STATE_LABELS: dict[str, str] = {
    VDM2_DECLARED_ONLY: "Partial (declared, no handler in code)",
    VDM2_CODE_ONLY: "Partial (handled in code, not declared)",
    VDM2_DECLARED_UNCHECKED: "Declared (code not examined)",
    "": "Not evaluated",
}

# Summary order of states: most supported first.
STATE_ORDER: tuple[str, ...] = (
    Status.SUPPORTED.value,
    Status.PARTIAL.value,
    VDM2_DECLARED_ONLY,
    VDM2_CODE_ONLY,
    VDM2_DECLARED_UNCHECKED,
    Status.NOT_SUPPORTED.value,
    Status.NOT_APPLICABLE.value,
    Status.UNKNOWN.value,
    "",
)


@dataclass(frozen=True)
class Column:
    """One capability column of the matrix."""

    id: str
    title: str


@dataclass(frozen=True)
class Cell:
    """One destination's verdict on one capability, as the matrix shows it."""

    status: str  # a Status value, "" when the capability was not evaluated
    state: str  # refined state (VDM v2), else the status value
    message: str
    evidence: tuple[Evidence, ...] = ()  # the verdict's evidence (file:line, JSON pointer)
    variant: str = "default"  # the rule variant that decided (``--variant``)

    @property
    def label(self) -> str:
        return STATE_LABELS.get(self.state, self.state.capitalize())


NOT_EVALUATED = Cell("", "", "not evaluated")  # a capability the rules did not decide


@dataclass(frozen=True)
class Row:
    """One destination's row of the matrix."""

    display_name: str
    name: str
    folder: str
    definition: str
    cells: dict[str, Cell]
    warehouse_modes: tuple[str, ...]
    sync_behaviours: tuple[str, ...]
    # The warehouse (RETL) connection settings, None when the audit has none.
    connection: ConnectionConfig | None = None

    def cell(self, capability: str) -> Cell:
        found = self.cells.get(capability)
        return found if found is not None else NOT_EVALUATED

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.display_name.casefold(), self.name.casefold(), self.folder, self.definition)


@dataclass(frozen=True)
class Matrix:
    """The support matrix: columns, rows (sorted), and what was filtered."""

    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    total: int  # destinations before filtering
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, dict[str, int]]:
        """capability id -> state -> count over the rows shown, in STATE_ORDER."""
        return summarize(self.rows, self.columns)


def _declares_record(report: Report) -> bool:
    return any("record" in types for types in report.message_types.values())


def vdm2_state(report: Report, status: Status) -> str:
    declared = _declares_record(report)
    if status is Status.PARTIAL:
        return VDM2_DECLARED_ONLY if declared else VDM2_CODE_ONLY
    if status is Status.UNKNOWN and declared and not report.transformer.given:
        return VDM2_DECLARED_UNCHECKED
    return status.value


def make_row(report: Report, page_details: bool = True) -> Row:
    """The row of one report; ``page_details=False`` leaves out what only the HTML page
    shows (each cell's evidence, the connection settings), most of a report's memory."""
    cells: dict[str, Cell] = {}
    for verdict in report.verdicts:
        state = (
            vdm2_state(report, verdict.status) if verdict.capability == "vdm_v2"
            else verdict.status.value
        )
        cells[verdict.capability] = Cell(verdict.status.value, state, verdict.message,
                                         verdict.evidence if page_details else (),
                                         verdict.variant)
    cc = report.connection_config
    return Row(
        display_name=report.display_name or report.name or report.destination,
        name=report.name,
        folder=report.destination,
        definition=report.definition_dir,
        cells=cells,
        warehouse_modes=tuple(report.connection_modes.get("warehouse", ())),
        sync_behaviours=tuple(cc.sync_behaviours) if cc is not None else (),
        connection=cc if page_details else None,
    )


def columns_for(reports: Iterable[Report]) -> tuple[Column, ...]:
    """The four standard capabilities, then any added by --rules files (first seen order)."""
    columns = [Column(cid, title) for cid, title in CAPABILITIES.items()]
    known = {c.id for c in columns}
    for report in reports:
        for verdict in report.verdicts:
            if verdict.capability not in known:
                known.add(verdict.capability)
                columns.append(Column(verdict.capability, verdict.title))
    return tuple(columns)


def matches_only(row: Row, capability: str) -> bool:
    cell = row.cell(capability)
    if capability == "vdm_v2":
        return cell.state in VDM2_EVIDENCE_STATES
    return cell.status == Status.SUPPORTED.value


def matches_name(row: Row, pattern: str) -> bool:
    pat = pattern.casefold()
    return any(
        fnmatch.fnmatchcase(value.casefold(), pat)
        for value in (row.folder, row.name, row.display_name)
        if value
    )


@dataclass(frozen=True)
class RowEntry:
    """What the matrix keeps of one report: its row, and the columns it adds (from
    --rules) with the folder order they are seen in."""

    row: Row
    order: tuple[str, str]  # (folder name, definition folder)
    extra: tuple[Column, ...]


def row_entry(report: Report, page_details: bool = True) -> RowEntry:
    extra = tuple(Column(v.capability, v.title) for v in report.verdicts
                  if v.capability not in CAPABILITIES)
    return RowEntry(make_row(report, page_details), (report.destination, report.definition_dir),
                    extra)


def build(
    reports: Iterable[Report], only: Iterable[str] = (), name: str | None = None,
    page_details: bool = True, in_folder_order: bool = False,
) -> Matrix:
    """The matrix of ``reports``; ``only`` holds --only values (all must hold).

    Reports are consumed one at a time and only their rows are kept, so ``reports`` can
    be a generator that makes each report when asked. Extra columns (from --rules) come
    in first-seen order of ``reports``, or with ``in_folder_order`` of the reports sorted
    by folder name, then definition folder (the order of an AuditResult).
    """
    return assemble((row_entry(r, page_details) for r in reports), only, name,
                    in_folder_order)


def assemble(
    entries: Iterable[RowEntry], only: Iterable[str] = (), name: str | None = None,
    in_folder_order: bool = False,
) -> Matrix:
    """The matrix of rows made by ``row_entry`` (see ``build``)."""
    only_ids = [ONLY_CHOICES[o] for o in only]
    rows: list[Row] = []
    seen_columns: list[tuple[tuple[str, str], tuple[Column, ...]]] = []
    for entry in entries:
        rows.append(entry.row)
        if entry.extra:
            seen_columns.append((entry.order, entry.extra))
    rows.sort(key=Row.sort_key)
    if in_folder_order:
        seen_columns.sort(key=lambda item: item[0])
    columns = [Column(cid, title) for cid, title in CAPABILITIES.items()]
    known = {c.id for c in columns}
    for _, extra in seen_columns:
        for column in extra:
            if column.id not in known:
                known.add(column.id)
                columns.append(column)
    shown = [
        row for row in rows
        if all(matches_only(row, cap) for cap in only_ids)
        and (name is None or matches_name(row, name))
    ]
    filters: dict[str, str] = {}
    if only_ids:
        filters["only"] = ", ".join(dict.fromkeys(only))
    if name is not None:
        filters["name"] = name
    return Matrix(tuple(columns), tuple(shown), len(rows), filters)


def summarize(rows: Iterable[Row], columns: Iterable[Column]) -> dict[str, dict[str, int]]:
    rows = list(rows)
    summary: dict[str, dict[str, int]] = {}
    for column in columns:
        counts: dict[str, int] = {}
        for row in rows:
            state = row.cell(column.id).state
            counts[state] = counts.get(state, 0) + 1
        rank = {s: i for i, s in enumerate(STATE_ORDER)}
        summary[column.id] = dict(
            sorted(counts.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))
        )
    return summary


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state.capitalize())
