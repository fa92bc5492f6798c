"""Shapes in of the results API."""

from __future__ import annotations

from datetime import datetime

from core.schemas import Strict

# The columns of the winners and champions lists (JSON items and CSV).
LIST_COLUMNS = ("category", "category_title", "title", "entity", "country", "region", "stakeholder_type", "website")


class ExtendedIn(Strict):
    text: str


class ExtendedRequestsIn(Strict):
    deadline: datetime | None = None


class PublishIn(Strict):
    release_at: datetime | None = None


class ForewordIn(Strict):
    text: str
