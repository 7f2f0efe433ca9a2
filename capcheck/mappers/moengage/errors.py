"""The exceptions of the mapper: MappingError (one event), RowsError (a rows run)."""

from __future__ import annotations


class MappingError(Exception):
    """An event production would reject: same message, same status code.

    400 is bad input or configuration (production's instrumentation and configuration
    errors); 500 is where production itself fails with a JavaScript TypeError on garbage
    input (e.g. a null message), which its service reports as a 500.
    """

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code

    def __repr__(self) -> str:
        return f"MappingError({self.message!r}, status_code={self.status_code})"


class RowsError(Exception):
    """A problem with the column mapping or the rows file as a whole (usage error)."""
