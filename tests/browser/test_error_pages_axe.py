"""axe-core on the error pages (issue 12): 404 and 403 have no violation."""

from __future__ import annotations

import pytest

from accounts.passwords import Passwords
from accounts.services import create_user

pytestmark = pytest.mark.browser


async def test_the_404_and_403_pages_pass_axe(page, edition, assert_accessible):
    await create_user(Passwords(1, 1024, 1), "voter@voters.example", "a voter's passphrase", "Voter", verified=True)
    response = await page.goto("/no-such-page")
    assert response.status == 404
    await assert_accessible(page, "the 404 page")
    await page.goto("/login")
    await page.fill("#f-email", "voter@voters.example")
    await page.fill("#f-password", "a voter's passphrase")
    await page.get_by_role("button", name="Sign in").click()
    response = await page.goto("/staff")
    assert response.status == 403
    await assert_accessible(page, "the 403 page")
