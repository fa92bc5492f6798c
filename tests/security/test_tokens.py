"""Pre-registration takeover (item 10) and reset links (item 12)."""

from __future__ import annotations

from tests.accounts.test_signup import mails_to, register, token_in
from tests.factories import DEFAULT_PASSWORD, ApiClient, make_user


async def test_verifying_the_address_ends_the_squatters_session(app, client):
    # someone signs up with another person's address and stays signed in
    assert (await register(client, display_name="Click here: http://evil.example")).status_code == 201
    squatter = client
    await squatter.sign_in("voter@example.org")
    assert (await squatter.get("/api/me")).status_code == 200
    mail = (await mails_to("voter@example.org"))[0]["body_text"]
    assert "evil" not in mail and "Click here" not in mail  # no text the sign-up form chose
    owner = ApiClient.extra(app)  # the real owner opens the link, not signed in
    token = token_in(mail, "/verify")
    assert (await owner.post("/api/accounts/verify", json={"token": token})).status_code == 200
    assert (await squatter.get("/api/me")).status_code == 401


async def test_the_verifier_signed_in_as_the_account_stays_signed_in(app, client):
    await register(client)
    await client.sign_in("voter@example.org")
    token = token_in((await mails_to("voter@example.org"))[0]["body_text"], "/verify")
    assert (await client.post("/api/accounts/verify", json={"token": token})).status_code == 200
    assert (await client.get("/api/me")).json()["email_verified"] is True


async def test_a_reset_revokes_every_other_reset_link(app, client):
    await make_user(app, "voter@example.org")
    for _ in range(2):
        await client.post("/api/accounts/password-reset", json={"email": "voter@example.org"})
    first, second = [token_in(m["body_text"], "/password-reset/confirm") for m in await mails_to("voter@example.org")]
    done = await client.post("/api/accounts/password-reset/confirm", json={"token": second, "password": "a new long password"})
    assert done.status_code == 200
    late = await client.post("/api/accounts/password-reset/confirm", json={"token": first, "password": "another long password"})
    assert late.status_code == 400 and late.json()["extra"][0]["key"] == "token"
    await client.sign_in("voter@example.org", "a new long password")


async def test_the_reset_token_leaves_the_address_bar_at_once(app, client):
    await make_user(app, "voter@example.org")
    await client.post("/api/accounts/password-reset", json={"email": "voter@example.org"})
    token = token_in((await mails_to("voter@example.org"))[0]["body_text"], "/password-reset/confirm")
    first = await client.get(f"/password-reset/confirm?token={token}")
    assert first.status_code == 303 and first.headers["location"] == "/password-reset/confirm"
    assert token not in first.text
    form = await client.get("/password-reset/confirm")
    assert form.status_code == 200 and f'name="token" value="{token}"' in form.text
    assert "reset_token" not in client.http.cookies  # used once, then gone
    done = await client.post("/password-reset/confirm", data={"token": token, "password": "a new long password"})
    assert done.status_code == 200 and "every session of your account was signed out" in done.text
    assert (await client.post("/api/session", json={"email": "voter@example.org",
                                                    "password": DEFAULT_PASSWORD})).status_code == 401
