"""Four-eyes publication with a release time (the actions; reads in `queries`).

With the edition setting `publication_approvals` at 1 (the default), one staff member asks
(`request_publication`, optionally with a `release_at`), another approves
(`approve_publication`; the requester may not — a service check and a database CHECK), and
either may cancel before the release (`cancel_publication`; any staff member may, since any
other one could approve). At 0 the request is approved at once (today's one-step). Approval
stamps `Edition.published_at` with the release instant (the request's `release_at`, or now):
the results are public from that instant on every process (`queries.publication` compares it
with now on each request). The laureates' mails are queued once, by `release_due`, called at
approval when the instant has passed and by every process's phase ticker otherwise (a
compare-and-set on `PublicationRequest.mailed_at`). Changing the winners cancels a request
that is not released yet (`cancel_live_request`, from `services.set_winners`).
"""

from __future__ import annotations

from datetime import datetime

from core import audit
from core.audit import Actor
from core.db import is_unique_violation, transaction
from core.errors import Conflict, FieldError, Forbidden, InvalidInput
from core.i18n import gettext as _
from core.i18n import in_language
from core.mail import Mail, enqueue
from core.templating import render_text
from prizes.editions import queries as editions
from prizes.editions.rules import SETTINGS_SPEC, category_title, titles_of
from prizes.editions.services import require_phase
from prizes.editions.tables import Edition
from prizes.nominations.rules import LAUREATE_STATUSES
from prizes.nominations.tables import Nomination
from prizes.results import queries
from prizes.results.queries import decisions, publication, publication_status
from prizes.results.tables import PublicationRequest


def _already_published(year: int) -> Conflict:
    return Conflict(_("The results of the %(year)s edition are already published.", year=year),
                    [FieldError("published_at", _("Already published."))])


def _approvals(edition) -> int:
    return int(edition.settings.get("publication_approvals", SETTINGS_SPEC["publication_approvals"][0]))


async def _laureates(edition_id: int) -> list[dict]:
    return await Nomination.select(
        Nomination.id, Nomination.title, Nomination.status, Nomination.owner.email.as_alias("email"),
        Nomination.owner.language.as_alias("language"),
        Nomination.category.code.as_alias("code"), Nomination.category.title.as_alias("category_title"),
        Nomination.category.titles.as_alias("category_titles"),
    ).where((Nomination.edition == edition_id) & Nomination.status.is_in(list(LAUREATE_STATUSES)))


async def _require_publishable(year: int, now: datetime):
    """The announcement phase, every category with finalists decided, some laureates, and
    not published yet."""
    edition = await editions.get_edition(year)
    require_phase(edition, "announcement", now)
    state = await publication(year, now)
    if state.is_published:
        raise _already_published(year)
    standing = await decisions(year)
    if standing["undecided"]:
        raise Conflict(
            _("Choose the winners of every category first; still undecided: %(codes)s.",
              codes=", ".join(standing["undecided"])),
            [FieldError(code, _("Winners not chosen yet.")) for code in standing["undecided"]],
        )
    if not await _laureates(state.edition_id):
        raise Conflict(_("There are no winners or champions to publish."), [FieldError("winners", _("None chosen."))])
    return edition, state


def _no_request(year: int) -> Conflict:
    return Conflict(_("There is no publication request awaiting approval for the %(year)s edition.", year=year),
                    [FieldError("state", _("Nothing to approve."))])


async def _approve(row: dict, actor: Actor | None, year: int, now: datetime) -> datetime:
    """Inside a transaction: mark the request approved and stamp the release instant."""
    release = row["release_at"] if row["release_at"] is not None and row["release_at"] > now else now
    values = {PublicationRequest.state: "approved", PublicationRequest.approved_at: now}
    if actor is not None:
        values.update({PublicationRequest.approved_by: actor.id, PublicationRequest.approved_by_email: actor.email})
    done = await PublicationRequest.update(values).where(
        (PublicationRequest.id == row["id"]) & (PublicationRequest.state == "awaiting")).returning(PublicationRequest.id)
    if not done:
        raise _no_request(year)
    await Edition.update({Edition.published_at: release}).where(Edition.id == row["edition"])
    return release


async def request_publication(actor: Actor, year: int, release_at: datetime | None, now: datetime,
                              base_url: str) -> tuple[int, dict]:
    """Staff ask to publish. Answers (HTTP status, body): 202 awaiting approval, or — when the
    edition needs no approval — 200 published or scheduled."""
    edition, state = await _require_publishable(year, now)
    if release_at is not None:
        if release_at.tzinfo is None:
            raise InvalidInput([FieldError("release_at", _("Give the time zone (for example Z or +01:00)."))])
        if release_at <= now:
            raise InvalidInput([FieldError("release_at", _("The release time must be in the future."))])
    approvals = _approvals(edition)
    try:
        async with transaction(public=True):
            row = (await PublicationRequest.insert(PublicationRequest(
                edition=state.edition_id, state="awaiting", requested_by=actor.id, requested_by_email=actor.email,
                requested_at=now, release_at=release_at)).returning(*PublicationRequest.all_columns()))[0]
            await audit.record(actor, "edition.publish_request", f"edition:{year}", "",
                               {"release_at": release_at.isoformat() if release_at else None, "approvals": approvals})
            if approvals == 0:
                release = await _approve(row, None, year, now)
                await audit.record(actor, "edition.publish_approve", f"edition:{year}", "",
                                   {"release_at": release.isoformat(), "one_step": True})
    except Exception as error:
        if is_unique_violation(error):
            raise Conflict(_("A publication of the %(year)s edition is already requested.", year=year),
                           [FieldError("state", _("Already requested."))]) from None
        raise
    if approvals > 0:
        return 202, {"state": "awaiting_approval", "requested_by": actor.email, "release_at": release_at}
    return 200, await _after_approval(year, release, now, base_url)


async def _after_approval(year: int, release: datetime, now: datetime, base_url: str) -> dict:
    await release_due(now, base_url)
    status = await publication_status(year, now)
    body = {"state": status["state"], "release_at": release, "year": year, "published_at": release}
    laureates = await _laureates((await publication(year, now)).edition_id)
    body["winners"] = sum(1 for i in laureates if i["status"] == "winner")
    body["champions"] = sum(1 for i in laureates if i["status"] == "champion")
    return body


async def approve_publication(actor: Actor, year: int, now: datetime, base_url: str) -> dict:
    """Another staff member approves the request: published at once, or scheduled."""
    row = await queries.live_request(year)
    if row is None or row["state"] != "awaiting":
        raise _no_request(year)
    if row["requested_by"] == actor.id:
        raise Forbidden(_("You asked for this publication: another staff member must approve it."),
                        [FieldError("approved_by", _("Not the requester."))])
    await _require_publishable(year, now)
    async with transaction(public=True):
        release = await _approve(row, actor, year, now)
        await audit.record(actor, "edition.publish_approve", f"edition:{year}", "",
                           {"release_at": release.isoformat(), "requested_by": row["requested_by_email"]})
    body = await _after_approval(year, release, now, base_url)
    return {"state": body["state"], "release_at": release}


async def cancel_live_request(actor: Actor, year: int, edition_id: int, now: datetime, reason: str) -> bool:
    """Inside a transaction: cancel the live request that is not released yet (and unstamp
    the edition). False when there is none."""
    cancelled = await PublicationRequest.update({
        PublicationRequest.state: "cancelled", PublicationRequest.cancelled_at: now,
        PublicationRequest.cancelled_by_email: actor.email, PublicationRequest.cancel_reason: reason,
    }).where((PublicationRequest.edition == edition_id) & (PublicationRequest.state != "cancelled")
             & PublicationRequest.mailed_at.is_null()).returning(PublicationRequest.id)
    if not cancelled:
        return False
    unstamped = await Edition.update({Edition.published_at: None}).where(
        (Edition.id == edition_id) & ((Edition.published_at.is_null()) | (Edition.published_at > now))
    ).returning(Edition.id)
    if not unstamped:
        raise _already_published(year)
    await audit.record(actor, "edition.publish_cancel", f"edition:{year}", reason, {})
    return True


async def cancel_publication(actor: Actor, year: int, now: datetime, reason: str = "") -> dict:
    state = await publication(year, now)
    if state.is_published:
        raise _already_published(year)
    async with transaction(public=True):
        if not await cancel_live_request(actor, year, state.edition_id, now, reason or _("Cancelled by staff.")):
            raise Conflict(_("There is no publication request to cancel for the %(year)s edition.", year=year),
                           [FieldError("state", _("Nothing to cancel."))])
    return {"state": "none"}


async def release_due(now: datetime, base_url: str) -> list[int]:
    """Queue the laureates' mails of every approved publication whose instant has passed,
    once (a compare-and-set on `mailed_at`). Answers the years released now."""
    due = await PublicationRequest.select(
        PublicationRequest.id, PublicationRequest.edition, PublicationRequest.edition.year.as_alias("year"),
    ).where((PublicationRequest.state == "approved") & PublicationRequest.mailed_at.is_null()
            & (PublicationRequest.edition.published_at <= now))
    years = []
    for row in due:
        year = row["year"]
        laureates = await _laureates(row["edition"])
        async with transaction(public=True):
            claimed = await PublicationRequest.update({PublicationRequest.mailed_at: now}).where(
                (PublicationRequest.id == row["id"]) & PublicationRequest.mailed_at.is_null()
            ).returning(PublicationRequest.id)
            if not claimed:
                continue  # another process released it
            for item in laureates:
                won = item["status"] == "winner"
                with in_language(item["language"]):  # the owner's, not the staff member's
                    await enqueue(Mail(
                        to=item["email"], kind="results",
                        subject=(_("WSIS Prizes %(year)s: “%(title)s” is a winner", year=year, title=item["title"])
                                 if won else
                                 _("WSIS Prizes %(year)s: “%(title)s” is a champion", year=year, title=item["title"])),
                        text=render_text("mail/prizes/results_published.txt", title=item["title"], winner=won,
                                         year=year, category=f"{item['code']} — {category_title(titles_of(item['category_titles']), item['category_title'])}",
                                         results_link=f"{base_url}/results/{year}",
                                         certificate_link=f"{base_url}/api/nominations/{item['id']}/certificate.pdf",
                                         book_link=f"{base_url}/reports/{year}/success-stories.pdf"),
                    ))
            await audit.record(Actor.system(), "edition.publish", f"edition:{year}", "",
                               {"winners": sum(1 for i in laureates if i["status"] == "winner"),
                                "champions": sum(1 for i in laureates if i["status"] == "champion")})
        queries.note_published(year)
        years.append(year)
    return years
