"""Signed-in clients for judging tests: an owner, staff, and judges on the C7.4 panel."""

from __future__ import annotations

import pytest

from tests.factories import ApiClient, signed_in
from tests.judging.factories import judge_account


async def _client(app, email: str) -> ApiClient:
    api = ApiClient.extra(app)
    await api.sign_in(email)
    return api


@pytest.fixture
async def owner(app, client):
    """Submits projects; address at owner.example.net (no judge shares it)."""
    async with await signed_in(app, "owner@owner.example.net") as api:
        yield api


@pytest.fixture
async def staff(app, client):
    async with await signed_in(app, "staff@secretariat.example", roles=("staff",)) as api:
        yield api


@pytest.fixture
async def judge(app, client):
    """Ada, on the C7.4 panel."""
    await judge_account(app, "ada@judges.example", ("C7.4",))
    api = await _client(app, "ada@judges.example")
    yield api
    await api.http.aclose()


@pytest.fixture
async def judge2(app, client):
    """Bob, on the C7.4 panel too."""
    await judge_account(app, "bob@panel.example", ("C7.4",))
    api = await _client(app, "bob@panel.example")
    yield api
    await api.http.aclose()


@pytest.fixture
async def outsider(app, client):
    """Cy, a judge on the C1 panel only."""
    await judge_account(app, "cy@elsewhere.example", ("C1",))
    api = await _client(app, "cy@elsewhere.example")
    yield api
    await api.http.aclose()
