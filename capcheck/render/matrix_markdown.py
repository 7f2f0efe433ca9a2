"""Support matrix as a Markdown table (for a docs site), followed by the summary."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from capcheck.escape import code_span, md_text
from capcheck.report.matrix import Matrix, Row, state_label

HEADERS = ("Destination", "Internal name", "Folder")
TAIL_HEADERS = ("Warehouse connection modes", "Sync behaviours")


def cell_text(text: str) -> str:
    """A value safe inside a table cell: pipes escaped, line breaks flattened."""
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


def text_cell(text: str) -> str:
    """A plain-text cell: like cell_text, with HTML neutralised for docs sites (``<``,
    ``>`` and a ``&`` that would start a character reference)."""
    return cell_text(md_text(text)).replace(">", "&gt;")


def code_cell(text: str) -> str:
    """A value as a code span in a cell: the fence outlasts any backtick run in it."""
    return cell_text(code_span(text))


def link_target(target: str) -> str:
    """A relative link target: characters that would end or bend the link
    (spaces, parentheses, ``<``, ``>``...) percent-encoded; ordinary names unchanged."""
    return quote(target, safe="/._-~")


def _code_list(values: tuple[str, ...]) -> str:
    return ", ".join(code_cell(v) for v in values)


def table(matrix: Matrix, link: Callable[[Row], str] | None = None) -> list[str]:
    headers = [*HEADERS, *(c.title for c in matrix.columns), *TAIL_HEADERS]
    out = ["| " + " | ".join(text_cell(h) for h in headers) + " |",
           "| " + " | ".join("---" for _ in headers) + " |"]
    for row in matrix.rows:
        name = text_cell(row.display_name)
        if link is not None:
            name = f"[{name.replace('[', '&#91;').replace(']', '&#93;')}]"\
                   f"({link_target(link(row))})"
        cells = [name, code_cell(row.name), code_cell(row.folder)]
        cells += [text_cell(row.cell(c.id).label) for c in matrix.columns]
        cells += [_code_list(row.warehouse_modes), _code_list(row.sync_behaviours)]
        out.append("| " + " | ".join(cells) + " |")
    return out


def summary(matrix: Matrix) -> list[str]:
    shown = len(matrix.rows)
    head = f"{shown} destination{'' if shown == 1 else 's'}"
    if matrix.filters:
        filters = "; ".join(f"--{k} {v}" for k, v in matrix.filters.items())
        head = f"{shown} of {matrix.total} destinations shown ({cell_text(filters)})"
    out = [head + ".", ""]
    for column in matrix.columns:
        counts = matrix.summary[column.id]
        parts = ", ".join(f"{n} {state_label(s).lower()}" for s, n in counts.items())
        out.append(f"- **{text_cell(column.title)}**: {parts or 'none'}")
    return out


def render(matrix: Matrix, link: Callable[[Row], str] | None = None,
           title: str = "Support matrix") -> str:
    out = [f"# {md_text(title)}", "", *table(matrix, link), "", "## Summary", "",
           *summary(matrix)]
    return "\n".join(out) + "\n"
