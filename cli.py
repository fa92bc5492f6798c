"""The command line: `python main.py [serve|migrate|create-user|tallies|report|audit]` (see main.py's
docstring). Each command is one function taking the parsed arguments and the settings."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from accounts.passwords import Passwords
from core.clock import utcnow
from core.db import close_pool, migrate, start_pool, use_database
from core.redis import EmbeddedRedis, close_client, make_client
from core.settings import Settings
from prizes.editions.services import ensure_current_edition
from reports.demo import build_demo
from voting.tallies import TallyStore


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


def install_pdf_fonts(var_dir: Path, missing=None) -> list[str] | None:
    """The README's serve command is the project's set-up on a newcomer's machine: when the
    Noto fonts that the PDFs need (reports.exporters.PDF_FONT_FAMILIES) are missing and this
    is Debian run as root, they are installed in the background with apt-get (log in
    var/fonts-install.log) while the site starts. Answers the apt-get command started, or None.
    PRIZES_INSTALL_FONTS=0 turns it off (a production machine has them installed with it)."""
    import shutil
    import subprocess

    if os.environ.get("PRIZES_INSTALL_FONTS", "1") == "0" or os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    if missing is None:
        from reports.exporters import missing_pdf_fonts

        missing = missing_pdf_fonts()
    packages = sorted(set(missing.values()))
    if not packages:
        return None
    command = ["apt-get", "install", "-y", "-q", *packages]
    print(f"installing the fonts the PDFs need, in the background: {' '.join(command)}", file=sys.stderr, flush=True)
    var_dir.mkdir(parents=True, exist_ok=True)
    with open(var_dir / "fonts-install.log", "ab") as log:
        script = f"{' '.join(command)} || {{ apt-get update -q && {' '.join(command)}; }}"
        _BACKGROUND.append(subprocess.Popen(["sh", "-c", script], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                            start_new_session=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}))
    return command


_BACKGROUND: list = []  # the installs started, kept while they run (and for the tests to wait on)


def cmd_serve(args, settings: Settings) -> int:
    from granian import Granian
    from granian.constants import Interfaces

    workers = args.workers or (1 if settings.is_sqlite else max(2, os.cpu_count() or 2))
    if not args.no_migrate:
        _migrate(settings)
    if settings.is_sqlite:
        install_pdf_fonts(settings.var_dir)
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
            "main:served_app",
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
    from accounts import roles, services
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
                user = await roles.grant_role(args.email, args.role, Actor.system())
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


def cmd_demo(args, settings: Settings) -> int:
    password = os.environ.get("PRIZES_PASSWORD") or "demo passphrase 2026"

    async def run() -> int:
        engine = use_database(settings.database_url)
        await start_pool(engine)
        try:
            await migrate(engine)
            await ensure_current_edition(utcnow())
            return await build_demo(args.phase, password, lambda line: print(line, file=sys.stderr, flush=True))
        finally:
            await close_pool(engine)

    if not settings.is_sqlite:
        print("the demo fills only the embedded database (DATABASE_URL=sqlite:///...)", file=sys.stderr)
        return 2
    return asyncio.run(run())


def cmd_audit(args, settings: Settings) -> int:
    from core.audit import verify

    def progress(done: int, total: int) -> None:
        print(f"verified {done}/{total} entries", file=sys.stderr, flush=True)

    async def run() -> int:
        engine = use_database(settings.database_url)
        await start_pool(engine)
        try:
            result = await verify(progress)
        finally:
            await close_pool(engine)
        if not result.ok:
            print(f"audit entry {result.bad_id}: {result.problem} (the {result.count} entries before it are intact)")
            return 1
        print(f"{result.count} entries, head {result.head or '(empty)'}")
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
    audit = sub.add_parser("audit", help="verify the audit log's hash chain")
    audit.add_argument("--verify", action="store_true", required=True,
                       help="walk the chain: exit 0 with the count and head hash, or 1 naming the first bad entry")
    audit.set_defaults(func=cmd_audit)
    demo = sub.add_parser("demo", help="fill an empty embedded database with a sample edition")
    demo.add_argument("--phase", default="voting",
                      choices=["submission", "nomination", "voting", "selection", "announcement"])
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in {"serve", "migrate", "create-user", "tallies", "report", "audit", "demo", "-h", "--help"}:
        argv = ["serve", *argv]  # serving is the default command
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    return args.func(args, settings)


if __name__ == "__main__":
    sys.exit(main())
