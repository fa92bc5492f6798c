"""The public catalogue under load: 400 nominated projects across the 18 categories, the
real server (`python main.py serve`, granian), and many concurrent requests.

    .venv/bin/python bench/catalogue.py                       # a temporary SQLite file
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/x .venv/bin/python bench/catalogue.py

On PostgreSQL the bench creates a database of its own on the server DATABASE_URL names
(the database name in the URL is not used) and drops it at the end, as `python -m tests`
does. REDIS_URL, when set, is used; otherwise the server starts its private Redis in the
bench's temporary folder. Nothing under var/ is touched.

It measures requests/s and p50/p99 latency of
    GET /api/editions/current    the trivial endpoint of the same server (the baseline)
    GET /projects                the catalogue's first page (HTML)
    GET /projects?region=...&q=  a filtered search (HTML)
    GET /api/nominations         the first page as JSON
    GET /api/nominations?...     the same filtered search as JSON
with `wrk` when it is installed (`apt-get install -y wrk`), otherwise with an asyncio httpx
load generator, and prints a table with each endpoint's throughput as a ratio to the
baseline. Not part of the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

if __package__ in (None, ""):  # run as a script: the project's root first on the path, not bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from tests.servers import serving  # noqa: E402


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REGIONS_AND_COUNTRIES = {
    "africa": ["KE", "GH", "NG", "SN", "RW", "ZA"],
    "americas": ["BR", "MX", "CO", "CA", "JM"],
    "arab_states": ["EG", "JO", "MA", "AE", "TN"],
    "asia_pacific": ["IN", "ID", "PH", "VN", "FJ"],
    "cis": ["KZ", "UZ", "AM", "KG"],
    "europe": ["FR", "DE", "IT", "PL", "EE"],
    "international": ["CH"],
}
STAKEHOLDERS = ("government", "private_sector", "civil_society", "international_organization", "academia", "other")
VOCABULARY = (
    "community health workers rural districts mobile record pregnant women newborns children vaccines "
    "referrals clinics dashboards outreach supplies teachers schools broadband libraries farmers prices "
    "market weather alerts fishermen cooperatives women entrepreneurs digital skills training youth "
    "accessibility persons disabilities open data government services identity payments cybersecurity "
    "emergency response floods drought climate sensors energy solar connectivity satellite villages "
    "languages translation radio television archives heritage museums tourism transport logistics "
    "postal network universities research cloud platform learning courses citizens participation"
).split()
FILTER_REGION = "africa"
FILTER_QUERY = "water"  # in the titles of about one project in six


# --- a database with 400 nominated projects -------------------------------------------------


@dataclass
class Database:
    url: str
    drop: object  # a callable that removes it


def _pg_admin_url(url: str) -> str:
    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    return urlunsplit(parts._replace(path="/postgres"))


async def _pg_execute(admin_url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(dsn=admin_url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def fresh_database(given: str | None, tmp: Path) -> Database:
    if given and given.startswith(("postgresql://", "postgres://")):
        admin = _pg_admin_url(given)
        name = f"prizes_bench_{os.getpid()}_{secrets.token_hex(3)}"
        asyncio.run(_pg_execute(admin, f'CREATE DATABASE "{name}"'))
        parts = urlsplit(admin)
        url = urlunsplit(parts._replace(path=f"/{name}"))

        def drop() -> None:
            asyncio.run(_pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

        return Database(url, drop)
    if given and not given.startswith("sqlite:///"):
        raise SystemExit(f"DATABASE_URL must be sqlite:/// or postgresql://, not {given!r}")
    return Database(f"sqlite:///{tmp / 'bench.sqlite'}", lambda: None)


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(n))


async def populate(database_url: str, count: int) -> dict:
    """The current edition with `count` nominated projects, moved to online voting.
    Inserted with Piccolo in bulk (the submission services would check every project for
    near-duplicates against all the others: correct, and slow for a set-up)."""
    from accounts.passwords import Passwords
    from accounts.services import create_user
    from core.audit import Actor
    from core.db import close_pool, start_pool, use_database
    from prizes.nominations.rules import fold
    from prizes.editions.queries import current_year, edition_row
    from core.clock import utcnow
    from prizes.editions.services import move_phase
    from prizes.editions.tables import Category
    from prizes.nominations.tables import Nomination

    engine = use_database(database_url)
    await start_pool(engine)
    try:
        now = utcnow()
        year = await current_year(now)
        edition = await edition_row(year)
        categories = await Category.select(Category.id, Category.code).where(Category.edition == edition["id"]).order_by(
            Category.position
        )
        assert len(categories) == 18, categories
        owner = await create_user(Passwords(1, 1024, 1), "bench-owner@example.org", "a bench owner's password",
                                  "Bench owner", verified=True)
        rng = random.Random(2026)
        regions = list(REGIONS_AND_COUNTRIES)
        rows = []
        for i in range(count):
            region = regions[i % len(regions)]
            country = rng.choice(REGIONS_AND_COUNTRIES[region])
            topic = "water" if i % 6 == 0 else rng.choice(VOCABULARY)
            entity = f"Bench entity {i:03d}"
            rows.append(Nomination(
                edition=edition["id"], category=categories[i % 18]["id"], owner=owner.id, status="nominated",
                title=f"Project {i:03d}: {topic} {_words(rng, 4)}", entity_name=entity, entity_key=fold(entity),
                stakeholder_type=STAKEHOLDERS[i % len(STAKEHOLDERS)], country=country, region=region,
                contact_name="Bench contact", contact_email=f"contact{i}@example.org",
                website=f"https://project{i}.example.org", short_description=_words(rng, rng.randint(150, 200)),
                sdgs=json.dumps(sorted(rng.sample(range(1, 18), rng.randint(1, 4)))),
                sdg_linkages=_words(rng, rng.randint(60, 150)), impact=_words(rng, rng.randint(60, 150)),
                partnerships=_words(rng, rng.randint(60, 150)), challenges=_words(rng, rng.randint(60, 150)),
                project_status="completed", started_on=date(2020, 1, 1) + timedelta(days=i),
                owned_by_submitter=True, declarations=json.dumps({"english": True, "accurate": True, "consent": True}),
                created_at=now, updated_at=now, submitted_at=now, nominated_at=now,
            ))
        for start in range(0, len(rows), 100):
            await Nomination.insert(*rows[start:start + 100])
        await move_phase(year, "voting", "catalogue bench", Actor.system(), utcnow())
        filtered = await Nomination.count().where(
            (Nomination.region == FILTER_REGION) & (Nomination.title.like(f"%{FILTER_QUERY}%"))
        )
        return {"year": year, "projects": await Nomination.count(), "filtered": filtered}
    finally:
        await close_pool(engine)


# --- the server ---------------------------------------------------------------------------


def server_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PRIZES_VAR_DIR"}}
    env.update(DATABASE_URL=database_url, PRIZES_VAR_DIR=str(var_dir), MAIL_POLL_SECONDS="0",
               PHASE_TICK_SECONDS="0", LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"), PYTHONUNBUFFERED="1")
    return env


def migrate(env: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "main.py", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    if result.returncode != 0:
        raise SystemExit(f"`main.py migrate` failed:\n{result.stdout}\n{result.stderr}")


# --- load ----------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    bytes_per_response: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(base: str, name: str, path: str, connections: int, threads: int, seconds: float, size: int,
            headers: tuple[str, ...] = ()) -> Result:
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s",
         *(arg for header in headers for arg in ("-H", header)), base + path],
        capture_output=True, text=True, timeout=seconds + 60,
    ).stdout
    try:
        requests = int(re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", output).group(1))
        duration = _ms(re.search(r"\d+ requests in ([\d.]+(?:ms|s|m))", output).group(1)) / 1000
        p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
        p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    except AttributeError:
        raise SystemExit(f"could not read wrk's output:\n{output}") from None
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return Result(name, path, requests, duration, p50, p99, errors, size)


async def _httpx_load(url: str, connections: int, seconds: float) -> tuple[list[float], int, float]:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        start = time.perf_counter()
        stop_at = start + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop_at:
                began = time.perf_counter()
                try:
                    response = await client.get(url)
                    if response.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - began) * 1000)

        await asyncio.gather(*(worker() for _ in range(connections)))
        return latencies, errors, time.perf_counter() - start


def run_httpx(base: str, name: str, path: str, connections: int, seconds: float, size: int) -> Result:
    latencies, errors, elapsed = asyncio.run(_httpx_load(base + path, connections, seconds))
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    return Result(name, path, len(latencies), elapsed, statistics.median(latencies) if latencies else 0.0, p99,
                  errors, size)


def drain(base: str) -> None:
    """Wait until the server has finished the requests a stopped load generator left in
    flight (a worker cannot cancel them), so that they do not slow the next measurement:
    until a single baseline request answers quickly again."""
    import httpx

    deadline = time.monotonic() + 60
    with httpx.Client(timeout=60) as client:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            client.get(f"{base}/api/editions/current")
            if time.perf_counter() - began < 0.25:
                return
            time.sleep(0.2)


# --- main ------------------------------------------------------------------------------------


def check_pages(base: str, expected: dict) -> dict[str, int]:
    """Each measured URL answers 200 with what it should contain; the size of each answer."""
    import httpx

    sizes: dict[str, int] = {}
    page = httpx.get(f"{base}/projects", timeout=30)
    assert page.status_code == 200, page.status_code
    assert f"{expected['projects']} projects" in page.text, "the catalogue does not show every project"
    assert page.text.count('class="card"') == 20, "the first page does not show 20 projects"
    sizes["/projects"] = len(page.content)
    query = f"region={FILTER_REGION}&q={FILTER_QUERY}"
    page = httpx.get(f"{base}/projects?{query}", timeout=30)
    assert page.status_code == 200 and f"{expected['filtered']} project" in page.text, "the filtered page is wrong"
    sizes[f"/projects?{query}"] = len(page.content)
    listing = httpx.get(f"{base}/api/nominations", timeout=30)
    assert listing.status_code == 200 and listing.json()["total"] == expected["projects"], listing.text[:200]
    assert len(listing.json()["items"]) == 20
    sizes["/api/nominations"] = len(listing.content)
    listing = httpx.get(f"{base}/api/nominations?{query}", timeout=30)
    assert listing.status_code == 200 and listing.json()["total"] == expected["filtered"], listing.text[:200]
    sizes[f"/api/nominations?{query}"] = len(listing.content)
    baseline = httpx.get(f"{base}/api/editions/current", timeout=30)
    assert baseline.status_code == 200 and baseline.json()["phase"] == "voting", baseline.text[:200]
    sizes["/api/editions/current"] = len(baseline.content)
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=400)
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per endpoint (default 8)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per endpoint (default 2)")
    parser.add_argument("--workers", type=int, default=1, help="server workers (default 1)")
    parser.add_argument("--loader", choices=("auto", "wrk", "httpx"), default="auto")
    args = parser.parse_args()

    loader = args.loader
    if loader == "auto":
        loader = "wrk" if shutil.which("wrk") else "httpx"
    if loader == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk), or use --loader httpx")

    tmp = Path(tempfile.mkdtemp(prefix="prizes-bench-"))
    started = time.monotonic()
    database = fresh_database(os.environ.get("DATABASE_URL"), tmp)
    stack = ExitStack()
    try:
        env = server_env(database.url, tmp / "var")
        # This process reads its settings (piccolo_conf) from the same environment.
        os.environ.update(DATABASE_URL=database.url, PRIZES_VAR_DIR=env["PRIZES_VAR_DIR"])
        migrate(env)
        expected = asyncio.run(populate(database.url, args.projects))
        base, _process = stack.enter_context(
            serving("--no-migrate", "--workers", str(args.workers), env=env, log_path=tmp / "server.log"))
        sizes = check_pages(base, expected)
        engine = "PostgreSQL" if database.url.startswith("postgresql") else "SQLite"
        redis = "REDIS_URL" if os.environ.get("REDIS_URL") else "private Redis"
        print(f"{engine} ({database.url}), {redis}; {expected['projects']} nominated projects in 18 categories, "
              f"the filtered search matches {expected['filtered']}; set-up {time.monotonic() - started:.1f} s")
        print(f"server: main.py serve --workers {args.workers}; load: {loader}, {args.connections} connections, "
              f"{args.duration:g} s per endpoint after {args.warmup:g} s of warm-up; {os.cpu_count()} CPUs shared "
              f"by the server and the load generator\n")

        query = f"region={FILTER_REGION}&q={FILTER_QUERY}"
        endpoints = [
            ("baseline: edition", "/api/editions/current"),
            ("catalogue page 1 (HTML)", "/projects"),
            ("catalogue filtered (HTML)", f"/projects?{query}"),
            ("API page 1 (JSON)", "/api/nominations"),
            ("API filtered (JSON)", f"/api/nominations?{query}"),
        ]
        results: list[Result] = []
        def measure(name: str, path: str, seconds: float) -> Result:
            if loader == "wrk":
                result = run_wrk(base, name, path, args.connections, args.threads, seconds, sizes[path])
            else:
                result = run_httpx(base, name, path, args.connections, seconds, sizes[path])
            drain(base)
            return result

        for name, path in endpoints:
            if args.warmup > 0:
                measure(name, path, args.warmup)
            results.append(measure(name, path, args.duration))

        baseline = results[0].rps
        header = f"{'endpoint':<27} {'path':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'× base':>7} {'KiB':>6} {'errors':>6}"
        print(header)
        print("-" * len(header))
        for r in results:
            print(f"{r.name:<27} {r.path:<40} {r.rps:>8.1f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} "
                  f"{r.rps / baseline if baseline else 0:>7.3f} {r.bytes_per_response / 1024:>6.1f} {r.errors:>6}")
        print(f"\ntotal time {time.monotonic() - started:.1f} s")
        return 1 if any(r.errors for r in results) else 0
    finally:
        stack.close()
        database.drop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
