"""Factories for voting tests, with explicit defaults: nominated projects written straight to
the database (the way there through the API is tested in tests/prizes), voters signed in
through the API, and the edition moved to its voting phase as staff would."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID

from accounts.tables import User
from prizes.editions.queries import current_year
from core.clock import utcnow
from prizes.editions.tables import Category, Edition
from prizes.nominations.tables import Nomination
from tests.factories import ApiClient, make_user, set_phase


async def owner_id(app, email: str = "owner@example.org") -> UUID:
    row = await User.select(User.id).where(User.email_key == email.lower()).first()
    if row:
        return row["id"]
    return (await make_user(app, email)).id


async def nominated(app, *, category: str = "C7.4", title: str = "Mobile records for community health",
                    status: str = "nominated", owner: str = "owner@example.org", year: int | None = None,
                    submitted_at: datetime | None = None) -> str:
    """A project of the current edition (or `year`'s) with `status`; returns its id."""
    year = year or await current_year(utcnow())
    edition = await Edition.select(Edition.id).where(Edition.year == year).first()
    category_row = await Category.select(Category.id).where(
        (Category.edition == edition["id"]) & (Category.code == category)
    ).first()
    nomination = Nomination(
        edition=edition["id"], category=category_row["id"], owner=await owner_id(app, owner), status=status,
        title=title, entity_name=f"Entity of {title}", entity_key=f"entity of {title}".lower(), country="KE",
        region="africa",
        submitted_at=submitted_at or datetime(2026, 1, 1, tzinfo=timezone.utc),
    )
    await Nomination.insert(nomination)
    return str(nomination.id)


async def open_voting(app) -> int:
    await set_phase(app, "voting")
    return await current_year(utcnow())


async def voter(app, email: str, *, verified: bool = True, client_ip: str = "127.0.0.1") -> ApiClient:
    """A new account, signed in from `client_ip`. Close it with `await api.http.aclose()`."""
    await make_user(app, email, verified=verified)
    api = ApiClient.extra(app, client_ip=client_ip)
    await api.sign_in(email)
    return api


async def vote(api: ApiClient, nomination_id: str):
    return await api.post("/api/votes", json={"nomination_id": nomination_id})


async def record_vote(nomination_id: str, voter_id: UUID, *, cast_at: datetime | None = None,
                      network: str = "192.0.2.0/24", email_domain: str = "example.org", valid: bool = True) -> str:
    """A vote written straight to the record (for fraud and finalist tests that need votes
    spread over time or places); tallies see it after a rebuild. Returns its id."""
    from uuid import uuid4

    from voting.queries import vote_target
    from voting.rules import new_receipt
    from voting.tables import Vote

    target = await vote_target(nomination_id)
    vote = Vote(id=uuid4(), edition=target.edition.id, category=target.category_id, nomination=target.nomination_id,
                voter=voter_id, cast_at=cast_at or utcnow(), receipt=new_receipt(), client_address=network.split("/")[0],
                network=network, email_domain=email_domain, valid=valid)
    await Vote.insert(vote)
    return str(vote.id)


async def accounts(app, count: int, *, prefix: str = "p", domain: str = "example.org",
                   created_at: datetime | None = None) -> list[UUID]:
    """`count` verified accounts, made at `created_at` (default: 1 January 2026)."""
    ids = []
    for i in range(count):
        user = await make_user(app, f"{prefix}{i}@{domain}")
        ids.append(user.id)
    when = created_at or datetime(2026, 1, 1, tzinfo=timezone.utc)
    await User.update({User.created_at: when}).where(User.id.is_in(ids))
    return ids
