"""The public pages at voting-day traffic: every anonymous page against the trivial endpoint
of the same server, in the same run.

    .venv/bin/python -m bench.pages              # PostgreSQL (two granian workers), then the embedded default
    .venv/bin/python -m bench.pages --quick      # fewer projects and votes, 3 s per page
    .venv/bin/python -m bench.pages --engine embedded

Each engine gets a fresh database (PostgreSQL: a database of its own on the server the test
run uses, TEST_POSTGRES_ADMIN_URL, and a free Redis DB index; embedded: a SQLite file and the
private Redis in a temporary folder) holding a finished, published edition: 400 nominated
projects, 90 laureates with a photo each, at least 200,000 votes (inserted in bulk, not
through HTTP) and the book built. The server runs with the production defaults (page cache
on). wrk (`apt-get install -y wrk`; installed by the bench when missing, and it says so)
loads each page in turn; the bench prints requests/s, p50, p99 and the ratio to
`GET /api/editions/current`, and exits non-zero when any answer was not 200 or 304. For
reference it then loads the same built PDF from granian's own static-file route (no Python
app, as many workers): what a static file of that size costs on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.catalogue import drain, migrate, populate, run_wrk
from bench.votes import environment
from tests.servers import serving

# The production defaults, not the test suite's (tests.servers.CHEAP turns the caches off).
NOT_CHEAP = ("PAGE_CACHE_ENTRIES", "EDITION_CACHE_SECONDS")


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    log("wrk is not installed: installing the Debian package (apt-get install -y wrk)")
    command = ["apt-get", "install", "-y", "wrk"]
    if os.geteuid() != 0 and shutil.which("sudo"):
        command = ["sudo", *command]
    if subprocess.run(command, capture_output=True).returncode != 0 or not shutil.which("wrk"):
        raise SystemExit("could not install wrk: run `apt-get install -y wrk`")


def _photo() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (480, 320), (30, 110, 160)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


async def finish_edition(env: dict[str, str], laureates: int, votes: int) -> dict:
    """Votes in bulk, `laureates` winners and champions with a photo each, published."""
    from uuid import uuid4

    from accounts.tables import User
    from core.clock import utcnow
    from core.db import close_pool, start_pool, use_database
    from prizes.editions.queries import current_year
    from core.audit import Actor
    from prizes.editions.services import move_phase
    from prizes.editions.tables import Category, Edition
    from prizes.nominations.images import path_of
    from prizes.nominations.tables import Nomination, NominationImage
    from voting.rules import new_receipt
    from voting.tables import Vote

    engine = use_database(env["DATABASE_URL"])
    await start_pool(engine)
    try:
        now = utcnow()
        year = await current_year(now)
        edition = await Edition.select(Edition.id).where(Edition.year == year).first()
        categories = [r["id"] for r in await Category.select(Category.id).where(Category.edition == edition["id"])]
        by_category: dict[int, list] = {}
        for row in await Nomination.select(Nomination.id, Nomination.category).order_by(Nomination.title):
            by_category.setdefault(row["category"], []).append(row["id"])
        voters = -(-votes // len(categories))
        rng = random.Random(14)
        log(f"  {voters} voters, {voters * len(categories)} votes")
        users = [User(email=f"v{i}@bench.example", email_key=f"v{i}@bench.example", display_name=f"v{i}",
                      password_hash="x", email_verified=True) for i in range(voters)]
        for start in range(0, len(users), 1000):
            await User.insert(*users[start:start + 1000])
        batch = []
        for user in users:
            for category in categories:
                batch.append(Vote(id=uuid4(), edition=edition["id"], category=category,
                                  nomination=rng.choice(by_category[category]), voter=user.id, cast_at=now,
                                  receipt=new_receipt(), client_address="10.0.0.1", network="10.0.0.0/24",
                                  email_domain="bench.example"))
                if len(batch) == 1000:
                    await Vote.insert(*batch)
                    batch = []
        if batch:
            await Vote.insert(*batch)
        media = Path(env["PRIZES_VAR_DIR"]) / "media"
        data = _photo()
        chosen = [i for n in range(laureates) for i in [by_category[categories[n % len(categories)]][n // len(categories)]]]
        for n, nomination_id in enumerate(chosen):
            status = "winner" if n < len(categories) else "champion"
            await Nomination.update({Nomination.status: status}).where(Nomination.id == nomination_id)
            image = NominationImage(nomination=nomination_id, content_type="image/jpeg", size=len(data),
                                    credit=f"Photo: bench {n}", caption="At work", uploaded_at=now)
            target = path_of(media, image.id, "image/jpeg")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            await NominationImage.insert(image)
        await move_phase(year, "announcement", "pages bench", Actor.system(), now)
        await Edition.update({Edition.published_at: now}).where(Edition.id == edition["id"])
        return {"year": year, "laureate": str(chosen[0]), "nominated": str(by_category[categories[0]][-1]),
                "votes": await Vote.count()}
    finally:
        await close_pool(engine)


def build_book(base: str, year: int, timeout: float = 900) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = httpx.get(f"{base}/reports/{year}/success-stories.pdf", timeout=60).status_code
        if status == 200:
            return
        if status != 503:
            raise SystemExit(f"the book answered {status}")
        time.sleep(2)
    raise SystemExit("the book was not built in time")


def pages(facts: dict) -> list[tuple[str, str]]:
    year, laureate, nominated = facts["year"], facts["laureate"], facts["nominated"]
    return [
        ("trivial: edition (JSON)", "/api/editions/current"),
        ("home", "/"),
        ("edition", f"/editions/{year}"),
        ("catalogue", "/projects"),
        ("catalogue filtered", "/projects?category=C7.4"),
        ("catalogue page 3", "/projects?page=3"),
        ("project", f"/projects/{laureate}"),
        ("vote page (anonymous)", f"/vote/{nominated}"),
        ("results", f"/results/{year}"),
        ("badge", f"/badge/{nominated}.svg"),
        ("projects (JSON)", "/api/nominations"),
        ("winners (JSON)", f"/api/editions/{year}/winners"),
        ("book (HTML)", f"/reports/{year}/success-stories.html"),
        ("book (PDF)", f"/reports/{year}/success-stories.pdf"),
    ]


def run(engine: str, args) -> tuple[list, bool]:
    import httpx

    workers = 2 if engine == "postgres" else 1
    with environment(engine) as env:
        for key in NOT_CHEAP:
            env.pop(key, None)
        env.update(MAIL_POLL_SECONDS="0", PHASE_TICK_SECONDS="5", PRIZES_TALLY_SWEEP_SECONDS="0")
        os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "REDIS_URL", "PRIZES_VAR_DIR")})
        if "REDIS_URL" not in env:
            os.environ.pop("REDIS_URL", None)
        started = time.monotonic()
        migrate(env)
        asyncio.run(populate(env["DATABASE_URL"], args.projects))
        facts = asyncio.run(finish_edition(env, args.laureates, args.votes))
        log(f"{engine}: set-up {time.monotonic() - started:.0f} s ({facts['votes']} votes)")
        with serving("--no-migrate", "--workers", str(workers), env=env, timeout=120) as (base, _process):
            started = time.monotonic()
            build_book(base, facts["year"])
            log(f"{engine}: the book built in {time.monotonic() - started:.0f} s")
            drain(base)
            results, failed = [], False
            # the trivial endpoint first and again last: the baseline is the better of the two
            for name, path in [*pages(facts), ("trivial, again", "/api/editions/current")]:
                headers = {"Accept-Encoding": args.accept_encoding} if args.accept_encoding else {}
                answer = httpx.get(base + path, timeout=60, headers=headers)
                wire = tuple(f"{k}: {v}" for k, v in headers.items())
                if answer.status_code != 200:
                    log(f"{engine}: {path} answered {answer.status_code}")
                    failed = True
                if args.warmup:
                    run_wrk(base, name, path, args.connections, args.threads, args.warmup, answer.num_bytes_downloaded, wire)
                result = run_wrk(base, name, path, args.connections, args.threads, args.duration,
                                 answer.num_bytes_downloaded, wire)
                failed = failed or result.errors > 0
                results.append(result)
                drain(base)
            reference = static_reference(env, facts["year"], workers, args)
            if reference is not None:
                results.insert(-1, reference)
            return results, failed


async def nothing(scope, receive, send) -> None:
    """The app of the static-file reference: granian answers /static itself."""
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def static_reference(env: dict[str, str], year: int, workers: int, args):
    """The same built PDF from granian's own static-file route (Rust, no Python app), as many
    workers: what "the cost of a static file" is for these bytes on this machine."""
    from reports.book import book_filename
    from tests.servers import free_port, stop

    folder = Path(env["PRIZES_VAR_DIR"]) / "reports" / str(year)
    name = book_filename(year, "pdf")
    if not (folder / name).is_file():
        log(f"no built PDF under {folder}: no static-file reference")
        return None
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "asgi", "--workers", str(workers), "--port", str(port),
         "--static-path-route", "/static", "--static-path-mount", str(folder), "bench.pages:nothing"],
        cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(100):
            try:
                if httpx.get(f"{base}/static/{name}", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        size = httpx.get(f"{base}/static/{name}").num_bytes_downloaded
        headers = (f"Accept-Encoding: {args.accept_encoding}",) if args.accept_encoding else ()
        if args.warmup:
            run_wrk(base, "", f"/static/{name}", args.connections, args.threads, args.warmup, size, headers)
        return run_wrk(base, "same PDF, static server", f"/static/{name}", args.connections, args.threads,
                       args.duration, size, headers)
    finally:
        stop(process)


def report(engine: str, results: list, args) -> None:
    workers = 2 if engine == "postgres" else 1
    print(f"\n{engine}: {workers} granian worker(s); wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s "
          f"per page; {args.projects} nominated, {args.laureates} laureates with photos, >= {args.votes} votes; "
          f"{os.cpu_count()} CPUs shared by the server and wrk; Accept-Encoding: {args.accept_encoding or '(none)'}; "
          "KiB: the answer's size on the wire")
    baseline = max(results[0].rps, results[-1].rps) or 1.0
    header = f"{'page':<26} {'path':<44} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6} {'errors':>6} {'KiB':>7}"
    print(header)
    print("-" * len(header))
    for r in results:
        path = r.path if len(r.path) <= 44 else r.path[:41] + "..."
        print(f"{r.name:<26} {path:<44} {r.rps:>8.0f} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f} {r.rps / baseline:>6.2f} "
              f"{r.errors:>6} {r.bytes_per_response / 1024:>7.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("postgres", "embedded", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="100 projects, 36 laureates, 20,000 votes, 3 s a page")
    parser.add_argument("--projects", type=int, default=400)
    parser.add_argument("--laureates", type=int, default=90)
    parser.add_argument("--votes", type=int, default=200_000)
    parser.add_argument("--duration", type=int, default=8, help="seconds per page (wrk takes whole seconds)")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--accept-encoding", default="gzip, deflate, br",
                        help="the Accept-Encoding every request sends, as a browser does ('' for none)")
    args = parser.parse_args(argv)
    if args.quick:
        args.projects, args.laureates, args.votes, args.duration, args.warmup = 100, 36, 20_000, 3, 1
    ensure_wrk()
    engines = ("postgres", "embedded") if args.engine == "both" else (args.engine,)
    failed = False
    for engine in engines:
        results, engine_failed = run(engine, args)
        report(engine, results, args)
        failed = failed or engine_failed
    if failed:
        print("\nFAILED: a page answered something other than 200 or 304 (see above)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
