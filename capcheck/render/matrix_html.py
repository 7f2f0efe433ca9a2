"""Support matrix as one self-contained HTML page.

Inline CSS and JavaScript only (no network, no CDN), so the page works opened from
disk (file://). It holds the summary, a text filter that hides rows not containing
every typed word, and sortable columns (click a header; click again to reverse).
Every value is escaped; the bytes depend only on the matrix (no timestamps).
"""

from __future__ import annotations

from html import escape

from capcheck import __version__
from capcheck.report.matrix import STATE_ORDER, Matrix, Row, state_label

_CSS = """
:root { color-scheme: light; --line: #d0d7de; --muted: #57606a; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  margin: 24px; color: #1f2328; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 20px 0 8px; }
p.meta { color: var(--muted); margin: 0 0 16px; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; position: sticky; top: 0; z-index: 1; }
#summary td.n { text-align: right; font-variant-numeric: tabular-nums; }
#summary td.zero { color: #afb8c1; }
#matrix td[class^="st-"], #matrix td code { white-space: nowrap; }
#matrix th button { all: unset; cursor: pointer; display: block; font-weight: 600; }
#matrix th button:focus-visible { outline: 2px solid #0969da; }
#matrix th[aria-sort="ascending"] button::after { content: " \\25B2"; }
#matrix th[aria-sort="descending"] button::after { content: " \\25BC"; }
#matrix tbody tr:nth-child(even) { background: #fafbfc; }
#matrix code { font-size: 12px; }
.st-supported { background: #dafbe1; }
.st-partial { background: #fff8c5; }
.st-declared { background: #fff8c5; }
.st-not-supported { background: #ffebe9; }
.st-not-applicable, .st-unknown, .st-none { color: var(--muted); }
.controls { margin: 12px 0; display: flex; gap: 12px; align-items: center; }
#filter { font: inherit; padding: 4px 8px; width: 28em; max-width: 100%; }
#count { color: var(--muted); }
#empty { color: var(--muted); }
"""

_JS = """
(function () {
  "use strict";
  var table = document.getElementById("matrix");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  rows.forEach(function (row, i) { row.dataset.index = String(i); });
  var filter = document.getElementById("filter");
  var count = document.getElementById("count");
  var empty = document.getElementById("empty");
  function applyFilter() {
    var words = filter.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.textContent.toLowerCase();
      var ok = words.every(function (w) { return text.indexOf(w) !== -1; });
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " shown";
    empty.hidden = shown !== 0;
  }
  filter.addEventListener("input", applyFilter);
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function key(row, col) {
    var cell = row.cells[col];
    var k = cell.getAttribute("data-sort");
    return k !== null ? k : cell.textContent.trim().toLowerCase();
  }
  function sortBy(col) {
    var th = headers[col];
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var sorted = rows.slice().sort(function (a, b) {
      var ka = key(a, col), kb = key(b, col);
      if (ka < kb) { return -dir; }
      if (ka > kb) { return dir; }
      return dir * (Number(a.dataset.index) - Number(b.dataset.index));
    });
    sorted.forEach(function (row) { body.appendChild(row); });
  }
  headers.forEach(function (th, col) {
    th.querySelector("button").addEventListener("click", function () { sortBy(col); });
  });
  applyFilter();
})();
"""

_STATE_CLASS = {
    "supported": "st-supported",
    "partial": "st-partial",
    "partial: declared only": "st-partial",
    "partial: code only": "st-partial",
    "declared, code not examined": "st-declared",
    "not supported": "st-not-supported",
    "not applicable": "st-not-applicable",
    "unknown": "st-unknown",
    "": "st-none",
}


def _e(value: str) -> str:
    return escape(value, quote=True)


def _codes(values: tuple[str, ...]) -> str:
    return ", ".join(f"<code>{_e(v)}</code>" for v in values)


def _row(row: Row, matrix: Matrix) -> str:
    rank = {s: i for i, s in enumerate(STATE_ORDER)}
    cells = [
        f"<td>{_e(row.display_name)}</td>",
        f"<td><code>{_e(row.name)}</code></td>",
        f"<td><code>{_e(row.folder)}</code></td>",
    ]
    for column in matrix.columns:
        cell = row.cell(column.id)
        cls = _STATE_CLASS.get(cell.state, "st-unknown")
        order = f"{rank.get(cell.state, len(rank)):02d}"
        cells.append(
            f'<td class="{cls}" data-sort="{order}" title="{_e(cell.message)}">'
            f"{_e(cell.label)}</td>"
        )
    cells.append(f"<td>{_codes(row.warehouse_modes)}</td>")
    cells.append(f"<td>{_codes(row.sync_behaviours)}</td>")
    return f'<tr data-folder="{_e(row.folder)}">' + "".join(cells) + "</tr>"


def _summary(matrix: Matrix) -> list[str]:
    summary = matrix.summary
    states = [s for s in STATE_ORDER if any(s in counts for counts in summary.values())]
    states += sorted({s for c in summary.values() for s in c} - set(states))
    out = ['<table id="summary">', "<thead><tr><th>Capability</th>"]
    out += [f"<th>{_e(state_label(s))}</th>" for s in states]
    out.append("</tr></thead><tbody>")
    for column in matrix.columns:
        counts = summary[column.id]
        out.append(
            f'<tr data-capability="{_e(column.id)}"><th>{_e(column.title)}</th>'
            + "".join(
                f'<td class="n{"" if counts.get(s) else " zero"}">{counts.get(s, 0)}</td>'
                for s in states
            )
            + "</tr>"
        )
    out.append("</tbody></table>")
    return out


def render(matrix: Matrix, title: str = "Support matrix") -> str:
    headers = ["Destination", "Internal name", "Folder", *(c.title for c in matrix.columns),
               "Warehouse connection modes", "Sync behaviours"]
    shown = len(matrix.rows)
    meta = f"{shown} destination{'' if shown == 1 else 's'}"
    if matrix.filters:
        filters = "; ".join(f"--{k} {v}" for k, v in matrix.filters.items())
        meta = f"{shown} of {matrix.total} destinations ({filters})"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="capcheck {_e(__version__)}">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(meta)}. Generated by capcheck from the destination '
        "definitions.</p>",
        "<h2>Summary</h2>",
        *_summary(matrix),
        "<h2>Destinations</h2>",
        '<div class="controls">',
        '<label for="filter">Filter</label>',
        '<input id="filter" type="search" autocomplete="off" '
        'placeholder="type to filter rows, e.g. warehouse or declared">',
        f'<span id="count" aria-live="polite">{shown} of {shown} shown</span>',
        "</div>",
        '<table id="matrix">',
        "<thead><tr>"
        + "".join(
            f'<th scope="col" aria-sort="none"><button type="button">{_e(h)}</button></th>'
            for h in headers
        )
        + "</tr></thead>",
        "<tbody>",
        *(_row(r, matrix) for r in matrix.rows),
        "</tbody>",
        "</table>",
        '<p id="empty" hidden>No destination matches the filter.</p>',
        f"<script>{_JS}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"
