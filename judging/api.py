"""Judging: the JSON API (staff run panels, rubrics, progress and rankings; judges declare
conflicts and score)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from accounts.guards import current_user, requires_judge, requires_staff
from core.clock import utcnow
from core.schemas import Year, YearQuery
from judging import access, queries, services
from judging.conflicts import listing as conflict_listing
from judging.schemas import (
    AssignmentIn,
    AssignmentOut,
    ConflictIn,
    ConflictOut,
    QueueItem,
    QueueOut,
    RankingOut,
    RemindersOut,
    ReopenIn,
    RoundSettingsIn,
    RoundSettingsOut,
    RubricIn,
    RubricOut,
    SheetIn,
)

RoundQuery = Annotated[str | None, QueryParameter(name="round", required=False)]


def _settings(request: Request):
    return request.app.state["settings"]


async def _year_and_round(year: int | None, round_: str | None) -> tuple[int, str]:
    return await queries.year_and_round(year, round_, utcnow())


class RubricApiController(Controller):
    path = "/api/editions"
    tags = ["judging"]

    @get("/{year:int}/rubric", summary="The rubric of a round (public)")
    async def show(self, year: Year, round_: RoundQuery = None) -> RubricOut:
        year, round_ = await _year_and_round(year, round_)
        return RubricOut.of(await queries.round_config(year, round_))

    @put("/{year:int}/rubric", guards=[requires_staff], status_code=HTTP_200_OK,
         summary="Replace the rubric of a round (until its first sheet is submitted; 409 after)")
    async def replace(self, request: Request, year: Year, data: JSONBody[RubricIn],
                      round_: RoundQuery = None) -> RubricOut:
        year, round_ = await _year_and_round(year, round_)
        config = await services.save_rubric(year, round_, data.criteria_dicts(), data.guidance, data.reason,
                                            current_user(request).as_actor(), utcnow())
        return RubricOut.of(config)


class JudgingApiController(Controller):
    path = "/api/judging"
    tags = ["judging"]

    # panels

    @get("/assignments", guards=[requires_staff], summary="The panels: judges and their categories")
    async def assignments(self, year: YearQuery = None) -> dict[str, list[dict]]:
        year, _round = await _year_and_round(year, None)
        return {"items": await queries.assignments(year)}

    @post("/assignments", guards=[requires_staff], status_code=HTTP_201_CREATED, summary="Assign a judge to a category")
    async def assign(self, request: Request, data: JSONBody[AssignmentIn]) -> AssignmentOut:
        result = await services.assign_judge(data.email, data.category, data.year, current_user(request).as_actor(),
                                             utcnow())
        return AssignmentOut(**result)

    @delete("/assignments", guards=[requires_staff], status_code=HTTP_204_NO_CONTENT,
            summary="Take a judge off a category's panel")
    async def unassign(self, request: Request, data: JSONBody[AssignmentIn]) -> None:
        await services.unassign_judge(data.email, data.category, data.year, current_user(request).as_actor(), utcnow())

    # rounds

    @get("/rounds", guards=[requires_staff], summary="A round's settings: blind mode, shared scores")
    async def round_settings(self, year: YearQuery = None, round_: RoundQuery = None) -> RoundSettingsOut:
        year, round_ = await _year_and_round(year, round_)
        return RoundSettingsOut.of(await queries.round_config(year, round_))

    @patch("/rounds", guards=[requires_staff], summary="Change a round's settings (audited)")
    async def change_round(self, request: Request, data: JSONBody[RoundSettingsIn]) -> RoundSettingsOut:
        year, _round = await _year_and_round(data.year, None)
        config = await services.save_round_settings(year, data.round, data.blind, data.share_scores, data.reason,
                                                    current_user(request).as_actor(), utcnow())
        return RoundSettingsOut.of(config)

    # conflicts

    @post("/conflicts", guards=[requires_judge], status_code=HTTP_201_CREATED,
          summary="Declare a conflict of interest on a project")
    async def declare(self, request: Request, data: JSONBody[ConflictIn]) -> ConflictOut:
        result = await services.declare_conflict(current_user(request), data.nomination_id, data.reason, utcnow())
        return ConflictOut(**result)

    @get("/conflicts", guards=[requires_staff], summary="Every conflict of the panels, declared or automatic")
    async def conflicts(self, year: YearQuery = None) -> dict[str, list[dict]]:
        year, _round = await _year_and_round(year, None)
        return {"items": await conflict_listing(year)}

    # judges

    @get("/queue", guards=[requires_judge], summary="The projects the judge scores in the current round")
    async def queue(self, request: Request) -> QueueOut:
        _round, items = await queries.queue(current_user(request), utcnow())
        return QueueOut(items=[QueueItem(**i) for i in items])

    @get("/projects/{nomination_id:str}", guards=[requires_judge], summary="A project as its judge sees it")
    async def project(self, request: Request, nomination_id: FromPath[str]) -> dict[str, Any]:
        user = current_user(request)
        project = await queries.judge_project(user, nomination_id, utcnow())
        sheet = await queries.sheet_row(project.row["id"], user.id, project.round)
        return {
            "project": access.judge_view(project.row, project.blind),
            "round": project.round,
            "blind": project.blind,
            "rubric": RubricOut.of(project.config),
            "sheet": queries.sheet_out(project.row["id"], project.round, sheet, project.config.criteria),
            "panel": await queries.panel_view(project, user),
        }

    @get("/scores/{nomination_id:str}", guards=[requires_judge], summary="The judge's own score sheet")
    async def sheet(self, request: Request, nomination_id: FromPath[str]) -> dict[str, Any]:
        user = current_user(request)
        project = await queries.judge_project(user, nomination_id, utcnow())
        sheet = await queries.sheet_row(project.row["id"], user.id, project.round)
        return queries.sheet_out(project.row["id"], project.round, sheet, project.config.criteria)

    @put("/scores/{nomination_id:str}", guards=[requires_judge], status_code=HTTP_200_OK,
         summary="Save (draft) or submit a score sheet")
    async def score(self, request: Request, nomination_id: FromPath[str], data: JSONBody[SheetIn]) -> dict[str, Any]:
        return await services.save_sheet(current_user(request), nomination_id, dict(data.scores), data.comment,
                                         data.submit, utcnow())

    @post("/scores/{nomination_id:str}/reopen", guards=[requires_staff], status_code=HTTP_200_OK,
          summary="Reopen a submitted sheet (audited)")
    async def reopen(self, request: Request, nomination_id: FromPath[str], data: JSONBody[ReopenIn]) -> dict[str, Any]:
        return await services.reopen_sheet(nomination_id, data.email, data.round, data.reason,
                                           current_user(request).as_actor(), utcnow())

    # staff

    @get("/rankings", guards=[requires_staff], summary="The ranking of a category in a round")
    async def rankings(self, category: FromQuery[str | None] = None, round_: RoundQuery = None,
                       year: YearQuery = None) -> RankingOut:
        year, round_ = await _year_and_round(year, round_)
        return RankingOut.of(await queries.ranking(year, category, round_))

    @get("/progress", guards=[requires_staff], summary="Each judge's progress and each project's sheets")
    async def progress(self, year: YearQuery = None, round_: RoundQuery = None) -> dict[str, Any]:
        year, round_ = await _year_and_round(year, round_)
        return await queries.progress(year, round_)

    @post("/reminders", guards=[requires_staff], status_code=HTTP_200_OK,
          summary="Mail a reminder to every judge with projects left to score")
    async def reminders(self, request: Request, year: YearQuery = None,
                        round_: RoundQuery = None) -> RemindersOut:
        year, round_ = await _year_and_round(year, round_)
        sent = await services.send_reminders(year, round_, current_user(request).as_actor(),
                                             _settings(request).base_url, utcnow())
        return RemindersOut(round=round_, reminded=sent)


