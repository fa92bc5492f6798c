"""Generic checks on text that people type: no control characters, bounded length.

Domain rules (word counts, enumerations) live in each domain's `rules.py`; this module only
guarantees that what we store is text a database and a page can hold.
"""

from __future__ import annotations

import re
import unicodedata

from core.errors import FieldErrors
from core.i18n import gettext as _

# C0 controls other than tab, newline and carriage return; NUL is refused by PostgreSQL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(
    errors: FieldErrors,
    key: str,
    value: str | None,
    *,
    max_length: int,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """Normalise (NFC, trimmed) and check one text field; record a field error if it fails."""
    text = unicodedata.normalize("NFC", value or "").strip()
    if _CONTROL.search(text) or (not multiline and ("\n" in text or "\r" in text)):
        errors.add(key, _("Contains control characters that are not allowed."))
        return text
    if required and not text:
        errors.add(key, _("This field is required."))
    elif len(text) > max_length:
        errors.add(key, _("At most %(max)d characters (got %(count)d).", max=max_length, count=len(text)))
    return text
