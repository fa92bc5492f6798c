"""Voting: the JSON API (votes, my votes, tallies, fraud review, voids, finalists, the
campaign kit), the pages that work without JavaScript (the vote page behind each campaign
link, my votes, the staff tallies and fraud review) and the badge image."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from accounts.guards import current_user, requires_staff, requires_user, requires_verified
from core.clientip import client_address
from core.errors import DomainError, FieldError, InvalidInput, NotFound
from core.i18n import gettext as _
from core.templating import page_context
from core.clock import utcnow
from core.schemas import Count, Year, YearQuery
from prizes.editions.labels import PHASE_LABELS
from prizes.editions.services import PhaseClosed
from voting import ledger, queries, services
from voting.guards import limit_votes, requires_staff_or_public_tallies
from voting.rules import categories_left, clean_source
from voting.schemas import (
    CampaignOut,
    MyVoteOut,
    MyVotesOut,
    SignalOut,
    SignalsOut,
    TalliesOut,
    TallyOut,
    VoidIn,
    VoidOut,
    VoteIn,
    VoteOut,
)
from voting.tallies import TallyStore

FormBody = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def check_void_form(form: dict[str, str]) -> tuple[list[str] | None, str | None]:
    """The staff void form: a signal id, or vote ids one per line (or separated by spaces or
    commas)."""
    signal = (form.get("signal") or "").strip() or None
    text = (form.get("vote_ids") or "").replace(",", " ").split()
    if signal is None and not text:
        raise InvalidInput([FieldError("vote_ids", _("List the votes to void, or choose a signal."))])
    return (None if signal else text), signal


def tally_store(request: Request) -> TallyStore:
    return request.app.state["tallies"]


def _origin(request: Request, source: object = None) -> services.Origin:
    settings = request.app.state["settings"]
    return services.Origin(client_address(request, settings.trusted_proxies), request.headers.get("user-agent", ""),
                           clean_source(source))


def _cache_seconds(request: Request) -> float:
    return request.app.state["settings"].edition_cache_seconds


def _base_url(request: Request) -> str:
    return request.app.state["settings"].base_url


class VoteApiController(Controller):
    path = "/api/votes"
    tags = ["voting"]

    @post("/", status_code=HTTP_201_CREATED, guards=[requires_user, limit_votes, requires_verified],
          summary="Vote for a nominated project (one vote per category, final)")
    async def cast(self, request: Request, data: JSONBody[VoteIn]) -> VoteOut:
        vote = await services.cast_vote(tally_store(request), current_user(request), data.nomination_id,
                                        _origin(request, data.source), utcnow(), _cache_seconds(request))
        return VoteOut(**vote)

    @get("/mine", guards=[requires_user], summary="My votes in the current edition (or ?year=)")
    async def mine(self, request: Request, year: YearQuery = None) -> MyVotesOut:
        _edition, items = await services.votes_of(current_user(request), utcnow(), year)
        return MyVotesOut(items=[MyVoteOut.of(i) for i in items])

    @post("/void", status_code=HTTP_200_OK, guards=[requires_staff], summary="Void votes after review, with a reason")
    async def void(self, request: Request, data: JSONBody[VoidIn]) -> VoidOut:
        result = await services.void_votes(tally_store(request), current_user(request).as_actor(), data.vote_ids,
                                           data.signal, data.reason, utcnow())
        return VoidOut(**result)


def _tallies_csv(year: int, items: list[dict]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["nomination_id", "category", "votes"])
    for item in items:
        writer.writerow([item["nomination_id"], item["category"], item["votes"]])
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="tallies-{year}.csv"'})


class VotingEditionApiController(Controller):
    path = "/api/editions"
    tags = ["voting"]

    @get("/{year:int}/tallies", guards=[requires_staff_or_public_tallies],
         summary="Valid votes per nominated project (staff; the public when the edition allows it); CSV with Accept: text/csv")
    async def tallies(self, request: Request, year: Year) -> Response[TalliesOut]:
        items = await services.tallies(tally_store(request), year, utcnow())
        if "text/csv" in request.headers.get("accept", ""):
            return _tallies_csv(year, items)
        return Response(TalliesOut(items=[TallyOut(**i) for i in items]))

    @get("/{year:int}/tallies.csv", guards=[requires_staff_or_public_tallies], summary="The tallies as CSV")
    async def tallies_csv(self, request: Request, year: Year) -> Response:
        return _tallies_csv(year, await services.tallies(tally_store(request), year, utcnow()))

    @get("/{year:int}/fraud", guards=[requires_staff], summary="Fraud signals for review")
    async def fraud(self, year: Year) -> SignalsOut:
        return SignalsOut(items=[SignalOut.of(s) for s in await services.fraud_signals(year, utcnow())])

    @post("/{year:int}/finalists", status_code=HTTP_200_OK, guards=[requires_staff],
          summary="Compute and store the finalists (selection phase)")
    async def finalists(self, request: Request, year: Year) -> dict[str, list[str]]:
        return await services.compute_finalists(current_user(request).as_actor(), year, utcnow())


class CampaignApiController(Controller):
    path = "/api/nominations"
    tags = ["voting"]

    @get("/{nomination_id:str}/badge", guards=[requires_user], summary="The campaign link, badge and HTML snippet")
    async def badge(self, request: Request, nomination_id: FromPath[str], src: FromQuery[str | None] = None) -> CampaignOut:
        """`?src=TAG` tags the link for one campaign (a tag not of the form is ignored)."""
        kit = await services.campaign_kit(current_user(request), nomination_id, _base_url(request), utcnow(),
                                          clean_source(src))
        return CampaignOut(**kit)


# --- pages ------------------------------------------------------------------------------------------


async def _vote_page(request: Request, nomination_id: str, status: int = 200, error: str | None = None,
                     notice: str | None = None, source: str | None = None, tag: str | None = None) -> Template:
    now = utcnow()
    viewer = current_user(request)
    target, public = await services.visible_target(viewer, nomination_id, now)
    state = await services.vote_page_state(viewer, target, now)
    other = None
    if state["my_vote"] and not state["voted_here"]:
        other = await queries.project_summary(queries.parse_uuid(state["my_vote"]["nomination"]))
    kit = None
    if viewer is not None and target.is_nominated and (viewer.is_staff or viewer.id == target.owner_id):
        kit = await services.campaign_kit(viewer, nomination_id, _base_url(request), now)
    # the owner's votes per campaign source, once voting has closed
    by_source = await ledger.sources(target.edition, target.nomination_id) \
        if kit and ledger.ledger_is_open(target.edition, now) else None
    edition = target.edition.state
    context = page_context(
        request,
        target=target,
        project=await queries.project_summary(target.nomination_id),
        public=public,
        edition=edition,
        phase_label=_(PHASE_LABELS[edition.phase_at(now)]),
        voting_window=edition.window("voting"),
        before_voting=edition.phase_at(now) in ("submission", "nomination"),
        other=other,
        kit=kit,
        error=error,
        notice=notice,
        source=source,
        by_source=by_source,
        tag=clean_source(tag),
        tag_refused=bool(tag) and clean_source(tag) is None,
        **state,
    )
    return Template("voting/vote.html", context=context, status_code=status)


class VotePagesController(Controller):
    include_in_schema = False

    @get("/vote/{nomination_id:str}")
    async def show(self, request: Request, nomination_id: FromPath[str], voted: FromQuery[str | None] = None,
                   src: FromQuery[str | None] = None, tag: FromQuery[str | None] = None) -> Template:
        return await _vote_page(request, nomination_id, notice=_("Thank you: your vote is recorded.") if voted else None,
                                source=clean_source(src), tag=tag)

    @post("/vote/{nomination_id:str}", status_code=303, guards=[requires_user, limit_votes])
    async def cast(self, request: Request, nomination_id: FromPath[str], data: FormBody) -> Response:
        now = utcnow()
        await services.visible_target(current_user(request), nomination_id, now)  # a page about a project: 404 first
        source = clean_source(data.get("src"))
        try:
            await services.cast_vote(tally_store(request), current_user(request), nomination_id,
                                     _origin(request, source), now, _cache_seconds(request))
        except DomainError as error:
            if error.status_code in (429, 503):
                raise
            return await _vote_page(request, nomination_id, error.status_code, error.detail, source=source)
        return Redirect(f"/vote/{nomination_id}?voted=1", status_code=303)

    @get("/votes/mine", guards=[requires_user])
    async def mine(self, request: Request) -> Template:
        now = utcnow()
        edition, items = await services.votes_of(current_user(request), now)
        titles = dict(await _category_titles(edition.year))
        left = categories_left([(code, titles.get(code, code)) for code in edition.categories.codes],
                               [i["category"] for i in items])
        voting_open = edition.state.phase_at(now) == "voting"
        context = page_context(
            request,
            edition=edition.state,
            votes=[{**i, "category_title": titles.get(i["category"], "")} for i in items],
            left=left,
            projects=await queries.nominated_by_category(edition.id) if voting_open else {},
            voting_open=voting_open,
            phase_label=_(PHASE_LABELS[edition.state.phase_at(now)]),
        )
        return Template("voting/mine.html", context=context)

    @get("/badge/{file_name:str}", media_type="image/svg+xml")
    async def badge(self, request: Request, file_name: FromPath[str]) -> Response:
        """The embeddable badge: public once voting has opened for a nominated project."""
        if not file_name.endswith(".svg"):
            raise NotFound(_("There is no such project."))
        target, public = await services.visible_target(None, file_name[: -len(".svg")], utcnow())
        return Response(
            services.badge_image(target),
            media_type="image/svg+xml",
            headers={
                "Cache-Control": "public, max-age=300",
                # the image is ours and inert: forbid anything active even if opened directly
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                "X-Content-Type-Options": "nosniff",
            },
        )


async def _category_titles(year: int) -> list[tuple[str, str]]:
    from prizes.editions.queries import get_edition

    return list((await get_edition(year)).categories_in())


class StaffVotingPagesController(Controller):
    path = "/staff"
    include_in_schema = False
    guards = [requires_staff]

    @get("/voting/{year:int}")
    async def tallies(self, request: Request, year: Year, done: FromQuery[str | None] = None) -> Template:
        now = utcnow()
        edition, table = await services.tally_table(tally_store(request), year, now)
        titles = dict(await _category_titles(year))
        notices = {
            "finalists": _("The finalists were computed from the valid votes."),
            "phase": _("Finalists are computed in the selection phase."),
        }
        context = page_context(
            request,
            edition=edition.state,
            table=[{**row, "title": titles.get(row["code"], "")} for row in table],
            phase=edition.state.phase_at(now),
            phase_label=_(PHASE_LABELS[edition.state.phase_at(now)]),
            notice=notices.get(done or ""),
            shortlist_size=edition.state.settings.get("shortlist_size", 5),
            complete_ballots=bool(edition.state.settings.get("complete_ballots")),
        )
        return Template("voting/staff_tallies.html", context=context)

    @post("/voting/{year:int}/finalists", status_code=303)
    async def finalists(self, request: Request, year: Year) -> Redirect:
        try:
            await services.compute_finalists(current_user(request).as_actor(), year, utcnow())
        except PhaseClosed:
            return Redirect(f"/staff/voting/{year}?done=phase", status_code=303)
        return Redirect(f"/staff/voting/{year}?done=finalists", status_code=303)

    async def _fraud_page(self, request: Request, year: int, status: int = 200, errors=(), form=None,
                          voided: int | None = None) -> Template:
        now = utcnow()
        signals = await services.fraud_signals(year, now)
        edition = await queries.edition_by_year(year)
        titles = {str(p.nomination_id): p.title for p in await queries.nominated_projects(edition.id)}
        sources = [{**row, "title": titles.get(row["nomination_id"], row["nomination_id"])}
                   for row in await ledger.sources(edition)]
        context = page_context(
            request,
            edition=edition.state,
            signals=signals,
            sources=sorted(sources, key=lambda r: (r["title"], -r["votes"])),
            errors={e.key: e.message for e in errors},
            form=form or {},
            voided=voided,
        )
        return Template("voting/staff_fraud.html", context=context, status_code=status)

    @get("/fraud/{year:int}")
    async def fraud(self, request: Request, year: Year, voided: Count = None) -> Template:
        return await self._fraud_page(request, year, voided=voided)

    @post("/fraud/{year:int}/void", status_code=303)
    async def void(self, request: Request, year: Year, data: FormBody) -> Response:
        try:
            vote_ids, signal = check_void_form(data)
            result = await services.void_votes(tally_store(request), current_user(request).as_actor(), vote_ids, signal,
                                               data.get("reason"), utcnow())
        except DomainError as error:
            fields = error.fields or [FieldError("form", error.detail)]
            return await self._fraud_page(request, year, error.status_code, fields, data)
        return Redirect(f"/staff/fraud/{year}?voided={result['voided']}", status_code=303)
