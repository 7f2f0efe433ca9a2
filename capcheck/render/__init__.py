"""Renderers: one module per output format. Renderers take models, never files.

Each command's formats are a registry below (format name -> module, imported lazily);
adding a format is one module plus one line here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# `capcheck audit --format NAME`: modules with render(reports, errors) -> str.
AUDIT_FORMATS: dict[str, str] = {
    "markdown": "capcheck.render.markdown",
    "json": "capcheck.render.json_report",
    "table": "capcheck.render.table",
}

# `capcheck check --output-format NAME`: modules with render(result) -> str.
CHECK_FORMATS: dict[str, str] = {
    "text": "capcheck.render.check_text",
    "json": "capcheck.render.check_json",
    "github": "capcheck.render.check_github",
    "sarif": "capcheck.render.check_sarif",
    "junit": "capcheck.render.check_junit",
}

# `capcheck matrix --format NAME`: modules with render(matrix) -> str.
MATRIX_FORMATS: dict[str, str] = {
    "markdown": "capcheck.render.matrix_markdown",
    "html": "capcheck.render.matrix_html",
    "csv": "capcheck.render.matrix_csv",
    "json": "capcheck.render.matrix_json",
    "table": "capcheck.render.matrix_table",
}

# `capcheck diff --output-format NAME`: modules with render(result) -> str.
DIFF_FORMATS: dict[str, str] = {
    "text": "capcheck.render.diff_text",
    "markdown": "capcheck.render.diff_markdown",
    "json": "capcheck.render.diff_json",
    "github": "capcheck.render.diff_github",
}


def renderer(formats: dict[str, str], name: str) -> ModuleType:
    """The renderer module registered for ``name`` in ``formats``."""
    return importlib.import_module(formats[name])
