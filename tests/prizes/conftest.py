"""Fixtures of the edition set-up tests: the current edition's year
(the signed-in `staff` is tests/conftest.py's)."""

from __future__ import annotations

import pytest


@pytest.fixture
async def year(client):
    return (await client.get("/api/editions/current")).json()["year"]
