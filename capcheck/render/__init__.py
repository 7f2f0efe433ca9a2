"""Renderers: one module per output format. Renderers take models, never files."""

# `capcheck check --output-format NAME` -> renderer module (imported lazily).
CHECK_FORMATS: dict[str, str] = {
    "text": "capcheck.render.check_text",
    "json": "capcheck.render.check_json",
    "github": "capcheck.render.check_github",
    "sarif": "capcheck.render.check_sarif",
    "junit": "capcheck.render.check_junit",
}
