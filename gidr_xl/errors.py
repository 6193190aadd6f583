"""Exception hierarchy. Every message is Chinese and names what the user must fix."""


class GidrError(Exception):
    """Root of all errors that end a command with a clear message instead of a traceback."""


class SpecError(GidrError):
    """A format spec in gidr_xl/data/formats/ is malformed: fix the named file and entry."""


class UnusableWorkbookError(GidrError):
    """The input file cannot be read as one of our workbooks (exit code 2): send a valid file."""


class UsageError(GidrError):
    """The command was called with impossible arguments: correct the command line."""
