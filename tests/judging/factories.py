"""Set-up for judging tests, spelt out: projects submitted through the API, judges assigned
through the API, the finalists marked as the voting domain would."""

from __future__ import annotations

from core.audit import Actor
from judging import services
from core.clock import utcnow
from prizes.nominations.tables import Nomination
from tests.factories import ApiClient, make_user, project, words_text

SCORES = {"action_line": 7, "impact": 8, "empowerment": 6, "sdgs": 7, "replication": 5, "sustainability": 6,
          "partnerships": 7, "wsis_values": 8}


def scores(value: int | None = None, **overrides) -> dict:
    """A full sheet of the default rubric: SCORES, or every criterion at `value`."""
    base = dict(SCORES) if value is None else {key: value for key in SCORES}
    base.update(overrides)
    return base


async def submit_project(owner: ApiClient, n: int, **overrides) -> str:
    """Drafts and submits the `n`-th test project (its own entity, title and description);
    its id."""
    fields = {"title": f"Project {n} for community health", "entity_name": f"Entity {n}",
              "short_description": words_text(170, f"Seed{n}x"), **overrides}
    body = project(**fields)
    created = await owner.post("/api/nominations", json=body)
    assert created.status_code == 201, created.text
    submitted = await owner.post(f"/api/nominations/{created.json()['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    return created.json()["id"]


async def judge_account(app, email: str, categories: tuple[str, ...] = ("C7.4",)) -> None:
    """A verified judge on the panels of `categories` of the current edition."""
    await make_user(app, email, roles=("judge",), display_name=email.partition("@")[0].title())
    for code in categories:
        await services.assign_judge(email, code, None, Actor.system(), utcnow())


async def make_finalists(*ids: str) -> None:
    """What the voting domain does at the end of voting: these projects become finalists."""
    await Nomination.update({Nomination.status: "finalist"}).where(Nomination.id.is_in(list(ids)))

