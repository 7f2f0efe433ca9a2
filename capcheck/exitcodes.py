"""Process exit codes, shared by every command (documented in README.md)."""

OK = 0
"""Clean run: nothing to report at or above the failure threshold."""

FINDINGS = 1
"""The run worked and found something: check findings, a changed lock, stale docs, failed events."""

USAGE = 2
"""Usage error, unreadable or unusable input, or a path that holds no definition at all."""
