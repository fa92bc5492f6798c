"""Fixtures of the edition set-up tests: the current edition's year and a signed-in staff member."""

from __future__ import annotations

import pytest

from tests.factories import signed_in


@pytest.fixture
async def year(client):
    return (await client.get("/api/editions/current")).json()["year"]


@pytest.fixture
async def staff(app, client):
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as api:
        yield api
