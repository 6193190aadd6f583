"""Passwords (argon2), signed session cookies (Starlette), CSRF tokens for forms."""

from __future__ import annotations

import hmac
import os
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

_HASHER = PasswordHasher()
# argon2 takes ~64 MiB and tens of ms per check (it releases the GIL): at most this many at once
# per process, so a burst of logins cannot exhaust memory or every thread of the pool.
_CHECKS = threading.BoundedSemaphore(int(os.environ.get("GIDR_MAX_PASSWORD_CHECKS", "4")))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def check_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the argon2 hash ``stored`` (never raises)."""
    with _CHECKS:
        try:
            return _HASHER.verify(stored, password)
        except VerificationError:
            return False
        except Exception:
            return False


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
