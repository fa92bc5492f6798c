"""The one clock of the application: every "now" comes from `utcnow`, so there is one place
to read the time (and one place a test can move it)."""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
