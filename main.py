"""Composition root and command line of the WSIS Prizes platform.

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

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

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
from accounts.sessions import session_config, user_middleware_factory
from core.db import close_pool, migrate, start_pool, use_database
from core.errors import EXCEPTION_HANDLERS
from core.i18n import language_middleware_factory
from core.mail import MailWorker
from core.ratelimit import RateLimiter
from core.redis import EmbeddedRedis, close_client, make_client, session_store
from core.settings import Settings
from core.tasks import every, stop_all
from core.templating import STATIC_DIR, template_config
from judging import services as judging_services
from judging.controllers import (
    JudgePagesController,
    JudgingApiController,
    RubricApiController,
    StaffJudgingPagesController,
)
from prizes import nominations
from prizes.controllers import EditionApiController, EditionPagesController, StaffEditionPagesController
from prizes.nomination_controllers import (
    MediaController,
    NominatedListApiController,
    NominationApiController,
    NominationImageApiController,
)
from prizes.nomination_pages import NominationPagesController, StaffNominationPagesController
from prizes.results import latest_published_year, refresh_published_years
from prizes.results_controllers import (
    ExtendedApiController,
    ResultsApiController,
    ResultsPagesController,
    StaffResultsPagesController,
)
from prizes import queries as prizes_queries
from prizes.rules import utcnow
from prizes.services import advance_due_phases, ensure_current_edition
from voting.controllers import (
    CampaignApiController,
    StaffVotingPagesController,
    VoteApiController,
    VotePagesController,
    VotingEditionApiController,
)
from reports.controllers import CertificateApiController, ReportsController, StaffReportPagesController
from reports.jobs import BookJobs
from voting.tallies import TallyStore

log = logging.getLogger("prizes")


async def phase_tick() -> None:
    """Each worker moves phases on at their closing instants (exactly once, see
    `advance_due_phases`)."""
    await advance_due_phases(utcnow())
    await refresh_published_years()  # the "Winners" link of other processes' publications


def bind_process(settings: Settings) -> Engine:
    """What an app sets for its whole process: the database engine of every table, the
    edition cache's lifetime, and judging's rules plugged into prizes (which may not import
    judging). Done when the app is made and again when it starts, so that an app started
    again after another was made (as the tests do) runs on its own settings."""
    engine = use_database(settings.database_url)
    prizes_queries.CACHE_SECONDS = settings.edition_cache_seconds
    prizes_queries.forget()
    nominations.screening_policy = judging_services.screening_policy
    nominations.judge_view_policy = judging_services.judge_view_policy
    return engine


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
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
    templates.instance.engine.globals["latest_results_year"] = latest_published_year

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        nonlocal engine
        engine = bind_process(settings)  # again: another app may have been made since this one
        mail_worker = app.state["mail_worker"] = MailWorker(settings)  # a bad SMTP_URL fails here
        if embedded is not None:
            await asyncio.to_thread(embedded.start)
        await start_pool(engine)
        await ensure_current_edition(utcnow())
        await refresh_published_years()
        ticker = (asyncio.create_task(every(settings.phase_tick_seconds, phase_tick, "phase ticker"), name="phase-ticker")
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
            await close_client(redis)
            await close_pool(engine)
            if embedded is not None:
                await asyncio.to_thread(embedded.stop)

    return Litestar(
        route_handlers=[
            SessionApiController,
            MeApiController,
            StaffRolesApiController,
            AccountPagesController,
            AccountsApiController,
            AccountSelfPagesController,
            EditionApiController,
            EditionPagesController,
            StaffEditionPagesController,
            NominationApiController,
            NominatedListApiController,
            NominationImageApiController,
            MediaController,
            NominationPagesController,
            StaffNominationPagesController,
            RubricApiController,
            JudgingApiController,
            JudgePagesController,
            StaffJudgingPagesController,
            VoteApiController,
            VotingEditionApiController,
            CampaignApiController,
            VotePagesController,
            StaffVotingPagesController,
            ResultsApiController,
            ExtendedApiController,
            ResultsPagesController,
            StaffResultsPagesController,
            ReportsController,
            CertificateApiController,
            StaffReportPagesController,
            create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
        ],
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "passwords": Provide(lambda: passwords, use_cache=True, sync_to_thread=False),
            "redis": Provide(lambda: redis, use_cache=True, sync_to_thread=False),
        },
        middleware=[language_middleware_factory, session_config(settings).middleware, user_middleware_factory],
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
        state=State({"settings": settings, "redis": redis, "passwords": passwords, "limiter": RateLimiter(redis), "tallies": tallies,
                     "books": books}),
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            log_exceptions="debug",
        ),
        debug=False,
    )


# --- command line ---------------------------------------------------------------------------


def _migrate(settings: Settings) -> None:
    async def run() -> None:
        engine = use_database(settings.database_url)
        await start_pool(engine)
        try:
            await migrate(engine, verbose=True)
            await ensure_current_edition(utcnow())
        finally:
            await close_pool(engine)

    asyncio.run(run())


def cmd_migrate(args, settings: Settings) -> int:
    _migrate(settings)
    print("migrations applied", file=sys.stderr)
    return 0


def cmd_serve(args, settings: Settings) -> int:
    from granian import Granian
    from granian.constants import Interfaces

    workers = args.workers or (1 if settings.is_sqlite else max(2, os.cpu_count() or 2))
    if not args.no_migrate:
        _migrate(settings)
    embedded = None
    if not settings.redis_url:
        # Started here, before any worker, and shared by all of them through REDIS_URL.
        embedded = EmbeddedRedis(settings.var_dir).start()
        os.environ["REDIS_URL"] = embedded.url
    print(f"serving on http://{args.host}:{args.port} ({workers} worker(s), database "
          f"{'SQLite' if settings.is_sqlite else 'PostgreSQL'}, "
          f"{'embedded Redis' if embedded else 'Redis at REDIS_URL'})", file=sys.stderr, flush=True)
    try:
        Granian(
            "main:create_app",
            factory=True,
            address=args.host,
            port=args.port,
            interface=Interfaces.ASGI,
            workers=workers,
            log_enabled=True,
        ).serve()
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


def _read_password() -> str:
    password = os.environ.get("PRIZES_PASSWORD")
    if password:
        return password
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


def cmd_create_user(args, settings: Settings) -> int:
    from accounts import services
    from core.audit import Actor
    from core.errors import DomainError

    password = _read_password()

    async def run() -> int:
        engine = use_database(settings.database_url)
        await start_pool(engine)
        passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_parallelism)
        try:
            try:
                user = await services.create_user(
                    passwords, args.email, password, args.name or "", verified=True, roles=(args.role,)
                )
                print(f"created {user.email} with role {args.role}")
            except DomainError as error:
                if error.status_code != 409:
                    for field in error.fields:
                        print(f"{field.key}: {field.message}", file=sys.stderr)
                    print(error.detail, file=sys.stderr)
                    return 2
                user = await services.grant_role(args.email, args.role, Actor.system())
                print(f"{user.email} exists; it now has the roles {', '.join(sorted(user.roles))}")
            return 0
        finally:
            await close_pool(engine)

    return asyncio.run(run())


def cmd_tallies(args, settings: Settings) -> int:
    from voting.tallies import tallies_command

    async def run() -> int:
        engine = use_database(settings.database_url)
        await start_pool(engine)
        embedded = None if settings.redis_url else EmbeddedRedis(settings.var_dir)
        if embedded is not None:
            await asyncio.to_thread(embedded.start)  # shares a running server's, else starts one for the command
        redis = make_client(settings.redis_url or embedded.url)
        try:
            return await tallies_command(TallyStore(redis), rebuild=args.rebuild, year=args.year,
                                         out=lambda line: print(line, flush=True))
        finally:
            await close_client(redis)
            await close_pool(engine)
            if embedded is not None:
                await asyncio.to_thread(embedded.stop)

    return asyncio.run(run())


def cmd_report(args, settings: Settings) -> int:
    from core.errors import DomainError
    from reports.book import write_book_files

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    async def run() -> int:
        engine = use_database(settings.database_url)
        await start_pool(engine)
        try:
            html, pdf, _pages = await write_book_files(
                args.year, Path(args.out), settings.media_dir or settings.var_dir / "media",
                settings.var_dir / "reports" / "photos", say)
        except DomainError as error:
            say(error.detail)
            return 2
        finally:
            await close_pool(engine)
        print(html)
        print(pdf)
        return 0

    return asyncio.run(run())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="The WSIS Prizes platform")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="serve the site (the default)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=0, help="default: 1 on SQLite, one per core on PostgreSQL")
    serve.add_argument("--no-migrate", action="store_true", help="production: migrations run as a separate step")
    serve.set_defaults(func=cmd_serve)
    mig = sub.add_parser("migrate", help="apply database migrations")
    mig.set_defaults(func=cmd_migrate)
    create = sub.add_parser("create-user", help="create a verified staff or judge account")
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=["staff", "judge"])
    create.add_argument("--name", default="")
    create.set_defaults(func=cmd_create_user)
    tallies = sub.add_parser("tallies", help="check the Redis vote tallies against the database, or rebuild them")
    action = tallies.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true", help="exit 1 and print the differences when they differ")
    action.add_argument("--rebuild", action="store_true", help="rebuild them from the database, with progress")
    tallies.add_argument("--year", type=int, default=None, help="one edition (default: every edition with votes)")
    tallies.set_defaults(func=cmd_tallies)
    report = sub.add_parser("report", help="write the Success Stories book (HTML and PDF) of an edition")
    report.add_argument("--year", type=int, required=True)
    report.add_argument("--out", required=True, help="the folder to write success-stories-Y.html and .pdf to")
    report.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in {"serve", "migrate", "create-user", "tallies", "report", "-h", "--help"}:
        argv = ["serve", *argv]  # serving is the default command
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    return args.func(args, settings)


if __name__ == "__main__":
    sys.exit(main())
