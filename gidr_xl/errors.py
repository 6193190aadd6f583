"""Exception hierarchy. Every message is Chinese and names what the user must fix."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gidr_xl.validate.validator import Result


class GidrError(Exception):
    """Root of all errors that end a command with a clear message instead of a traceback."""


class SpecError(GidrError):
    """A format spec in gidr_xl/data/formats/ is malformed: fix the named file and entry."""


class UnusableWorkbookError(GidrError):
    """The input file cannot be read as one of our workbooks (exit code 2): send a valid file."""


class UsageError(GidrError):
    """The command was called with impossible arguments: correct the command line."""


class OutputExistsError(UsageError):
    """An output file already exists and replacing it was not asked for: choose another name."""


class FailedValidationError(UsageError):
    """The workbook has errors, so no report was written (exit code 1); ``result`` holds the findings."""

    def __init__(self, message: str, result: Result) -> None:
        super().__init__(message)
        self.result = result

    def __reduce__(self) -> tuple[type, tuple[str, Result]]:  # picklable across worker processes
        return type(self), (str(self), self.result)
