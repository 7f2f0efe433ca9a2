"""Renderers: one module per output format. Renderers take models, never files."""
