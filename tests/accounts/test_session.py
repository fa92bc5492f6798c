"""Staff sign-in: sessions, cookies, argon2id, /api/me."""

from __future__ import annotations

from argon2 import PasswordHasher

from accounts.tables import User
from tests.factories import DEFAULT_PASSWORD, ApiClient, make_user


async def test_sign_in_sets_a_session_cookie_and_me_answers(app, client):
    await make_user(app, "staff@example.org", roles=("staff",), display_name="Ada")
    response = await client.post("/api/session", json={"email": "STAFF@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    me = (await client.get("/api/me")).json()
    assert me["email"] == "staff@example.org"
    assert me["display_name"] == "Ada"
    assert me["roles"] == ["staff"]
    assert me["email_verified"] is True
    assert set(me) == {"id", "email", "display_name", "roles", "email_verified"}


async def test_session_cookie_is_httponly_and_samesite_lax_and_not_secure_over_http(app, client):
    await make_user(app, "staff@example.org")
    response = await client.post("/api/session", json={"email": "staff@example.org", "password": DEFAULT_PASSWORD})
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("prizes_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie


async def test_session_cookie_is_secure_when_base_url_is_https(settings, redis_url):
    from main import create_app

    app = create_app(settings.replace(base_url="https://prizes.example.org"))
    async with ApiClient.for_app(app, base_url="https://testserver.local") as api:
        await make_user(app, "staff@example.org")
        response = await api.post("/api/session", json={"email": "staff@example.org", "password": DEFAULT_PASSWORD})
        assert response.status_code == 200
        cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("prizes_session="))
        assert "Secure" in cookie


async def test_wrong_password_and_unknown_address_answer_401_alike(app, client):
    await make_user(app, "staff@example.org")
    wrong = await client.post("/api/session", json={"email": "staff@example.org", "password": "not the password"})
    unknown = await client.post("/api/session", json={"email": "nobody@example.org", "password": DEFAULT_PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert (await client.get("/api/me")).status_code == 401


async def test_session_id_is_replaced_at_sign_in(app, client):
    """No session fixation: an id held before signing in is not the one signed in."""
    await make_user(app, "staff@example.org")
    await client.sign_in("staff@example.org")
    first = client.http.cookies.get("prizes_session")
    await client.sign_in("staff@example.org")
    second = client.http.cookies.get("prizes_session")
    assert first and second and first != second
    planted = ApiClient.extra(app)
    planted.http.cookies.set("prizes_session", first)
    assert (await planted.get("/api/me")).status_code == 401


async def test_sign_out_ends_the_session_on_the_server(app, client):
    await make_user(app, "staff@example.org")
    await client.sign_in("staff@example.org")
    stolen = client.http.cookies.get("prizes_session")
    assert (await client.delete("/api/session")).status_code == 204
    assert (await client.get("/api/me")).status_code == 401
    replay = ApiClient.extra(app)
    replay.http.cookies.set("prizes_session", stolen)
    assert (await replay.get("/api/me")).status_code == 401


async def test_password_is_stored_as_argon2id(app):
    await make_user(app, "staff@example.org")
    row = await User.select(User.password_hash).where(User.email_key == "staff@example.org").first()
    assert row["password_hash"].startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in row["password_hash"]


async def test_hash_made_with_old_parameters_is_upgraded_at_next_sign_in(app, client):
    await make_user(app, "staff@example.org")
    old = PasswordHasher(time_cost=2, memory_cost=512, parallelism=1).hash(DEFAULT_PASSWORD)
    await User.update({User.password_hash: old}).where(User.email_key == "staff@example.org")
    await client.sign_in("staff@example.org")
    row = await User.select(User.password_hash).where(User.email_key == "staff@example.org").first()
    assert row["password_hash"] != old
    assert "m=1024,t=1,p=1" in row["password_hash"]  # the test settings' parameters
    # and the upgraded hash still signs in
    again = ApiClient.extra(app)
    await again.sign_in("staff@example.org")


async def test_an_account_whose_password_changed_is_signed_out_everywhere(app, client):
    from accounts.services import set_password
    from tests.factories import passwords_of

    user = await make_user(app, "staff@example.org")
    await client.sign_in("staff@example.org")
    await set_password(passwords_of(app), user.id, "a brand new password", user.email)
    assert (await client.get("/api/me")).status_code == 401
