"""Client addresses and sign-in limits (items 3, 4, 5): every X-Forwarded-For line, in
order; IPv4-mapped IPv6 counted as IPv4; limits per network block and per account (failed
attempts only); the password change limited like a sign-in."""

from __future__ import annotations

import ipaddress

from core.ratelimit import network_block
from core.settings import RateLimit
from tests.factories import DEFAULT_PASSWORD, ApiClient, make_user

WRONG = {"email": "voter@example.org", "password": "wrong wrong wrong"}


def test_network_blocks_for_sign_in_are_slash_64_and_mapped_addresses_are_ipv4():
    assert network_block("2001:db8:1:2:3::1", 64) == "2001:db8:1:2::/64"
    assert network_block("::ffff:192.0.2.77", 64) == "192.0.2.0/24"
    assert network_block("::ffff:192.0.2.77") == network_block("192.0.2.1")


async def test_every_forwarded_for_line_is_read_in_order(settings):
    from main import create_app

    app = create_app(settings.replace(rate_limit_logins_per_ip=RateLimit(1, 60),
                                      trusted_proxies=(ipaddress.ip_network("10.0.0.0/8"),)))
    async with ApiClient.for_app(app):
        proxy = ApiClient.extra(app, client_ip="10.1.2.3")
        token = await proxy.csrf()

        async def attempt(client_line: str) -> int:
            # the client's own line first, then the line the proxy added with the real address
            headers = [("x-csrftoken", token), ("x-forwarded-for", client_line),
                       ("x-forwarded-for", "198.51.100.50")]
            return (await proxy.http.post("/api/session", json=WRONG, headers=headers)).status_code

        # a client that changes its own line each time is still one address to the limits
        assert [await attempt(f"203.0.113.{i}") for i in (1, 2)] == [401, 429]


async def test_ipv4_mapped_peers_share_the_ipv4_budget(settings):
    from main import create_app

    app = create_app(settings.replace(rate_limit_logins_per_ip=RateLimit(1, 60)))
    async with ApiClient.for_app(app):
        first = ApiClient.extra(app, client_ip="::ffff:198.51.100.7")
        second = ApiClient.extra(app, client_ip="198.51.100.7")
        assert (await first.post("/api/session", json=WRONG)).status_code == 401
        assert (await second.post("/api/session", json=WRONG)).status_code == 429


async def test_sign_ins_are_limited_per_network_block(settings):
    from main import create_app

    app = create_app(settings.replace(rate_limit_logins_per_network=RateLimit(2, 60)))
    async with ApiClient.for_app(app):
        codes = [(await ApiClient.extra(app, client_ip=f"2001:db8:5:6::{i}").post("/api/session", json=WRONG)).status_code
                 for i in range(1, 4)]
        assert codes == [401, 401, 429]
        other = ApiClient.extra(app, client_ip="2001:db8:5:7::1")
        assert (await other.post("/api/session", json=WRONG)).status_code == 401


async def test_registrations_are_limited_per_network_block(settings):
    from main import create_app

    app = create_app(settings.replace(rate_limit_registrations_per_network=RateLimit(1, 3600)))
    async with ApiClient.for_app(app):
        codes = [(await ApiClient.extra(app, client_ip=f"192.0.2.{i}").post(
            "/api/accounts", json={"email": f"r{i}@example.org", "password": DEFAULT_PASSWORD})).status_code
            for i in (1, 2)]
        assert codes == [201, 429]


async def test_failed_sign_ins_are_limited_per_account_whatever_the_address(settings):
    from main import create_app

    app = create_app(settings.replace(rate_limit_logins_per_account=RateLimit(2, 900)))
    async with ApiClient.for_app(app):
        await make_user(app, "voter@example.org")
        codes = [(await ApiClient.extra(app, client_ip=f"203.0.{i}.1").post("/api/session", json=WRONG)).status_code
                 for i in range(3)]
        assert codes == [401, 401, 429]
        right = {"email": "VOTER@example.org", "password": DEFAULT_PASSWORD}
        refused = await ApiClient.extra(app, client_ip="203.0.9.1").post("/api/session", json=right)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        # another account is not affected
        await make_user(app, "other@example.org")
        other = {"email": "other@example.org", "password": DEFAULT_PASSWORD}
        assert (await ApiClient.extra(app, client_ip="203.0.9.1").post("/api/session", json=other)).status_code == 200


async def test_successful_sign_ins_do_not_count_against_the_account(settings):
    from main import create_app

    app = create_app(settings.replace(rate_limit_logins_per_account=RateLimit(2, 900)))
    async with ApiClient.for_app(app):
        await make_user(app, "voter@example.org")
        right = {"email": "voter@example.org", "password": DEFAULT_PASSWORD}
        codes = [(await ApiClient.extra(app).post("/api/session", json=right)).status_code for _ in range(3)]
        assert codes == [200, 200, 200]


async def test_password_changes_are_limited(settings):
    from main import create_app

    app = create_app(settings.replace(rate_limit_logins_per_account=RateLimit(2, 900)))
    async with ApiClient.for_app(app):
        await make_user(app, "voter@example.org")
        api = ApiClient.extra(app)
        await api.sign_in("voter@example.org")
        body = {"current_password": "not the password", "new_password": "another long password"}
        codes = [(await api.post("/api/accounts/password", json=body)).status_code for _ in range(3)]
        assert codes[:2] == [401, 401] or codes[:2] == [403, 403] or codes[:2] == [422, 422], codes
        assert codes[2] == 429
