"""Support matrix as CSV (one header line, one line per destination; no summary)."""

from __future__ import annotations

import csv
import io

from capcheck.report.matrix import Matrix


def render(matrix: Matrix) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        ["display_name", "name", "folder", *(c.id for c in matrix.columns),
         "warehouse_connection_modes", "sync_behaviours"]
    )
    for row in matrix.rows:
        writer.writerow(
            [row.display_name, row.name, row.folder,
             *(row.cell(c.id).state for c in matrix.columns),
             " ".join(row.warehouse_modes), " ".join(row.sync_behaviours)]
        )
    return buf.getvalue()
