"""Support matrix as JSON: columns, rows with every cell's status, state and message,
and the summary counts."""

from __future__ import annotations

from capcheck import __version__
from capcheck.render.jsontext import indented
from capcheck.report.matrix import Matrix, Row

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any


def row_to_dict(row: Row, matrix: Matrix) -> dict[str, Any]:
    return {
        "displayName": row.display_name,
        "name": row.name,
        "folder": row.folder,
        "definition": row.definition,
        "capabilities": {
            c.id: {
                "status": row.cell(c.id).status,
                "state": row.cell(c.id).state,
                "label": row.cell(c.id).label,
                "message": row.cell(c.id).message,
            }
            for c in matrix.columns
        },
        "warehouseConnectionModes": list(row.warehouse_modes),
        "syncBehaviours": list(row.sync_behaviours),
    }


def to_dict(matrix: Matrix) -> dict[str, Any]:
    return {
        "tool": "capcheck",
        "version": __version__,
        "columns": [{"id": c.id, "title": c.title} for c in matrix.columns],
        "filters": dict(matrix.filters),
        "total": matrix.total,
        "shown": len(matrix.rows),
        "summary": matrix.summary,
        "rows": [row_to_dict(r, matrix) for r in matrix.rows],
    }


def render(matrix: Matrix) -> str:
    return indented(to_dict(matrix))
