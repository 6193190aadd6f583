"""Why the server refuses a request, in the service's own terms (no HTTP here).

The service, the accounts and the worker processes raise these; errors.py maps each kind to its
HTTP status in one handler. Every message is Chinese and shown to the user as it is. The classes
take one argument, so they pickle unchanged across the worker-process boundary.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal with a message for the user (Chinese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ServiceError):
    """The request or the uploaded file cannot be used (empty, unreadable, unknown option)."""


class NotLoggedIn(ServiceError):
    """No valid session, or a wrong user name or password."""


class Forbidden(ServiceError):
    """The account may not do this (role, disabled account, failed CSRF check)."""


class NotFound(ServiceError):
    """The record does not exist, or is not visible to this account (the same answer for both)."""


class Conflict(ServiceError):
    """The request contradicts stored data (another report year, a newer version, failed validation)."""


class TooLarge(ServiceError):
    """An upload beyond the size, decompressed-size or cell limits."""


class Unsupported(ServiceError):
    """A file kind the server refuses to process (macros)."""


class Invalid(ServiceError):
    """A field value that is not acceptable (empty comment, invisible characters)."""


class TooManyAttempts(ServiceError):
    """Too many failed logins: wait before the next one."""


class Busy(ServiceError):
    """The server cannot do it now (workers lost, write conflicts); trying again later may work."""
