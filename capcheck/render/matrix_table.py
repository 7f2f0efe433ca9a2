"""Support matrix as a plain-text table for a terminal (``capcheck matrix --format table``).

One line per destination (more when a long name or list wraps) that fits the
terminal's width: display name and internal name, one short status per capability,
warehouse connection modes and sync behaviours; then the summary of counts. No
Markdown: no backticks, no pipes, control characters escaped.
"""

from __future__ import annotations

from capcheck.render.terminal import fit_table, plural, width, wrap_text
from capcheck.report.matrix import Matrix, state_label

# Short marks for the states a cell can take; anything else shows its label.
SHORT: dict[str, str] = {
    "supported": "yes",
    "not supported": "no",
    "not applicable": "n/a",
    "unknown": "unknown",
    "partial": "partial",
    "partial: declared only": "partial (declared only)",
    "partial: code only": "partial (code only)",
    "declared, code not examined": "declared (code not examined)",
    "": "-",
}
LEGEND = ("yes = supported, no = not supported, n/a = not applicable (needs RETL), "
          "- = not evaluated")


def mark(state: str) -> str:
    return SHORT.get(state, state_label(state))


def table_lines(matrix: Matrix, max_width: int) -> list[str]:
    headers = ["Destination", "Name", *(c.title for c in matrix.columns),
               "Warehouse modes", "Sync behaviours"]
    rows = [
        [row.display_name, row.name,
         *(mark(row.cell(c.id).state) for c in matrix.columns),
         ", ".join(row.warehouse_modes) or "-", ", ".join(row.sync_behaviours) or "-"]
        for row in matrix.rows
    ]
    last = len(headers) - 1
    # Lists and names give up width first; capability marks stay on one line.
    wrap = (last, last - 1, 0, 1, *range(2, last - 1))
    return fit_table(headers, rows, max_width, wrap=wrap)


def summary_lines(matrix: Matrix, max_width: int) -> list[str]:
    shown = len(matrix.rows)
    head = plural(shown, "destination")
    if matrix.filters:
        filters = "; ".join(f"--{k} {v}" for k, v in matrix.filters.items())
        head = f"{shown} of {plural(matrix.total, 'destination')} shown ({filters})"
    out = wrap_text(head + ".", max_width)
    for column in matrix.columns:
        counts = matrix.summary[column.id]
        parts = ", ".join(f"{n} {state_label(s).lower()}" for s, n in counts.items())
        out += wrap_text(f"{column.title}: {parts or 'none'}", max_width)
    return out


def render(matrix: Matrix, max_width: int | None = None) -> str:
    columns = width() if max_width is None else max_width
    out = [*table_lines(matrix, columns), "", *wrap_text(LEGEND, columns), "",
           *summary_lines(matrix, columns)]
    return "\n".join(out) + "\n"
