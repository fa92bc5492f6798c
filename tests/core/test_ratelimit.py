"""Rate limits: exact under concurrency, 429 with Retry-After, client address rules."""

from __future__ import annotations

import asyncio
import ipaddress
import secrets

import pytest

from core.ratelimit import RateLimiter, network_block
from core.redis import make_client
from core.settings import RateLimit
from tests.factories import DEFAULT_PASSWORD, ApiClient, make_user


@pytest.fixture
async def limiter(redis_url):
    client = make_client(redis_url)
    yield RateLimiter(client)
    await client.aclose(close_connection_pool=True)


async def test_two_hundred_concurrent_attempts_against_a_limit_of_fifty_let_exactly_fifty_through(limiter):
    verdicts = await asyncio.gather(*(limiter.hit("t", "subject", RateLimit(50, 60)) for _ in range(200)))
    assert sum(v.allowed for v in verdicts) == 50
    assert all(1 <= v.retry_after <= 60 for v in verdicts if not v.allowed)


async def test_the_window_slides(limiter):
    limit = RateLimit(2, 1)
    assert [(await limiter.hit("t", "s", limit)).allowed for _ in range(3)] == [True, True, False]
    await asyncio.sleep(1.05)
    assert (await limiter.hit("t", "s", limit)).allowed


async def test_subjects_and_names_are_counted_apart(limiter):
    limit = RateLimit(1, 60)
    assert (await limiter.hit("a", "s1", limit)).allowed
    assert (await limiter.hit("a", "s2", limit)).allowed
    assert (await limiter.hit("b", "s1", limit)).allowed
    assert not (await limiter.hit("a", "s1", limit)).allowed


async def test_several_windows_in_one_round_trip_are_each_exact_under_concurrency(limiter):
    attempts = [("ip", "198.51.100.7", RateLimit(30, 60)), ("account", "a1", RateLimit(50, 60)),
                ("block", "198.51.100.0/24", RateLimit(80, 60))]
    results = await asyncio.gather(*(limiter.hit_many(attempts) for _ in range(120)))
    assert [sum(r[i].allowed for r in results) for i in range(3)] == [30, 50, 80]
    assert all(1 <= r[0].retry_after <= 60 for r in results if not r[0].allowed)
    # counted in the same windows as one `hit` at a time
    assert not (await limiter.hit("account", "a1", RateLimit(50, 60))).allowed
    assert (await limiter.hit("account", "a2", RateLimit(50, 60))).allowed


async def test_several_windows_still_count_when_redis_does_not_have_the_script(limiter):
    # A script text Redis has never seen (as after a restart; SCRIPT FLUSH would disturb
    # other test workers sharing the server): the pipeline gets NOSCRIPT and must still count.
    from core.ratelimit import _SLIDING_WINDOW

    limiter._script = limiter.redis.register_script(_SLIDING_WINDOW + f"\n-- {secrets.token_hex(8)}")
    verdicts = await limiter.hit_many([("x", "s", RateLimit(1, 60)), ("y", "s", RateLimit(1, 60))])
    assert [v.allowed for v in verdicts] == [True, True]
    assert [v.allowed for v in await limiter.hit_many([("x", "s", RateLimit(1, 60))])] == [False]


def test_network_blocks():
    assert network_block("192.0.2.77") == "192.0.2.0/24"
    assert network_block("2001:db8:1234:5678::1") == "2001:db8:1234::/48"


async def test_log_ins_are_limited_per_client_address(settings):
    from main import create_app

    app = create_app(settings.replace(rate_limit_logins_per_ip=RateLimit(3, 60)))
    async with ApiClient.for_app(app):
        await make_user(app, "voter@example.org")
        first, second = ApiClient.extra(app, client_ip="198.51.100.7"), ApiClient.extra(app, client_ip="198.51.100.8")
        body = {"email": "voter@example.org", "password": "wrong wrong wrong"}
        codes = [(await first.post("/api/session", json=body)).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        refused = await first.post("/api/session", json={"email": "voter@example.org", "password": DEFAULT_PASSWORD})
        assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
        assert (await second.post("/api/session", json=body)).status_code == 401


async def test_registrations_are_limited_per_client_address(settings):
    from main import create_app

    app = create_app(settings.replace(rate_limit_registrations_per_ip=RateLimit(2, 3600)))
    async with ApiClient.for_app(app) as api:
        codes = [
            (await api.post("/api/accounts", json={"email": f"v{i}@example.org", "password": DEFAULT_PASSWORD})).status_code
            for i in range(3)
        ]
        assert codes == [201, 201, 429]


async def test_forwarded_for_is_believed_only_from_trusted_proxies(settings):
    from main import create_app

    app = create_app(settings.replace(rate_limit_logins_per_ip=RateLimit(1, 60),
                                      trusted_proxies=(ipaddress.ip_network("10.0.0.0/8"),)))
    body = {"email": "nobody@example.org", "password": "wrong wrong wrong"}
    async with ApiClient.for_app(app):
        proxy = ApiClient.extra(app, client_ip="10.1.2.3")
        # behind the trusted proxy, two different clients are two budgets
        for client in ("203.0.113.1", "203.0.113.2"):
            response = await proxy.post("/api/session", json=body, headers={"x-forwarded-for": f"{client}, 10.9.9.9"})
            assert response.status_code == 401
        # an untrusted peer cannot choose its address by sending the header
        direct = ApiClient.extra(app, client_ip="198.51.100.9")
        codes = [
            (await direct.post("/api/session", json=body, headers={"x-forwarded-for": f"203.0.113.{i}"})).status_code
            for i in (10, 11)
        ]
        assert codes == [401, 429]


def test_two_app_processes_never_let_more_log_ins_through_than_the_limit(redis_url):
    """Two granian workers share the limit through Redis: of 40 concurrent attempts from one
    address against a limit of 10, exactly 10 are let through."""
    import concurrent.futures

    import httpx

    from tests.servers import _env, serving

    env = _env(REDIS_URL=redis_url, RATE_LIMIT_LOGINS_PER_IP="10/minute", PHASE_TICK_SECONDS="0")
    with serving("--workers", "2", "--no-migrate", env=env) as (base, _process):
        def attempt(_i: int) -> int:
            with httpx.Client(base_url=base, timeout=30) as http:
                http.get("/api/editions/current")
                token = http.cookies.get("csrftoken")
                response = http.post("/api/session", json={"email": "nobody@example.org", "password": "wrong wrong wrong"},
                                     headers={"x-csrftoken": token})
                return response.status_code

        with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
            codes = list(pool.map(attempt, range(40)))
    assert codes.count(401) == 10
    assert codes.count(429) == 30
