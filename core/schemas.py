"""Shapes every domain's API shares: a strict request body and the list answer."""

from __future__ import annotations

import msgspec


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """A request body: unknown fields are refused (400 naming the field)."""


class Page(msgspec.Struct):
    """The list shape of the contract: `{items, total, offset, limit}`."""

    items: list[dict]
    total: int
    offset: int
    limit: int
