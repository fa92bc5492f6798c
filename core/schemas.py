"""Shapes every domain's API shares: a strict request body and the list answer."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.params import PathParameter, QueryParameter


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """A request body: unknown fields are refused (400 naming the field)."""


class Page(msgspec.Struct):
    """The list shape of the contract: `{items, total, offset, limit}`."""

    items: list[dict]
    total: int
    offset: int
    limit: int


# Bounds of every integer a path or a query carries, declared once so that each route's
# OpenAPI schema states them and Litestar refuses a value outside them (400 naming the
# parameter) before any handler, query or database sees it: a year is 2000–2100, and offsets,
# limits and page numbers fit a 32-bit database integer. Routes use these types, never a bare
# `FromPath[int]` / `FromQuery[int]` (tests/test_architecture.py checks).
YEAR_MIN, YEAR_MAX = 2000, 2100
INT_MAX = 2**31 - 1
LIST_LIMIT_MAX = 100

Year = Annotated[int, PathParameter(ge=YEAR_MIN, le=YEAR_MAX, description="an edition's year, 2000–2100")]
YearQuery = Annotated[
    int | None, QueryParameter(ge=YEAR_MIN, le=YEAR_MAX, required=False, description="an edition's year, 2000–2100")
]
Offset = Annotated[int, QueryParameter(ge=0, le=INT_MAX, description="how many items to skip")]
# Larger limits are accepted and answered with at most LIST_LIMIT_MAX items (`page_window`).
Limit = Annotated[int, QueryParameter(ge=1, le=INT_MAX, description="at most this many items (100 at most are sent)")]
PageNumber = Annotated[int, QueryParameter(ge=1, le=INT_MAX, description="the page, from 1")]
Count = Annotated[int | None, QueryParameter(ge=0, le=INT_MAX, required=False)]


def is_year(value: object) -> bool:
    """Whether a value read outside Litestar's parameter parsing (a guard) is a year we serve."""
    return isinstance(value, int) and YEAR_MIN <= value <= YEAR_MAX


def page_window(offset: int, limit: int) -> tuple[int, int]:
    """The offset and limit a list answers with: the limit capped at LIST_LIMIT_MAX."""
    return max(0, offset), min(max(1, limit), LIST_LIMIT_MAX)
