"""Public accounts: sign-up, e-mail verification, password reset, change of password."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone

import pytest

from accounts.tables import AccountToken, User
from core.tables import OutgoingMail
from tests.factories import DEFAULT_PASSWORD, ApiClient, make_user


async def mails_to(address: str) -> list[dict]:
    return await OutgoingMail.select().where(OutgoingMail.recipient == address).order_by(OutgoingMail.id)


def token_in(text: str, path: str) -> str:
    match = re.search(rf"http://[^\s]+{re.escape(path)}\?token=([A-Za-z0-9_\-]+)", text)
    assert match, text
    return match.group(1)


async def register(client: ApiClient, email: str = "voter@example.org", password: str = DEFAULT_PASSWORD, **extra):
    return await client.post("/api/accounts", json={"email": email, "password": password, **extra})


async def test_registration_creates_an_unverified_account_and_queues_the_verification_mail(client, settings):
    response = await register(client, "Voter@Example.org", display_name="Grace")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "email_verified"}
    assert body["email"] == "Voter@Example.org" and body["email_verified"] is False
    [mail] = await mails_to("Voter@Example.org")
    assert mail["kind"] == "verify"
    assert "Grace" not in mail["body_text"]  # the mail greets no text the sign-up form chose
    assert f"{settings.base_url}/verify?token=" in mail["body_text"]


async def test_the_address_is_unique_whatever_its_case(client):
    assert (await register(client, "voter@example.org")).status_code == 201
    response = await register(client, "VOTER@example.ORG")
    assert response.status_code == 409
    assert response.json()["extra"] == [{"key": "email", "message": "This address is already registered."}]
    assert await User.count() == 1


@pytest.mark.parametrize(
    ("email", "password", "key"),
    [
        ("not-an-address", DEFAULT_PASSWORD, "email"),
        ("a@b", DEFAULT_PASSWORD, "email"),
        ("", DEFAULT_PASSWORD, "email"),
        ("voter@example.org", "short", "password"),
        ("voter@example.org", "x" * 257, "password"),
        ("longaddress@example.org", "LongAddress@example.org", "password"),
    ],
)
async def test_invalid_registrations_are_422_naming_the_field(client, email, password, key):
    response = await register(client, email, password)
    assert response.status_code == 422
    assert [e["key"] for e in response.json()["extra"]] == [key]
    assert await User.count() == 0
    assert await OutgoingMail.count() == 0


async def test_special_use_domains_are_valid_addresses(client):
    assert (await register(client, "someone@voters.test")).status_code == 201
    assert (await register(client, "o'neil+prizes@sub.example.invalid")).status_code == 201


async def test_fifty_simultaneous_registrations_of_one_address_make_one_account(app, client, settings):
    from main import create_app

    # a generous limit: this test is about the uniqueness race, not the rate limit
    app2 = create_app(settings.replace(rate_limit_registrations_per_ip=settings.rate_limit_registrations_per_ip.parse("1000/minute")))
    async with ApiClient.for_app(app2) as api:
        await api.csrf()
        responses = await asyncio.gather(*(register(api, "race@example.org") for _ in range(50)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1
    assert codes.count(409) == 49
    assert await User.count() == 1
    assert len(await mails_to("race@example.org")) == 1


async def test_an_unverified_account_may_sign_in_and_see_its_state(client):
    await register(client)
    await client.sign_in("voter@example.org")
    assert (await client.get("/api/me")).json()["email_verified"] is False


async def test_the_mailed_token_verifies_the_address_once(client):
    await register(client)
    token = token_in((await mails_to("voter@example.org"))[0]["body_text"], "/verify")
    response = await client.post("/api/accounts/verify", json={"token": token})
    assert response.status_code == 200
    assert response.json()["email_verified"] is True
    again = await client.post("/api/accounts/verify", json={"token": token})
    assert again.status_code == 400
    assert again.json()["extra"][0]["key"] == "token"


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 500])
async def test_a_wrong_token_is_400_naming_token(client, token):
    await register(client)
    response = await client.post("/api/accounts/verify", json={"token": token})
    assert response.status_code == 400
    assert response.json()["extra"][0]["key"] == "token"
    assert (await User.select(User.email_verified).first())["email_verified"] is False


async def test_an_expired_token_is_refused(client):
    await register(client)
    token = token_in((await mails_to("voter@example.org"))[0]["body_text"], "/verify")
    await AccountToken.update({AccountToken.expires_at: datetime.now(timezone.utc) - timedelta(seconds=1)}).where(
        AccountToken.purpose == "verify"
    )
    response = await client.post("/api/accounts/verify", json={"token": token})
    assert response.status_code == 400


async def test_tokens_are_stored_only_as_digests(client):
    await register(client)
    token = token_in((await mails_to("voter@example.org"))[0]["body_text"], "/verify")
    stored = await AccountToken.select(AccountToken.token_hash).first()
    assert token not in stored["token_hash"] and len(stored["token_hash"]) == 64


async def test_the_verify_page_confirms_the_address(client):
    await register(client)
    token = token_in((await mails_to("voter@example.org"))[0]["body_text"], "/verify")
    page = await client.get(f"/verify?token={token}")
    assert page.status_code == 200
    assert "Address confirmed" in page.text
    assert (await User.select(User.email_verified).first())["email_verified"] is True
    bad = await client.get(f"/verify?token={token}")
    assert bad.status_code == 400 and "Link not valid" in bad.text


async def test_resending_the_verification_mail(client):
    await register(client)
    assert (await client.post("/api/accounts/verification-mail")).status_code == 401
    await client.sign_in("voter@example.org")
    response = await client.post("/api/accounts/verification-mail")
    assert response.status_code == 202
    mails = await mails_to("voter@example.org")
    assert len(mails) == 2
    # both links work until one is used; then the account is verified and no more mails
    token = token_in(mails[1]["body_text"], "/verify")
    assert (await client.post("/api/accounts/verify", json={"token": token})).status_code == 200
    assert (await client.post("/api/accounts/verification-mail")).status_code == 409


async def test_resending_is_rate_limited_per_account(settings):
    from main import create_app

    app = create_app(settings.replace(rate_limit_mails_per_account=settings.rate_limit_mails_per_account.parse("2/hour")))
    async with ApiClient.for_app(app) as api:
        await make_user(app, "voter@example.org", verified=False)
        await api.sign_in("voter@example.org")
        codes = [(await api.post("/api/accounts/verification-mail")).status_code for _ in range(3)]
        assert codes == [202, 202, 429]
        refused = await api.post("/api/accounts/verification-mail")
        assert refused.status_code == 429
        assert 3000 <= int(refused.headers["retry-after"]) <= 3600
        assert refused.json()["status_code"] == 429
    assert len(await mails_to("voter@example.org")) == 2


async def test_password_reset_answers_202_whether_or_not_the_address_exists(app, client):
    await make_user(app, "voter@example.org")
    known = await client.post("/api/accounts/password-reset", json={"email": "VOTER@example.org"})
    unknown = await client.post("/api/accounts/password-reset", json={"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(await mails_to("voter@example.org")) == 1
    assert await mails_to("ghost@example.org") == []


async def test_password_reset_sets_the_password_and_ends_every_session(app, client):
    await make_user(app, "voter@example.org")
    await client.sign_in("voter@example.org")
    other = ApiClient.extra(app)
    await other.sign_in("voter@example.org")
    await client.post("/api/accounts/password-reset", json={"email": "voter@example.org"})
    token = token_in((await mails_to("voter@example.org"))[0]["body_text"], "/password-reset/confirm")
    short = await other.post("/api/accounts/password-reset/confirm", json={"token": token, "password": "short"})
    assert short.status_code == 422 and short.json()["extra"][0]["key"] == "password"
    response = await other.post("/api/accounts/password-reset/confirm", json={"token": token, "password": "a new long password"})
    assert response.status_code == 200
    assert (await client.get("/api/me")).status_code == 401
    assert (await other.get("/api/me")).status_code == 401
    bad = await client.post("/api/session", json={"email": "voter@example.org", "password": DEFAULT_PASSWORD})
    assert bad.status_code == 401
    await client.sign_in("voter@example.org", "a new long password")
    reused = await client.post("/api/accounts/password-reset/confirm", json={"token": token, "password": "another long password"})
    assert reused.status_code == 400


async def test_password_reset_requests_are_rate_limited_per_address_existing_or_not(settings):
    from main import create_app

    app = create_app(settings.replace(rate_limit_mails_per_account=settings.rate_limit_mails_per_account.parse("2/hour")))
    async with ApiClient.for_app(app) as api:
        await make_user(app, "voter@example.org")
        for address in ("voter@example.org", "ghost@example.org"):
            codes = [(await api.post("/api/accounts/password-reset", json={"email": address})).status_code for _ in range(3)]
            assert codes == [202, 202, 429]
    assert len(await mails_to("voter@example.org")) == 2


async def test_changing_the_password_keeps_this_session_and_ends_the_others(app, client):
    await make_user(app, "voter@example.org")
    await client.sign_in("voter@example.org")
    other = ApiClient.extra(app)
    await other.sign_in("voter@example.org")
    wrong = await client.post("/api/accounts/password", json={"current_password": "nope nope nope", "new_password": "a new long password"})
    assert wrong.status_code == 422 and wrong.json()["extra"][0]["key"] == "current_password"
    ok = await client.post("/api/accounts/password", json={"current_password": DEFAULT_PASSWORD, "new_password": "a new long password"})
    assert ok.status_code == 200
    assert (await client.get("/api/me")).status_code == 200
    assert (await other.get("/api/me")).status_code == 401
