"""Support matrix as one self-contained HTML page.

The page has no network dependency and makes no request: CSS, JavaScript and the icons
are inline, and a Content-Security-Policy meta tag allows only this page's own script and
style (by hash), so it works opened from disk (file://) and nothing it shows can load or
run anything. Every value is escaped; the JSON behind the details panel escapes ``<``,
``>`` and ``&``, and the script writes text only (never HTML). The bytes depend only on the
matrix (no timestamps).

What the page offers (documented in README.md):

- a summary chart (inline SVG): per capability, how many destinations are in each state;
  clicking a segment filters on it;
- filters: per capability, toggle chips for supported / partial / not supported (plus the
  other states that occur: declared with the code not examined, not applicable, ...);
  chips of one capability combine with OR, capabilities and the name search with AND;
  each chip shows how many rows it would give with the other filters; a text search over
  display, internal and folder names (every word must match);
- sortable columns (click a header; click again to reverse; ties keep the matrix order);
- the state (search, chips, sort, open row) in the URL fragment, so a view can be linked:
  ``#q=mo&retl=supported&vdm_v2=partial,declared&sort=vdm_v1&desc=1&open=moengage``;
- a details panel per row: each verdict's reason and evidence (file:line:column and JSON
  pointer), the warehouse connection settings, and a link to the generated RETL report
  when ``report_links`` names one (``capcheck matrix -o DIR/matrix.html`` links
  ``<folder>/retl.md`` when ``capcheck docs --out DIR`` wrote it);
- a layout that fits 1366 px windows and phones: the table narrows in steps (see
  ``_STEPS``): labels wrap (1100 px), the mode and sync columns move into the details
  (900 px), the status cells show their mark only with the label kept for screen readers
  and the name column sticks (700 px; the state chips start folded there). When the
  table is still too wide (capabilities added by ``--rules``) the script takes the next
  steps, the last being a table that scrolls inside its frame.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import quote

from capcheck import __version__
from capcheck.model import Evidence, Location, Status
from capcheck.report.matrix import (
    STATE_ORDER,
    VDM2_CODE_ONLY,
    VDM2_DECLARED_ONLY,
    VDM2_DECLARED_UNCHECKED,
    Matrix,
    Row,
    state_label,
)

# --- states, groups, marks ---------------------------------------------------------

# A group is what a filter chip selects and what a mark looks like: state -> group id.
GROUP_OF: dict[str, str] = {
    Status.SUPPORTED.value: "supported",
    Status.PARTIAL.value: "partial",
    VDM2_DECLARED_ONLY: "partial",
    VDM2_CODE_ONLY: "partial",
    VDM2_DECLARED_UNCHECKED: "declared",
    Status.NOT_SUPPORTED.value: "not-supported",
    Status.NOT_APPLICABLE.value: "not-applicable",
    Status.UNKNOWN.value: "unknown",
    "": "none",
}
# group id -> chip / legend label, in display order.
GROUPS: dict[str, str] = {
    "supported": "Supported",
    "partial": "Partial",
    "declared": "Declared, code not examined",
    "not-supported": "Not supported",
    "not-applicable": "Not applicable",
    "unknown": "Unknown",
    "none": "Not evaluated",
}
# Chips every capability offers, whether or not a row is in that state.
MAIN_GROUPS = ("supported", "partial", "not-supported")
# Short cell labels (the full label is in the cell's tooltip and the details).
SHORT_LABELS: dict[str, str] = {
    VDM2_DECLARED_ONLY: "Partial: declared",
    VDM2_CODE_ONLY: "Partial: code",
    VDM2_DECLARED_UNCHECKED: "Declared",
    "": "Not evaluated",
}


def group_of(state: str) -> str:
    return GROUP_OF.get(state, "unknown")


def short_label(state: str) -> str:
    return SHORT_LABELS.get(state, state_label(state))


# 16x16 marks, drawn in currentColor (the group's colour).
_ICONS: dict[str, str] = {
    "supported": '<circle cx="8" cy="8" r="7" fill="currentColor"/>'
                 '<path d="M4.6 8.3 7 10.6l4.4-5" fill="none" stroke="#fff" '
                 'stroke-width="1.9" stroke-linecap="round" stroke-linejoin="round"/>',
    "partial": '<circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" '
               'stroke-width="1.6"/><path d="M8 1.8a6.2 6.2 0 0 0 0 12.4z" fill="currentColor"/>',
    "declared": '<circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" '
                'stroke-width="1.6" stroke-dasharray="2.6 1.9"/>'
                '<circle cx="8" cy="8" r="2.3" fill="currentColor"/>',
    "not-supported": '<circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" '
                     'stroke-width="1.4"/><path d="m5.6 5.6 4.8 4.8m0-4.8-4.8 4.8" '
                     'stroke="currentColor" stroke-width="1.5" stroke-linecap="round"/>',
    "not-applicable": '<path d="M4.5 8h7" stroke="currentColor" stroke-width="1.8" '
                      'stroke-linecap="round"/>',
    "unknown": '<circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" '
               'stroke-width="1.4" stroke-dasharray="1.6 1.6"/>'
               '<path d="M6.2 6.4a1.9 1.9 0 1 1 2.6 1.7c-.5.2-.8.6-.8 1.1v.4" fill="none" '
               'stroke="currentColor" stroke-width="1.4" stroke-linecap="round"/>'
               '<circle cx="8" cy="11.5" r=".9" fill="currentColor"/>',
    "none": '<circle cx="8" cy="8" r="1.6" fill="currentColor"/>',
}


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _icon(group: str, colour: str = "") -> str:
    cls = f"ic g-{colour}" if colour else "ic"
    return f'<svg class="{cls}" aria-hidden="true"><use href="#i-{group}"/></svg>'


def _sprite() -> str:
    symbols = "".join(
        f'<symbol id="i-{group}" viewBox="0 0 16 16">{body}</symbol>'
        for group, body in _ICONS.items()
    )
    return f'<svg class="sprite" aria-hidden="true" focusable="false">{symbols}</svg>'


# --- styles and script -------------------------------------------------------------

_CSS = """
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0;
  --soft: #f6f8fa; --accent: #0969da;
  --c-supported: #1a7f37; --c-partial: #9a6700; --c-declared: #0969da;
  --c-not-supported: #818b98; --c-not-applicable: #b7bec7; --c-unknown: #8250df;
  --c-none: #b7bec7;
  --b-supported: #2da44e; --b-partial: #e4b73b; --b-declared: #54aeff;
  --b-not-supported: #9aa4ae; --b-not-applicable: #d5dbe1; --b-unknown: #c297ff;
  --b-none: #eaeef2; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "Liberation Sans", sans-serif; margin: 0; color: var(--fg); background: #fff; }
code, .mono { font: 12px/1.4 ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo,
  Consolas, monospace; }
.sprite { position: absolute; width: 0; height: 0; overflow: hidden; }
.sr { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 24px 40px; }
header h1 { font-size: 22px; line-height: 1.25; margin: 0; }
header p { color: var(--muted); margin: 4px 0 0; }
.top { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 7fr); gap: 16px 28px;
  margin: 18px 0 12px; align-items: start; }
.panel { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px;
  background: #fff; min-width: 0; }
#filters > summary { list-style: none; cursor: pointer; font-size: 12px; font-weight: 600;
  color: var(--muted); margin: 0 0 6px; width: max-content; }
#filters > summary::-webkit-details-marker { display: none; }
#filters > summary::before { content: ""; display: inline-block; width: 0; height: 0;
  border: 4px solid transparent; border-left-color: currentColor; margin: 0 5px 1px 0;
  transform: rotate(90deg); transform-origin: 25% 50%; }
#filters:not([open]) > summary::before { transform: none; }
#filters:not([open]) > summary { margin: 0; }
#active { color: var(--accent); }
.panel h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); margin: 0 0 8px; font-weight: 600; }
#chart { display: block; width: 100%; height: auto; overflow: visible; }
#chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "Liberation Sans", sans-serif; fill: var(--fg); }
#chart .cap { font-weight: 600; }
#chart .num { font-weight: 600; font-variant-numeric: tabular-nums; pointer-events: none; }
#chart .num.dark { fill: #1f2328; } #chart .num.light { fill: #fff; }
#chart rect.seg { cursor: pointer; }
#chart rect.track { fill: var(--soft); stroke: var(--line); stroke-dasharray: 3 3; }
#chart rect.seg:hover { opacity: .85; }
#chart rect.seg.selected { stroke: var(--fg); stroke-width: 2; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 8px 0 0; padding: 0;
  list-style: none; color: var(--muted); font-size: 12px; }
.legend li { display: inline-flex; align-items: center; gap: 5px; }
.sw { width: 10px; height: 10px; border-radius: 2px; display: inline-block; }
.g-supported { color: var(--c-supported); } .sw.g-supported { background: var(--b-supported); }
.g-partial { color: var(--c-partial); } .sw.g-partial { background: var(--b-partial); }
.g-declared { color: var(--c-declared); } .sw.g-declared { background: var(--b-declared); }
.g-not-supported { color: var(--c-not-supported); }
.sw.g-not-supported { background: var(--b-not-supported); }
.g-not-applicable { color: var(--c-not-applicable); }
.sw.g-not-applicable { background: var(--b-not-applicable); }
.g-unknown { color: var(--c-unknown); } .sw.g-unknown { background: var(--b-unknown); }
.g-none { color: var(--c-none); } .sw.g-none { background: var(--b-none); }
.fill-supported { fill: var(--b-supported); } .fill-partial { fill: var(--b-partial); }
.fill-declared { fill: var(--b-declared); } .fill-not-supported { fill: var(--b-not-supported); }
.fill-not-applicable { fill: var(--b-not-applicable); } .fill-unknown { fill: var(--b-unknown); }
.fill-none { fill: var(--b-none); }
.search { display: flex; gap: 8px; align-items: center; margin: 0 0 10px; }
.search label { font-weight: 600; white-space: nowrap; }
#q { font: inherit; flex: 1; min-width: 0; padding: 6px 10px; border: 1px solid var(--line);
  border-radius: 6px; }
#q:focus { outline: 2px solid var(--accent); outline-offset: -1px; border-color: transparent; }
.facets { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px 16px; }
fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
legend { font-size: 12px; font-weight: 600; padding: 0; margin-bottom: 3px; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; }
.chip { font: inherit; font-size: 12px; display: inline-flex; align-items: center; gap: 4px;
  padding: 2px 8px 2px 5px; border: 1px solid var(--line); border-radius: 999px;
  background: #fff; color: var(--fg); cursor: pointer; line-height: 18px; }
.chip:hover { background: var(--soft); }
.chip:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
.chip[aria-pressed="true"] { background: #ddf4ff; border-color: var(--accent);
  box-shadow: inset 0 0 0 1px var(--accent); }
.chip .n { color: var(--muted); font-variant-numeric: tabular-nums; }
.chip.empty { color: var(--muted); }
.chip .ic { width: 14px; height: 14px; }
.status { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px;
  margin: 14px 0 8px; }
#count { font-weight: 600; }
.linkbtn { font: inherit; background: none; border: 0; padding: 0; color: var(--accent);
  cursor: pointer; text-decoration: underline; }
.hint { color: var(--muted); font-size: 12px; }
.cli-filter { color: var(--muted); }
.table-wrap { border: 1px solid var(--line); border-radius: 8px; position: relative; }
table { border-collapse: separate; border-spacing: 0; width: 100%; }
#matrix th, #matrix td { padding: 7px 10px; text-align: left; vertical-align: top;
  border-bottom: 1px solid var(--line); }
#matrix tbody tr:last-child > * { border-bottom: 0; }
#matrix thead th { position: sticky; top: 0; z-index: 2; background: var(--soft);
  font-size: 12px; font-weight: 600; white-space: nowrap; vertical-align: bottom; }
#matrix thead th:first-child { border-top-left-radius: 8px; }
#matrix thead th:last-child { border-top-right-radius: 8px; }
#matrix th button.sort { all: unset; cursor: pointer; display: inline-flex; gap: 4px;
  align-items: center; }
#matrix th button.sort:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
#matrix th button.sort::after { content: ""; width: 0; height: 0; border: 4px solid transparent;
  opacity: .35; border-top-color: currentColor; margin-top: 4px; }
#matrix th[aria-sort="ascending"] button.sort::after { opacity: 1; border-top-color: transparent;
  border-bottom-color: currentColor; margin: 0 0 4px; }
#matrix th[aria-sort="descending"] button.sort::after { opacity: 1; }
#matrix tbody tr { cursor: pointer; }
#matrix tbody tr:hover > * { background: #f3f8ff; }
#matrix tbody tr.current > * { background: #ddf4ff; }
#matrix tbody th { font-weight: normal; background: #fff; }
.c-name { width: 30%; min-width: 8.5em; }
.c-modes { width: 9%; }
.open { all: unset; cursor: pointer; font-weight: 600; color: var(--fg);
  overflow-wrap: anywhere; }
.open:hover { color: var(--accent); text-decoration: underline; }
.open:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.ids { display: block; color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
.ids code { font-size: 11.5px; }
.mk { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.mk .ic { width: 16px; height: 16px; flex: none; }
.mk .lbl { color: var(--fg); font-size: 13px; }
.mk.g-not-supported .lbl, .mk.g-not-applicable .lbl, .mk.g-none .lbl { color: var(--muted); }
.tag { display: inline-block; font: 11.5px/1.5 ui-monospace, SFMono-Regular,
  "DejaVu Sans Mono", Menlo, Consolas, monospace; padding: 0 6px; margin: 0 4px 3px 0;
  border-radius: 4px; background: var(--soft); border: 1px solid #e3e8ee;
  overflow-wrap: anywhere; }
.none { color: var(--c-not-applicable); }
#empty { padding: 24px; text-align: center; color: var(--muted); }
footer { margin-top: 20px; color: var(--muted); font-size: 12px; }
dialog { border: 0; padding: 0; margin: 0 0 0 auto; height: 100%; max-height: 100%;
  width: min(640px, 100%); max-width: 100%; box-shadow: -8px 0 24px rgba(31, 35, 40, .2);
  color: var(--fg); overflow: auto; overscroll-behavior: contain; }
dialog::backdrop { background: rgba(31, 35, 40, .35); }
.d-head { position: sticky; top: 0; background: #fff; border-bottom: 1px solid var(--line);
  padding: 14px 18px 10px; display: flex; gap: 12px; align-items: flex-start; z-index: 1; }
.d-head h2 { font-size: 18px; margin: 0; flex: 1; overflow-wrap: anywhere; line-height: 1.3; }
.d-close { font: inherit; font-size: 20px; line-height: 1; border: 1px solid var(--line);
  border-radius: 6px; background: #fff; cursor: pointer; width: 32px; height: 32px;
  flex: none; }
.d-body { padding: 6px 18px 24px; }
.d-body h3 { font-size: 14px; margin: 18px 0 8px; }
.d-ids { margin: 8px 0 0; display: grid; grid-template-columns: max-content minmax(0, 1fr);
  gap: 2px 12px; font-size: 13px; }
.d-ids dt { color: var(--muted); } .d-ids dd { margin: 0; overflow-wrap: anywhere; }
.d-report { margin: 12px 0 0; padding: 8px 10px; background: #ddf4ff; border-radius: 6px; }
.d-report a { color: var(--accent); font-weight: 600; }
.verdicts { list-style: none; margin: 0; padding: 0; }
.verdicts > li { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px;
  margin: 0 0 8px; }
.v-head { display: flex; gap: 8px; align-items: center; font-weight: 600; flex-wrap: wrap; }
.v-head .ic { width: 16px; height: 16px; }
.v-variant { font-weight: normal; color: var(--muted); font-size: 12px; }
.reason { margin: 4px 0; }
.evidence { margin: 4px 0 0; padding-left: 18px; font-size: 13px; }
.evidence li { margin: 2px 0; }
.loc { display: block; color: var(--muted); overflow-wrap: anywhere; }
.loc code { font-size: 11.5px; }
.settings { width: 100%; font-size: 13px; border: 1px solid var(--line); border-radius: 8px; }
.settings th, .settings td { padding: 5px 8px; border-bottom: 1px solid var(--line);
  text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.settings tr:last-child td { border-bottom: 0; }
.settings thead th { background: var(--soft); font-size: 12px; }
.s-label { display: block; color: var(--muted); }
.s-scope { white-space: nowrap; }
.settings .loc { font-size: 12px; }
.flag { font-size: 11px; padding: 0 5px; border-radius: 4px; border: 1px solid var(--line);
  color: var(--muted); margin-left: 4px; white-space: nowrap; }
.flag.req { border-color: #d4a72c; color: #7d4e00; }
.flag.sec { border-color: #cf222e; color: #a40e26; }
.kv { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 4px 12px;
  margin: 0 0 8px; }
.kv dt { color: var(--muted); } .kv dd { margin: 0; }
@media (max-width: 1100px) {
  .top { grid-template-columns: minmax(0, 1fr); }
}
@media (max-width: 700px) {
  main { padding: 14px 12px 32px; }
  header h1 { font-size: 19px; }
  .facets { grid-template-columns: minmax(0, 1fr); }
  .panel { padding: 10px; }
  .d-head { padding: 12px 14px 8px; }
  .d-body { padding: 4px 14px 24px; }
  .hint { display: none; }
}
"""

# The table narrows in steps: "wrap" (labels wrap), "tight" (mode and sync columns move
# into the details), "compact" (marks only, labels kept for screen readers; the name
# column sticks), "scroll" (the table scrolls inside its frame). Each step applies at a
# fixed width (media query, right from the first paint), and the script adds the class of
# the step whenever the table is still wider than its frame (e.g. capabilities added by
# --rules). F stands for the table's frame in a step, W for the table.
_STEPS: tuple[tuple[str, int, str], ...] = (
    ("wrap", 1100, """
W .mk { white-space: normal; align-items: flex-start; }
W thead th { white-space: normal; }
W th, W td { padding-left: 8px; padding-right: 8px; }
"""),
    ("tight", 900, """
W .c-modes, W .c-sync { display: none; }
"""),
    ("compact", 700, """
W .c-modes, W .c-sync { display: none; }
W .c-name { width: auto; }
W .c-cap { width: 13%; text-align: center; padding-left: 2px; padding-right: 2px; }
W .mk { justify-content: center; }
W .mk .lbl { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
W .mk .ic { width: 20px; height: 20px; }
W thead th { white-space: normal; font-size: 11px; line-height: 1.2; }
W thead th.c-cap button.sort { display: inline; }
W th button.sort::after { display: none; }
W th, W td { padding: 8px 6px; }
W tbody th { position: sticky; left: 0; z-index: 1; }
"""),
    ("scroll", 700, """
F { overflow-x: auto; }
W tbody th { position: sticky; left: 0; z-index: 1; }
"""),
)


def _step_css() -> str:
    out = []
    for name, width, rules in _STEPS:
        frame = ".table-wrap"
        out.append(f"@media (max-width: {width}px) {{"
                   + rules.replace("W", "F #matrix").replace("F", frame) + "}")
        out.append(rules.replace("W", "F #matrix").replace("F", f"{frame}.{name}"))
    return "\n".join(out)


_CSS = _CSS + _step_css() + """
@media (prefers-reduced-motion: no-preference) {
  .chip, #chart rect.seg { transition: background-color .1s, opacity .1s; }
}
"""

_JS = r"""
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("matrix-data").textContent);
  var COLUMNS = DATA.columns;
  var TITLES = {};
  COLUMNS.forEach(function (c) { TITLES[c.id] = c.title; });
  var current = null;  // the row whose details are shown
  var GROUPS = DATA.groups;
  var table = document.getElementById("matrix");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var byKey = {};
  rows.forEach(function (tr, i) {
    tr._data = DATA.rows[i];
    tr._index = i;
    byKey[DATA.rows[i].key] = tr;
  });
  var search = document.getElementById("q");
  var count = document.getElementById("count");
  var empty = document.getElementById("empty");
  var clearButtons = document.querySelectorAll("[data-clear]");
  var chips = Array.prototype.slice.call(document.querySelectorAll(".chip"));
  var segs = Array.prototype.slice.call(document.querySelectorAll("#chart rect.seg"));
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var dialog = document.getElementById("details");
  var state = { q: "", groups: {}, sort: "", desc: false, open: "" };

  function words() { return state.q.toLowerCase().split(/\s+/).filter(Boolean); }
  function matchesText(tr, ws) {
    var text = tr._data.search;
    return ws.every(function (w) { return text.indexOf(w) !== -1; });
  }
  function matchesCaps(tr, except) {
    return COLUMNS.every(function (c) {
      if (c.id === except) { return true; }
      var chosen = state.groups[c.id];
      return !chosen || chosen.length === 0 || chosen.indexOf(tr._data.groups[c.id]) !== -1;
    });
  }
  function anyFilter() {
    return state.q.trim() !== "" || COLUMNS.some(function (c) {
      return (state.groups[c.id] || []).length > 0;
    });
  }

  // --- URL state -------------------------------------------------------------------
  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    state.q = params.get("q") || "";
    state.groups = {};
    COLUMNS.forEach(function (c) {
      var raw = params.get(c.id);
      if (raw === null) { raw = params.get(c.id.replace(/_/g, "-")); }
      if (raw) {
        state.groups[c.id] = raw.split(",").filter(function (g) {
          return GROUPS.indexOf(g) !== -1;
        });
      }
    });
    var sort = params.get("sort") || "";
    state.sort = headers.some(function (h) { return h.dataset.key === sort; }) ? sort : "";
    state.desc = state.sort !== "" && params.get("desc") === "1";
    state.open = params.get("open") || "";
  }
  function writeHash() {
    var params = new URLSearchParams();
    if (state.q.trim()) { params.set("q", state.q.trim()); }
    COLUMNS.forEach(function (c) {
      var chosen = state.groups[c.id] || [];
      if (chosen.length) { params.set(c.id, chosen.join(",")); }
    });
    if (state.sort) { params.set("sort", state.sort); if (state.desc) { params.set("desc", "1"); } }
    if (state.open) { params.set("open", state.open); }
    var text = params.toString();
    var url = location.href.replace(/#.*$/, "") + (text ? "#" + text : "");
    if (url !== location.href) { history.replaceState(null, "", url); }
  }

  // --- filtering -------------------------------------------------------------------
  function apply() {
    var ws = words();
    var shown = 0;
    rows.forEach(function (tr) {
      var ok = matchesText(tr, ws) && matchesCaps(tr, null);
      tr.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " destination" +
      (rows.length === 1 ? "" : "s") + " shown";
    empty.hidden = shown !== 0;
    Array.prototype.forEach.call(clearButtons, function (b) { b.hidden = !anyFilter(); });
    var caps = COLUMNS.filter(function (c) { return (state.groups[c.id] || []).length > 0; });
    document.getElementById("active").textContent =
      caps.length ? "\u00b7 " + caps.length + " active" : "";
    chips.forEach(function (chip) {
      var cap = chip.dataset.cap, group = chip.dataset.group;
      var on = (state.groups[cap] || []).indexOf(group) !== -1;
      chip.setAttribute("aria-pressed", on ? "true" : "false");
      var n = 0;
      rows.forEach(function (tr) {
        if (tr._data.groups[cap] === group && matchesText(tr, ws) && matchesCaps(tr, cap)) {
          n += 1;
        }
      });
      chip.querySelector(".n").textContent = String(n);
      chip.classList.toggle("empty", n === 0 && !on);
    });
    segs.forEach(function (seg) {
      var chosen = state.groups[seg.dataset.cap] || [];
      seg.classList.toggle("selected", chosen.indexOf(seg.dataset.group) !== -1);
    });
    fit();
  }
  function toggle(cap, group, only) {
    var chosen = (state.groups[cap] || []).slice();
    var at = chosen.indexOf(group);
    if (only) { chosen = (chosen.length === 1 && at === 0) ? [] : [group]; }
    else if (at === -1) { chosen.push(group); } else { chosen.splice(at, 1); }
    state.groups[cap] = GROUPS.filter(function (g) { return chosen.indexOf(g) !== -1; });
    apply(); writeHash();
  }
  chips.forEach(function (chip) {
    chip.addEventListener("click", function () {
      toggle(chip.dataset.cap, chip.dataset.group, false);
    });
  });
  segs.forEach(function (seg) {
    seg.addEventListener("click", function () {
      toggle(seg.dataset.cap, seg.dataset.group, true);
    });
  });
  search.addEventListener("input", function () { state.q = search.value; apply(); writeHash(); });
  Array.prototype.forEach.call(clearButtons, function (b) {
    b.addEventListener("click", function () {
      state.q = ""; state.groups = {}; search.value = ""; apply(); writeHash(); search.focus();
    });
  });

  // --- sorting ---------------------------------------------------------------------
  function sortKey(tr, key) {
    var d = tr._data;
    if (key === "name") { return d.sortName; }
    if (key === "modes") { return d.modes.join(" "); }
    if (key === "sync") { return d.sync.join(" "); }
    return ("00" + d.rank[key]).slice(-3);
  }
  function sortRows() {
    var key = state.sort, dir = state.desc ? -1 : 1;
    headers.forEach(function (h) {
      var on = key !== "" && h.dataset.key === key;
      h.setAttribute("aria-sort", on ? (state.desc ? "descending" : "ascending") : "none");
    });
    var sorted = rows.slice().sort(function (a, b) {
      if (!key) { return a._index - b._index; }
      var ka = sortKey(a, key), kb = sortKey(b, key);
      if (ka < kb) { return -dir; }
      if (ka > kb) { return dir; }
      return dir * (a._index - b._index);
    });
    sorted.forEach(function (tr) { body.appendChild(tr); });
  }
  headers.forEach(function (th) {
    var button = th.querySelector("button.sort");
    button.addEventListener("click", function () {
      if (state.sort === th.dataset.key) { state.desc = !state.desc; }
      else { state.sort = th.dataset.key; state.desc = false; }
      sortRows(); writeHash();
    });
  });

  // --- details ---------------------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function icon(group) {
    var ns = document.querySelector("svg.sprite").namespaceURI;
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "ic g-" + group);
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("aria-hidden", "true");
    var use = document.createElementNS(ns, "use");
    use.setAttribute("href", "#i-" + group);
    svg.appendChild(use);
    return svg;
  }
  function rich(parent, text) {  // `code` spans as <code>, everything else as text
    String(text).split("`").forEach(function (part, i) {
      if (part) {
        parent.appendChild(i % 2 ? el("code", null, part) : document.createTextNode(part));
      }
    });
    return parent;
  }
  function location_(parent, loc) {
    if (!loc) { return; }
    var span = el("span", "loc");
    var where = el("code", null, loc.where);
    where.title = loc.file || (current.definition + "/" + loc.where.replace(/(:\d+)+$/, ""));
    span.appendChild(where);
    if (loc.pointer !== null && loc.pointer !== undefined) {
      span.appendChild(document.createTextNode(" \u00b7 JSON pointer "));
      span.appendChild(el("code", null, loc.pointer === "" ? "(document root)" : loc.pointer));
    }
    parent.appendChild(span);
  }
  function evidenceList(items) {
    var ul = el("ul", "evidence");
    items.forEach(function (ev) {
      var li = el("li");
      rich(li, ev.fact);
      location_(li, ev.loc);
      ul.appendChild(li);
    });
    return ul;
  }
  function kv(dl, key, value) {
    dl.appendChild(el("dt", null, key));
    var dd = el("dd");
    if (typeof value === "string") { dd.textContent = value; } else { dd.appendChild(value); }
    dl.appendChild(dd);
  }
  function tags(values) {
    var span = el("span");
    if (!values.length) { span.appendChild(el("span", "none", "none")); }
    values.forEach(function (v) { span.appendChild(el("span", "tag", v)); });
    return span;
  }
  function fill(d) {
    current = d;
    document.getElementById("d-title").textContent = d.display;
    var out = document.getElementById("d-body");
    out.textContent = "";
    var ids = el("dl", "d-ids");
    kv(ids, "Internal name", d.name || "\u2014");
    kv(ids, "Folder", d.folder);
    kv(ids, "Definition", d.definition);
    out.appendChild(ids);
    if (d.report) {
      var p = el("p", "d-report");
      var a = el("a", null, "Generated RETL report");
      a.href = d.report;
      p.appendChild(a);
      p.appendChild(document.createTextNode(" "));
      p.appendChild(el("code", null, d.report));
      out.appendChild(p);
    }
    out.appendChild(el("h3", null, "Capabilities"));
    var ol = el("ol", "verdicts");
    d.verdicts.forEach(function (v) {
      var li = el("li");
      li.dataset.cap = v.capability;
      var head = el("div", "v-head g-" + v.group);
      head.appendChild(icon(v.group));
      var title = el("span", null, TITLES[v.capability] + ": ");
      title.appendChild(el("span", "v-label", v.label));
      head.appendChild(title);
      if (v.variant) {
        head.appendChild(el("span", "v-variant", "variant " + v.variant));
      }
      li.appendChild(head);
      li.appendChild(rich(el("p", "reason"), v.reason));
      if (v.evidence.length) { li.appendChild(evidenceList(v.evidence)); }
      ol.appendChild(li);
    });
    out.appendChild(ol);
    out.appendChild(el("h3", null, "Warehouse connection"));
    var w = d.warehouse;
    if (!w) {
      out.appendChild(el("p", "none-note",
        "No warehouse (RETL) connection: RETL is not supported."));
    } else {
      var dl = el("dl", "kv");
      kv(dl, "Connection modes", tags(w.modes));
      kv(dl, "Sync behaviours", tags(w.sync));
      out.appendChild(dl);
      if (w.settings.length) {
        var t = el("table", "settings");
        var thead = el("thead"), hr = el("tr");
        ["Setting", "Scope"].forEach(function (h) {
          hr.appendChild(el("th", null, h));
        });
        thead.appendChild(hr); t.appendChild(thead);
        var tb = el("tbody");
        w.settings.forEach(function (s) {
          var tr = el("tr");
          var key = el("td"); key.appendChild(el("code", null, s.key));
          if (s.required) { key.appendChild(el("span", "flag req", "required")); }
          if (s.secret) { key.appendChild(el("span", "flag sec", "secret")); }
          key.appendChild(el("span", s.label === null ? "s-label none" : "s-label",
            s.label === null ? "no label in ui-config.json" : s.label));
          location_(key, s.loc);
          tr.appendChild(key);
          tr.appendChild(el("td", "s-scope", s.scope));
          tb.appendChild(tr);
        });
        t.appendChild(tb);
        out.appendChild(t);
      } else {
        out.appendChild(el("p", "none-note", "The definition lists no connection settings."));
      }
      if (w.evidence.length) { out.appendChild(evidenceList(w.evidence)); }
    }
  }
  var lastFocus = null;
  function openDetails(key, focus) {
    var tr = byKey[key];
    if (!tr) { return; }
    rows.forEach(function (r) { r.classList.toggle("current", r === tr); });
    fill(tr._data);
    state.open = key;
    writeHash();
    lastFocus = focus ? tr.querySelector(".open") : null;
    if (!dialog.open) { dialog.showModal(); }
    dialog.scrollTop = 0;
    document.getElementById("d-close").focus();
  }
  dialog.addEventListener("close", function () {
    state.open = "";
    writeHash();
    if (lastFocus) { lastFocus.focus(); }
  });
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) { dialog.close(); }  // a click on the backdrop
  });
  document.getElementById("d-close").addEventListener("click", function () { dialog.close(); });
  body.addEventListener("click", function (event) {
    var tr = event.target.closest("tr");
    if (tr && tr.parentNode === body) { openDetails(tr._data.key, true); }
  });

  // --- fit the table to its frame -------------------------------------------------
  var frame = table.parentNode;
  var STEPS = ["wrap", "tight", "compact", "scroll"];
  function fit() {
    STEPS.forEach(function (step) { frame.classList.remove(step); });
    STEPS.forEach(function (step) {
      if (table.offsetWidth > frame.clientWidth + 1) { frame.classList.add(step); }
    });
  }
  var fitting = false;
  window.addEventListener("resize", function () {
    if (!fitting) {
      fitting = true;
      window.requestAnimationFrame(function () { fitting = false; fit(); });
    }
  });

  // --- start -----------------------------------------------------------------------
  function restore() {
    readHash();
    search.value = state.q;
    apply();
    sortRows();
    var open = state.open;
    if (open && byKey[open]) { openDetails(open, false); }
    else if (dialog.open) { state.open = ""; dialog.close(); }
  }
  window.addEventListener("hashchange", restore);
  restore();
  var stateFiltered = COLUMNS.some(function (c) { return (state.groups[c.id] || []).length > 0; });
  if (window.matchMedia("(max-width: 700px)").matches && !stateFiltered) {
    document.getElementById("filters").open = false;  // phones: the table comes first
  }
  document.documentElement.dataset.ready = "1";
})();
"""


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _css(columns: int) -> str:
    """The page's style: capability columns share about two thirds of the width."""
    share = min(11.0, 66.0 / max(columns, 1))
    return _CSS + f".c-cap {{ width: {share:.2f}%; }}\n"


def _csp(css: str) -> str:
    return (
        f"default-src 'none'; script-src {_csp_hash(_JS)}; style-src {_csp_hash(css)}; "
        "img-src 'none'; font-src 'none'; connect-src 'none'; media-src 'none'; "
        "object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'"
    )


# --- data for the details panel ----------------------------------------------------

def _where(location: Location, definition: str) -> str:
    """``file:line:col``, the file named relative to the definition folder when inside."""
    short = location.short()
    prefix = definition.rstrip("/") + "/"
    return short[len(prefix):] if definition and short.startswith(prefix) else short


def _loc(location: Location | None, definition: str) -> dict[str, Any] | None:
    """Where a fact is; ``file`` only when outside the definition folder (the script
    joins ``definition`` and the file named in ``where`` otherwise)."""
    if location is None:
        return None
    where = _where(location, definition)
    out: dict[str, Any] = {"where": where, "pointer": location.pointer}
    if where == location.short():
        out["file"] = location.file
    return out


def _evidence(items: tuple[Evidence, ...], definition: str) -> list[dict[str, Any]]:
    return [{"fact": e.fact, "loc": _loc(e.location, definition)} for e in items]


def _search_text(row: Row) -> str:
    return " ".join(v for v in (row.display_name, row.name, row.folder) if v).lower()


def _row_keys(matrix: Matrix) -> list[str]:
    """A stable id per row for the URL: the folder name, ``folder~2`` for a repeat."""
    seen: dict[str, int] = {}
    keys = []
    for row in matrix.rows:
        seen[row.folder] = seen.get(row.folder, 0) + 1
        keys.append(row.folder if seen[row.folder] == 1 else f"{row.folder}~{seen[row.folder]}")
    return keys


def _row_data(row: Row, key: str, matrix: Matrix, report: str | None) -> dict[str, Any]:
    rank = {s: i for i, s in enumerate(STATE_ORDER)}
    cc = row.connection
    warehouse = None
    if cc is not None:
        warehouse = {
            "modes": list(row.warehouse_modes),
            "sync": list(row.sync_behaviours),
            "settings": [
                {"key": s.key, "label": s.label, "scope": s.scope, "secret": s.secret,
                 "required": s.required, "loc": _loc(s.location, row.definition)}
                for s in cc.settings
            ],
            "evidence": _evidence(cc.evidence, row.definition),
        }
    verdicts = []
    for column in matrix.columns:
        cell = row.cell(column.id)
        verdicts.append({
            "capability": column.id,
            "group": group_of(cell.state),
            "label": cell.label,
            "reason": cell.message,
            "variant": None if cell.variant == "default" else cell.variant,
            "evidence": _evidence(cell.evidence, row.definition),
        })
    return {
        "key": key,
        "display": row.display_name,
        "name": row.name,
        "folder": row.folder,
        "definition": row.definition,
        "report": report,
        "search": _search_text(row),
        "sortName": row.display_name.casefold(),
        "groups": {c.id: group_of(row.cell(c.id).state) for c in matrix.columns},
        "rank": {c.id: rank.get(row.cell(c.id).state, len(rank)) for c in matrix.columns},
        "modes": list(row.warehouse_modes),
        "sync": list(row.sync_behaviours),
        "verdicts": verdicts,
        "warehouse": warehouse,
    }


def _script_json(value: Any) -> str:
    """JSON safe inside <script>: no ``<``, ``>`` or ``&`` can close or open a tag."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# --- page parts --------------------------------------------------------------------

def _group_counts(matrix: Matrix) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for column in matrix.columns:
        per: dict[str, int] = {}
        for state, n in matrix.summary[column.id].items():
            group = group_of(state)
            per[group] = per.get(group, 0) + n
        counts[column.id] = {g: per[g] for g in GROUPS if g in per}
    return counts


def _chart(matrix: Matrix, counts: dict[str, dict[str, int]]) -> list[str]:
    """Stacked bars, one per capability; x in percent so the chart fits any width."""
    total = len(matrix.rows)
    row_h, bar_h, top = 42, 20, 16
    height = row_h * len(matrix.columns)
    described = "; ".join(
        f"{c.title}: " + ", ".join(f"{n} {GROUPS[g].lower()}" for g, n in counts[c.id].items())
        for c in matrix.columns
    )
    out = [f'<svg id="chart" width="100%" height="{height}" role="img" '
           f'aria-label="{_e("Destinations per state. " + described)}">']
    for i, column in enumerate(matrix.columns):
        y = i * row_h
        out.append(f'<text class="cap" x="0" y="{y + 12}">{_e(column.title)}</text>'
                   f'<rect class="track" x="0" y="{y + top}" width="100%" height="{bar_h}" '
                   'rx="2"/>')
        start = 0
        for group, n in counts[column.id].items():
            x = 100 * start / total if total else 0.0
            w = 100 * n / total if total else 0.0
            tip = f"{column.title}: {n} {GROUPS[group].lower()}"
            out.append(
                f'<rect class="seg fill-{group}" data-cap="{_e(column.id)}" '
                f'data-group="{group}" x="{x:.3f}%" y="{y + top}" width="{w:.3f}%" '
                f'height="{bar_h}" rx="2"><title>{_e(tip)} (click to filter)</title></rect>'
            )
            if w >= 4:
                tone = "light" if group in ("supported", "declared", "not-supported") else "dark"
                out.append(
                    f'<text class="num {tone}" x="{x + w / 2:.3f}%" y="{y + top + 14}" '
                    f'text-anchor="middle" aria-hidden="true">{n}</text>'
                )
            start += n
    out.append("</svg>")
    used = [g for g in GROUPS if any(g in c for c in counts.values())]
    out.append('<ul class="legend">' + "".join(
        f'<li><span class="sw g-{g}"></span>{_e(GROUPS[g])}</li>' for g in used
    ) + "</ul>")
    return out


def _facets(matrix: Matrix, counts: dict[str, dict[str, int]]) -> list[str]:
    out = ['<div class="facets">']
    for column in matrix.columns:
        present = [g for g in GROUPS if g in MAIN_GROUPS or counts[column.id].get(g)]
        out.append(f'<fieldset data-cap="{_e(column.id)}"><legend>{_e(column.title)}</legend>'
                   '<div class="chips">')
        for group in present:
            n = counts[column.id].get(group, 0)
            out.append(
                f'<button type="button" class="chip g-{group}" data-cap="{_e(column.id)}" '
                f'data-group="{group}" aria-pressed="false">{_icon(group, group)}'
                f'<span class="t">{_e(GROUPS[group])}</span> <span class="n">{n}</span></button>'
            )
        out.append("</div></fieldset>")
    out.append("</div>")
    return out


def _tags(values: tuple[str, ...]) -> str:
    if not values:
        return '<span class="none" aria-label="none">\u2014</span>'
    return "".join(f'<span class="tag">{_e(v)}</span>' for v in values)


def _row(row: Row, key: str, matrix: Matrix) -> str:
    ids = f"<code>{_e(row.name)}</code>" if row.name else ""
    if row.folder.casefold() != row.name.casefold():
        ids += (" \u00b7 " if ids else "") + f"<code>{_e(row.folder)}</code>"
    cells = [
        f'<th scope="row" class="c-name"><button type="button" class="open" '
        f'aria-haspopup="dialog">{_e(row.display_name)}</button>'
        f'<span class="ids">{ids}</span></th>'
    ]
    for column in matrix.columns:
        cell = row.cell(column.id)
        group = group_of(cell.state)
        tip = f"{column.title}: {cell.label}. {cell.message.replace('`', '')}"
        cells.append(
            f'<td class="c-cap" data-cap="{_e(column.id)}" data-group="{group}">'
            f'<span class="mk g-{group}" title="{_e(tip)}">{_icon(group)}'
            f'<span class="lbl">{_e(short_label(cell.state))}</span></span></td>'
        )
    cells.append(f'<td class="c-modes">{_tags(row.warehouse_modes)}</td>')
    cells.append(f'<td class="c-sync">{_tags(row.sync_behaviours)}</td>')
    return (f'<tr data-folder="{_e(row.folder)}" data-key="{_e(key)}">' + "".join(cells)
            + "</tr>")


def _href(path: str) -> str:
    return quote(path, safe="/")


def render(
    matrix: Matrix,
    title: str = "Support matrix",
    report_links: Mapping[str, str] | None = None,
) -> str:
    """The page; ``report_links`` maps a folder name to the (relative) address of its
    generated RETL report, shown in the row's details."""
    links = dict(report_links or {})
    shown = len(matrix.rows)
    meta = f"{shown} destination{'' if shown == 1 else 's'}"
    if matrix.filters:
        filters = "; ".join(f"--{k} {v}" for k, v in matrix.filters.items())
        meta = f"{shown} of {matrix.total} destinations ({filters})"
    keys = _row_keys(matrix)
    counts = _group_counts(matrix)
    css = _css(len(matrix.columns))
    data = {
        "columns": [{"id": c.id, "title": c.title} for c in matrix.columns],
        "groups": list(GROUPS),
        "rows": [
            _row_data(row, key, matrix,
                      _href(links[row.folder]) if row.folder in links else None)
            for row, key in zip(matrix.rows, keys, strict=True)
        ],
    }
    headers = [('class="c-name" data-key="name"', "Destination")]
    headers += [(f'class="c-cap" data-key="{_e(c.id)}"', _e(c.title)) for c in matrix.columns]
    headers += [('class="c-modes" data-key="modes"', "Warehouse modes"),
                ('class="c-sync" data-key="sync"', "Sync behaviours")]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_csp(css)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f'<meta name="generator" content="capcheck {_e(__version__)}">',
        f"<title>{_e(title)}</title>",
        f"<style>{css}</style>",
        "</head>",
        "<body>",
        _sprite(),
        "<main>",
        "<header>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(meta)}. Generated by capcheck {_e(__version__)} from the '
        "destination definitions. Click a row for its evidence.</p>",
        "</header>",
        '<div class="top">',
        '<section class="panel" aria-labelledby="h-summary">',
        '<h2 id="h-summary">Summary</h2>',
        *_chart(matrix, counts),
        "</section>",
        '<section class="panel" aria-labelledby="h-filters">',
        '<h2 id="h-filters">Filter</h2>',
        '<div class="search"><label for="q">Name</label>',
        '<input id="q" type="search" autocomplete="off" spellcheck="false" '
        'placeholder="e.g. moengage, ads, AUDIENCE"></div>',
        '<details id="filters" open>',
        '<summary>By state <span id="active"></span></summary>',
        *_facets(matrix, counts),
        "</details>",
        "</section>",
        "</div>",
        '<div class="status">',
        f'<span id="count" role="status">{shown} of {shown} destinations shown</span>',
        '<button type="button" class="linkbtn" data-clear hidden>Clear filters</button>',
        '<span class="hint">Chips of one capability combine with OR, capabilities with AND. '
        "The address bar keeps the view: copy it to share.</span>",
        "</div>",
        '<div class="table-wrap">',
        '<table id="matrix">',
        "<thead><tr>"
        + "".join(
            f'<th scope="col" {attrs} aria-sort="none"><button type="button" class="sort">'
            f"{text}</button></th>"
            for attrs, text in headers
        )
        + "</tr></thead>",
        "<tbody>",
        *(_row(r, k, matrix) for r, k in zip(matrix.rows, keys, strict=True)),
        "</tbody>",
        "</table>",
        '<p id="empty" hidden>No destination matches these filters. '
        '<button type="button" class="linkbtn" data-clear>Clear filters</button></p>',
        "</div>",
        "<footer>States: "
        + "; ".join(f"{_e(state_label(s))}" for s in STATE_ORDER if s)
        + ". Evidence names the file, line and column, and the JSON pointer of each fact."
        "</footer>",
        "</main>",
        '<dialog id="details" aria-labelledby="d-title">',
        '<div class="d-head"><h2 id="d-title"></h2>'
        '<button type="button" class="d-close" id="d-close" aria-label="Close details">'
        "\u00d7</button></div>",
        '<div class="d-body" id="d-body"></div>',
        "</dialog>",
        f'<script type="application/json" id="matrix-data">{_script_json(data)}</script>',
        f"<script>{_JS}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"
