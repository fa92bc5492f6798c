"""Voting tests run with vote limits high enough not to get in the way (tests of the limits
set their own) and without the tally sweeper (tests of it call it themselves)."""

from __future__ import annotations

import pytest

from core.settings import RateLimit
from tests.conftest import make_settings

GENEROUS = dict(
    rate_limit_votes_per_ip=RateLimit(100_000, 60),
    rate_limit_votes_per_account=RateLimit(100_000, 60),
    rate_limit_votes_per_network=RateLimit(100_000, 60),
)


def voting_settings(**overrides):
    base = make_settings()
    values = {**GENEROUS, "extra": {**base.extra, "PRIZES_TALLY_SWEEP_SECONDS": "0"}}
    values.update(overrides)
    return base.replace(**values)


@pytest.fixture
def settings(redis_url):
    return voting_settings()
