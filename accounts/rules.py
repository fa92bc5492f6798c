"""Pure rules for accounts: address syntax and the password policy."""

from __future__ import annotations

import re
from datetime import timedelta

from accounts.tables import ROLES  # noqa: F401 (re-exported for services)
from core.errors import FieldError
from core.i18n import gettext as _

# Syntax only: no DNS, and special-use domains such as `.test` are valid addresses.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")



VERIFY_TOKEN_TTL = timedelta(hours=48)
RESET_TOKEN_TTL = timedelta(hours=1)

PASSWORD_MIN = 10
PASSWORD_MAX = 256


def fold_email(email: str) -> str:
    """The key that makes addresses unique regardless of letter case."""
    return email.strip().lower()


def is_valid_email(email: str) -> bool:
    return len(email) <= 254 and len(email.partition("@")[0]) <= 64 and _EMAIL.fullmatch(email) is not None


def password_errors(password: str, email: str | None = None, key: str = "password") -> list[FieldError]:
    """10 to 256 characters, not the address itself; no composition rules."""
    if len(password) < PASSWORD_MIN:
        return [FieldError(key, _("Use at least %(count)d characters.", count=PASSWORD_MIN))]
    if len(password) > PASSWORD_MAX:
        return [FieldError(key, _("Use at most %(count)d characters.", count=PASSWORD_MAX))]
    if "\x00" in password:
        return [FieldError(key, _("The password contains a character that is not allowed."))]
    if email and password.strip().lower() == fold_email(email):
        return [FieldError(key, _("The password must not be your e-mail address."))]
    return []
