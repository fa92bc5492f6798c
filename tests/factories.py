"""Factories with explicit defaults, and an API client that behaves like a browser: it
keeps cookies and sends the CSRF token header on unsafe requests (unless told not to)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import urlencode

import httpx
from litestar import Litestar

from accounts import services as account_services
from accounts.passwords import Passwords

DEFAULT_PASSWORD = "correct horse battery staple"


@contextlib.asynccontextmanager
async def running(app: Litestar):
    """The app's lifespan, entered and left by one task of this loop (anyio's task groups
    inside it must not change task), while the test goes on in its own."""
    started, stop = asyncio.Event(), asyncio.Event()
    failure: list[BaseException] = []

    async def run() -> None:
        try:
            async with app.lifespan():
                started.set()
                await stop.wait()
        except BaseException as error:
            failure.append(error)
            started.set()

    task = asyncio.create_task(run())
    await started.wait()
    if failure:
        raise failure[0]
    try:
        yield app
    finally:
        stop.set()
        await task
        if failure:
            raise failure[0]


class ApiClient:
    def __init__(self, app: Litestar, client: httpx.AsyncClient) -> None:
        self.app = app
        self.http = client

    @classmethod
    @contextlib.asynccontextmanager
    async def for_app(cls, app: Litestar, base_url: str = "http://testserver.local"):
        """Runs the app's lifespan in this event loop (Litestar's test client would run it in
        a thread of its own, away from the loop the requests use)."""
        async with running(app):
            async with cls.extra(app, base_url).http as client:
                yield cls(app, client)

    @classmethod
    def extra(cls, app: Litestar, base_url: str = "http://testserver.local", client_ip: str = "127.0.0.1") -> "ApiClient":
        """A further client (its own cookies) that does not run the app's lifespan again."""
        transport = httpx.ASGITransport(app=app, client=(client_ip, 50000))
        return cls(app, httpx.AsyncClient(transport=transport, base_url=base_url, follow_redirects=False))

    async def csrf(self) -> str:
        token = self.http.cookies.get("csrftoken")
        if not token:
            await self.http.get("/api/editions/current")
            token = self.http.cookies.get("csrftoken")
        return token

    async def request(self, method: str, url: str, *, csrf: bool = True, **kwargs: Any):
        headers = dict(kwargs.pop("headers", {}) or {})
        if csrf and method.upper() not in {"GET", "HEAD", "OPTIONS"}:
            headers.setdefault("x-csrftoken", await self.csrf())
        return await self.http.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs: Any):
        return await self.request("GET", url, **kwargs)

    async def post_form(self, url: str, data: dict | list[tuple[str, str]]):
        """A form as a browser posts it: urlencoded, the CSRF token as a field (no header)."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        return await self.request("POST", url, csrf=False, content=urlencode(pairs + [("_csrf_token", await self.csrf())]),
                                  headers={"content-type": "application/x-www-form-urlencoded"})

    async def post(self, url: str, **kwargs: Any):
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any):
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any):
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any):
        return await self.request("DELETE", url, **kwargs)

    async def sign_in(self, email: str, password: str = DEFAULT_PASSWORD):
        response = await self.post("/api/session", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return response.json()


def passwords_of(app: Litestar) -> Passwords:
    return app.state["passwords"]


async def make_user(
    app: Litestar,
    email: str = "person@example.org",
    *,
    password: str = DEFAULT_PASSWORD,
    roles: tuple[str, ...] = (),
    verified: bool = True,
    display_name: str = "",
):
    return await account_services.create_user(
        passwords_of(app), email, password, display_name, verified=verified, roles=roles
    )


async def signed_in(app: Litestar, email: str, roles: tuple[str, ...] = (), verified: bool = True):
    """A new ApiClient context for a new account with these roles, signed in."""
    await make_user(app, email, roles=roles, verified=verified)
    return _SignedIn(app, email)


class _SignedIn:
    """Another browser on an app whose lifespan the `client` fixture already runs."""

    def __init__(self, app: Litestar, email: str) -> None:
        self.app, self.email = app, email
        self.api: ApiClient | None = None

    async def __aenter__(self) -> ApiClient:
        self.api = ApiClient.extra(self.app)
        await self.api.sign_in(self.email)
        return self.api

    async def __aexit__(self, *exc) -> None:
        await self.api.http.aclose()


LOREM = (
    "Community health workers in rural districts use a shared mobile record to follow pregnant women, "
    "newborns and children under five, with reminders for visits and vaccines, referrals to clinics, "
    "and monthly dashboards that district teams use to plan outreach and supplies. "
)


def words_text(n: int, seed: str = "") -> str:
    """Exactly `n` words of plausible prose; a `seed` makes a text that shares no word with
    another seed's (so near-duplicate detection leaves it alone)."""
    base = (LOREM * (n // 40 + 2)).split()[:n]
    return " ".join(f"{seed}{w}" if seed else w for w in base)


def project(**overrides) -> dict:
    """A complete project that passes every submission rule, with explicit defaults."""
    body = {
        "category": "C7.4",
        "title": "Mobile records for community health",
        "entity_name": "Ministry of Health",
        "stakeholder_type": "government",
        "country": "KE",
        "region": "africa",
        "contact_name": "Amina Odhiambo",
        "contact_email": "amina@health.example.org",
        "website": "https://health.example.org/records",
        "short_description": words_text(170),
        "sdgs": [3, 10],
        "sdg_linkages": words_text(60, "Goal"),
        "impact": words_text(60, "Impact"),
        "partnerships": words_text(60, "Partners"),
        "challenges": words_text(60, "Challenges"),
        "project_status": "completed",
        "started_on": "2021-03-01",
        "owned_by_submitter": True,
        "declarations": {"english": True, "accurate": True, "consent": True},
    }
    body.update(overrides)
    return body


async def set_phase(app, phase: str) -> None:
    """Move the current edition to `phase` as staff would (audited, through the service)."""
    from core.audit import Actor
    from prizes.editions.queries import current_year
    from core.clock import utcnow
    from prizes.editions.services import move_phase

    year = await current_year(utcnow())
    await move_phase(year, phase, "test set-up", Actor.system(), utcnow())


_approvers = iter(range(1, 1_000_000))


async def publish_results(app, staff: ApiClient, year: int, release_at: str | None = None) -> httpx.Response:
    """Publish as the contest does (four eyes): `staff` asks, a second staff account approves.
    Answers the approval's response (200 `{state, release_at}`)."""
    body = {"release_at": release_at} if release_at else None
    asked = await staff.post(f"/api/editions/{year}/publish", json=body)
    assert asked.status_code == 202, asked.text
    async with await signed_in(app, f"approver{next(_approvers)}@example.org", roles=("staff",)) as approver:
        return await approver.post(f"/api/editions/{year}/publish/approve")


async def one_step_publication(staff: ApiClient, year: int) -> None:
    """For a test about something else: the edition publishes in one step
    (`publication_approvals` 0), as a small contest may choose."""
    response = await staff.patch(f"/api/editions/{year}", json={"settings": {"publication_approvals": 0}})
    assert response.status_code == 200, response.text
