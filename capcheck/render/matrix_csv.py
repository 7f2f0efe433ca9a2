"""Support matrix as CSV (one header line, one line per destination; no summary).

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or CR) get a leading ``'`` (``capcheck.escape.csv_cell``)."""

from __future__ import annotations

import csv
import io

from capcheck.escape import csv_cell
from capcheck.report.matrix import Matrix


def render(matrix: Matrix) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        ["display_name", "name", "folder", *(c.id for c in matrix.columns),
         "warehouse_connection_modes", "sync_behaviours"]
    )
    for row in matrix.rows:
        cells = [row.display_name, row.name, row.folder,
                 *(row.cell(c.id).state for c in matrix.columns),
                 " ".join(row.warehouse_modes), " ".join(row.sync_behaviours)]
        writer.writerow([csv_cell(cell) for cell in cells])
    return buf.getvalue()
