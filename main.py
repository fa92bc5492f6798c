"""Composition root of the WSIS Prizes platform: `create_app(settings)` wires the
controllers, stores, templates, exception handlers, start-up and shut-down. The command line
is `cli.py`; `python main.py [command]` runs it:

    python main.py                      serve the site (embedded default: SQLite + private Redis)
    python main.py serve --host H --port P [--workers N] [--no-migrate]
    python main.py migrate              apply the database migrations
    python main.py create-user --email E --role staff|judge
                                        password from PRIZES_PASSWORD, else one line of stdin
    python main.py tallies --check|--rebuild [--year Y]
                                        compare the Redis vote tallies with the database, or rebuild them
    python main.py report --year Y --out DIR
                                        write success-stories-Y.html and success-stories-Y.pdf
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from datetime import timedelta

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from piccolo.engine.base import Engine

from accounts.controllers import (
    AccountPagesController,
    AccountsApiController,
    AccountSelfPagesController,
    MeApiController,
    SessionApiController,
    StaffRolesApiController,
)
from accounts.passwords import Passwords
from accounts.sessions import SESSION_COOKIE, session_config, user_middleware_factory
from core.clock import utcnow
from core.db import close_pool, start_pool, use_database
from core.errors import EXCEPTION_HANDLERS
from core.freshness import PublicVersion, install
from core.headers import security_headers
from core.openapi import declare_contract_errors
from core.i18n import language_middleware_factory
from core.mail import MailWorker
from core.pagecache import PageCache
from core.ratelimit import RateLimiter
from core.redis import EmbeddedRedis, close_client, make_client, session_store
from core.runtime import tune_collector
from core.settings import Settings
from core.tasks import every, stop_all
from core.templating import STATIC_DIR, template_config
from judging.api import JudgingApiController, RubricApiController
from judging.queries import selection_rubric_for_rules
from judging.conflict_pages import JudgeConflictPagesController, StaffConflictPagesController
from judging.pages import JudgePagesController, StaffJudgingPagesController
from judging.services import NOMINATION_ACCESS
from prizes.editions import queries as editions
from prizes.editions.api import EditionApiController
from prizes.editions.setup_api import EditionSetupApiController
from prizes.editions.setup_pages import StaffEditionSetupPagesController
from prizes.editions.pages import EditionPagesController, StaffEditionPagesController
from prizes.editions.services import advance_due_phases, ensure_current_edition, use_rubric_source
from prizes.nominations.api import (
    AppealApiController,
    MediaController,
    NominatedListApiController,
    NominationApiController,
    NominationImageApiController,
)
from prizes.nominations.appeal_pages import AppealPagesController, StaffAppealPagesController
from prizes.nominations.pages import (
    NominationPagesController,
    StaffNominationPagesController,
)
from prizes.nominations.queries import NominationAccess
from prizes.results.api import ExtendedApiController, ResultsApiController
from prizes.results.pages import ResultsPagesController, StaffResultsPagesController
from prizes.results.publication import release_due
from prizes.results.queries import latest_published_year, refresh_published_years
from reports.controllers import (
    CertificateApiController,
    ReportsController,
    StaffReportPagesController,
)
from reports.book import CurrentBooks
from reports.console.api import AuditApiController, StatisticsApiController
from reports.console.pages import StaffConsoleController
from reports.console.people import StaffPeoplePagesController
from reports.serving import BookFiles
from reports.jobs import BookJobs
from reports.exporters import missing_pdf_fonts
from voting.controllers import (
    CampaignApiController,
    StaffVotingPagesController,
    VoteApiController,
    VotePagesController,
    VotingEditionApiController,
)
from voting.ledger_controllers import LedgerApiController, LedgerPagesController
from voting.queries import forget_targets
from voting.tallies import TallyStore

log = logging.getLogger("prizes")

# The anonymous pages and JSON that every visitor sees alike, kept by core/pagecache.py.
# `/api/editions/current` stays out: it is the benchmarks' trivial endpoint.
PUBLIC_PATHS = (r"/|/editions/\d+|/projects|/projects/[^/]+|/vote/[^/]+|/results|/results/\d+|/badge/[^/]+\.svg"
                r"|/api/editions/\d+(/winners|/champions|/winners\.csv|/champions\.csv)?"
                r"|/api/nominations/?|/api/nominations/[^/]+(/images/?)?")


async def phase_tick(base_url: str = "") -> None:
    """Each worker moves phases on at their closing instants (exactly once, see
    `advance_due_phases`) and mails the laureates of a publication whose release instant has
    passed (exactly once, see `release_due`)."""
    await advance_due_phases(utcnow())
    await release_due(utcnow(), base_url)
    await refresh_published_years()  # the "Winners" link of other processes' publications


def bind_process(settings: Settings) -> Engine:
    """What an app sets for its whole process: the database engine of every table and the
    edition cache's lifetime. Done when the app is made and again when it starts, so that an
    app started again after another was made (as the tests do) runs on its own settings."""
    engine = use_database(settings.database_url)
    editions.CACHE_SECONDS = settings.edition_cache_seconds
    editions.forget()
    use_rubric_source(selection_rubric_for_rules)  # the rubric in the frozen counting rules
    return engine


def create_app(settings: Settings | None = None, *, nomination_access: NominationAccess | None = None) -> Litestar:
    """The app. `nomination_access` is who may screen and what a judge reads of a project
    (judging's rules by default): prizes may not import judging, so it is handed over here
    and reaches prizes' handlers as `app.state["nomination_access"]`."""
    settings = settings or Settings.from_env()
    nomination_access = nomination_access or NOMINATION_ACCESS
    engine = bind_process(settings)
    embedded = None if settings.redis_url else EmbeddedRedis(settings.var_dir)
    redis_url = settings.redis_url or embedded.url
    redis = make_client(redis_url)
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_parallelism)
    # The sweeper re-applies recent votes to the Redis tallies (see voting/tallies.py); 0 turns it off.
    sweep_seconds = float(settings.extra.get("PRIZES_TALLY_SWEEP_SECONDS", "5"))
    tallies = TallyStore(redis, timedelta(seconds=float(settings.extra.get("PRIZES_TALLY_SWEEP_GRACE_SECONDS", "30"))))
    # The Success Stories book, built in the background (reports/jobs.py).
    books = BookJobs(settings, redis)
    templates = template_config()
    # Public pages: the version every public change bumps, and the pages kept per process.
    public_version = PublicVersion(redis, settings.public_version_seconds)
    pages = PageCache(public_version, public_paths=PUBLIC_PATHS, session_cookie=SESSION_COOKIE, csrf_cookie="csrftoken",
                      entries=settings.page_cache_entries, max_age=settings.public_max_age,
                      stale_seconds=settings.public_stale_seconds, next_change=editions.next_instant_after)
    current_books = CurrentBooks(public_version, books.store, books.media_dir)
    public_version.listeners += [pages.clear, editions.forget, forget_targets, current_books.forget, refresh_published_years]
    templates.instance.engine.globals["latest_results_year"] = latest_published_year

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        nonlocal engine
        engine = bind_process(settings)  # again: another app may have been made since this one
        mail_worker = app.state["mail_worker"] = MailWorker(settings)  # a bad SMTP_URL fails here
        if embedded is not None:
            await asyncio.to_thread(embedded.start)
        await start_pool(engine)
        install(public_version)
        await ensure_current_edition(utcnow())
        await refresh_published_years()
        if missing := await asyncio.to_thread(missing_pdf_fonts):
            log.warning("fonts missing for the PDFs (names in Arabic, Chinese, Devanagari or Thai would print as "
                        "empty boxes): %s; install %s (README, Languages)", ", ".join(missing),
                        " ".join(sorted(set(missing.values()))))
        ticker = (asyncio.create_task(every(settings.phase_tick_seconds, lambda: phase_tick(settings.base_url), "phase ticker"), name="phase-ticker")
                  if settings.phase_tick_seconds > 0 else None)
        mailer = (asyncio.create_task(mail_worker.run(settings.mail_poll_seconds), name="mail-worker")
                  if settings.mail_poll_seconds > 0 else None)
        sweeper = (asyncio.create_task(every(sweep_seconds, lambda: tallies.sweep(utcnow()), "tally sweeper",
                                             first_wait=True), name="tally-sweeper")
                   if sweep_seconds > 0 else None)
        try:
            yield
        finally:
            await books.stop()
            await stop_all((ticker, mailer, sweeper))
            install(None)
            await close_client(redis)
            await close_pool(engine)
            if embedded is not None:
                await asyncio.to_thread(embedded.stop)

    app = Litestar(
        route_handlers=[
            SessionApiController,
            MeApiController,
            StaffRolesApiController,
            AccountPagesController,
            AccountsApiController,
            AccountSelfPagesController,
            EditionApiController,
            EditionSetupApiController,
            EditionPagesController,
            StaffEditionPagesController,
            StaffEditionSetupPagesController,
            NominationApiController,
            NominatedListApiController,
            AppealApiController,
            NominationImageApiController,
            MediaController,
            NominationPagesController,
            StaffNominationPagesController,
            AppealPagesController,
            StaffAppealPagesController,
            RubricApiController,
            JudgingApiController,
            JudgePagesController,
            StaffJudgingPagesController,
            StaffConflictPagesController,
            JudgeConflictPagesController,
            VoteApiController,
            VotingEditionApiController,
            CampaignApiController,
            LedgerApiController,
            LedgerPagesController,
            VotePagesController,
            StaffVotingPagesController,
            ResultsApiController,
            ExtendedApiController,
            ResultsPagesController,
            StaffResultsPagesController,
            ReportsController,
            CertificateApiController,
            StaffReportPagesController,
            StaffConsoleController,
            StatisticsApiController,
            StaffPeoplePagesController,
            AuditApiController,
            create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
        ],
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "passwords": Provide(lambda: passwords, use_cache=True, sync_to_thread=False),
            "redis": Provide(lambda: redis, use_cache=True, sync_to_thread=False),
        },
        middleware=[language_middleware_factory, pages.middleware, session_config(settings).middleware, user_middleware_factory],
        stores={"sessions": session_store(redis, namespace="prizes:session")},
        csrf_config=CSRFConfig(
            secret=settings.secret_key.reveal(),
            cookie_name="csrftoken",
            header_name="x-csrftoken",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
        ),
        template_config=templates,
        openapi_config=OpenAPIConfig(
            title="WSIS Prizes API",
            version="1.0.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(), ScalarRenderPlugin()],
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=settings.max_body_bytes,
        lifespan=[lifespan],
        on_startup=[declare_contract_errors],
        before_send=[security_headers(settings.secure_cookies)],
        state=State({"settings": settings, "redis": redis, "passwords": passwords, "limiter": RateLimiter(redis), "tallies": tallies,
                     "books": books, "current_books": current_books, "public_version": public_version,
                     "nomination_access": nomination_access}),
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            log_exceptions="debug",
        ),
        debug=False,
    )
    # The published book's current files, answered before routing (reports/serving.py).
    app.asgi_handler = BookFiles(app.asgi_handler, current_books)
    return app


def served_app() -> Litestar:
    """The app as each granian worker of `main.py serve` runs it: `create_app()`, and once its
    start-up is done, the collector tuned for a long-running server (core/runtime.py)."""
    app = create_app()
    app.on_startup.append(lambda _app: tune_collector())
    return app


if __name__ == "__main__":
    from cli import main

    sys.exit(main())
