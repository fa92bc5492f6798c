"""Benchmark of the vote path: `python -m bench.votes` (add `--help` for the knobs).

What it does, in one run against one server:
1. a fresh database — PostgreSQL (a temporary database on the server of
   TEST_POSTGRES_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/postgres, with a
   Redis DB index of 127.0.0.1:6379 claimed like the test runner does) when it answers,
   else the embedded default (SQLite and the private Redis), or as `--engine` says;
2. the current edition in its voting phase, `--projects` nominated projects in each of its
   18 categories and `--voters` verified voters, written straight to the database;
3. the real server (`main.py serve`, granian, `--workers` 2), every voter signed in
   beforehand, each behind an address of its own (X-Forwarded-For from a trusted proxy),
   so the three vote limits stay on at their defaults;
4. wrk at `--connections` 64 for `--seconds` 20 on the trivial endpoint
   GET /api/editions/current, then the same on POST /api/votes (each request the next
   voter's next category): requests/s, p50 and p99 of both, and their ratio;
5. then it checks that responses, database and Redis agree exactly: every acknowledged
   vote (201) is in the database, the only votes in the database that were not
   acknowledged are requests wrk abandoned when its time was up, every other answer is
   counted by status, and the Redis tallies equal the database's (`tallies --check`).

With `--redis-cluster` it does all of that twice in one run, each time on a fresh database:
first on one Redis (as above), then on a Redis Cluster it starts on loopback (three masters
and three replicas of the system's redis-server 7, as the tests do: tests/cluster.py), and
prints the ratio of the two.

Needs `wrk` (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

if __package__ in (None, ""):  # run as a script: the project's root first on the path, not bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from tests.servers import serving  # noqa: E402


ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
PASSWORD = "bench password, long enough"
CHEAP = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024", "ARGON2_PARALLELISM": "1"}

VOTES_LUA = r"""
counter = 0
threads = {}

function setup(thread)
  thread:set("thread_index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  voters = {}
  local i = 0
  for line in io.lines(path) do
    if i % nthreads == thread_index then
      local cookie, token, xff, nids = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local list = {}
      for nid in nids:gmatch("[^,]+") do table.insert(list, nid) end
      table.insert(voters, {cookie = cookie, token = token, xff = xff, nids = list})
    end
    i = i + 1
  end
  step, sent, received, created = 0, 0, 0, 0
  acks, others = {}, {}
end

function request()
  local n = #voters
  local v = voters[(step % n) + 1]
  local c = math.floor(step / n) % #v.nids + 1
  step = step + 1
  sent = sent + 1
  return wrk.format("POST", "/api/votes", {
    ["Cookie"] = v.cookie, ["x-csrftoken"] = v.token, ["X-Forwarded-For"] = v.xff,
    ["Content-Type"] = "application/json"}, '{"nomination_id":"' .. v.nids[c] .. '"}')
end

function response(status, headers, body)
  received = received + 1
  if status == 201 then
    created = created + 1
    acks[created] = body:match('"receipt":"([^"]+)"')
  else
    others[tostring(status)] = (others[tostring(status)] or 0) + 1
  end
end

function done(summary, latency, requests)
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  local sent_total, received_total, receipts, statuses = 0, 0, {}, {}
  for _, thread in ipairs(threads) do
    sent_total = sent_total + thread:get("sent")
    received_total = received_total + thread:get("received")
    for _, r in ipairs(thread:get("acks")) do table.insert(receipts, '"' .. r .. '"') end
    for k, v in pairs(thread:get("others")) do statuses[k] = (statuses[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(statuses) do table.insert(parts, '"' .. k .. '":' .. v) end
  out:write(string.format('{"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d,' ..
    '"sent":%d,"received":%d,"others":{%s},"receipts":[%s]}',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), sent_total, received_total,
    table.concat(parts, ","), table.concat(receipts, ",")))
  out:close()
end
"""

TRIVIAL_LUA = r"""
others = {}
threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) others = {} end
function response(status, headers, body)
  if status ~= 200 then others[tostring(status)] = (others[tostring(status)] or 0) + 1 end
end
function done(summary, latency, requests)
  local statuses = {}
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("others")) do statuses[k] = (statuses[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(statuses) do table.insert(parts, '"' .. k .. '":' .. v) end
  local out = io.open(os.getenv("BENCH_OUT"), "w")
  out:write(string.format('{"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d,"others":{%s}}',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), table.concat(parts, ",")))
  out:close()
end
"""


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- where the data lives -----------------------------------------------------------------------


async def _pg(sql: str) -> bool:
    import asyncpg

    try:
        connection = await asyncio.wait_for(asyncpg.connect(dsn=ADMIN_URL), timeout=5)
    except Exception:
        return False
    try:
        await connection.execute(sql)
        return True
    finally:
        await connection.close()


@contextmanager
def environment(engine: str, redis_url: str | None = None):
    """DATABASE_URL, REDIS_URL and PRIZES_VAR_DIR of a fresh, disposable set-up (on the Redis
    of `redis_url` when given, e.g. a cluster)."""
    var_dir = Path(tempfile.mkdtemp(prefix="prizes-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(CHEAP)
    env.update(PRIZES_VAR_DIR=str(var_dir), TRUSTED_PROXIES="127.0.0.1/32", LOG_LEVEL="WARNING",
               RATE_LIMIT_LOGINS_PER_IP="1000000/minute")
    name = f"prizes_bench_{os.getpid()}_{secrets.token_hex(3)}"
    claimed = None
    try:
        if engine == "postgres":
            if not asyncio.run(_pg(f'CREATE DATABASE "{name}"')):
                raise SystemExit(f"PostgreSQL not reachable at {ADMIN_URL}")
            env["DATABASE_URL"] = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
            if not redis_url:
                claimed = _claim_redis_db()
                env["REDIS_URL"] = f"{REDIS_BASE}/{claimed[1]}"
        else:
            env["DATABASE_URL"] = f"sqlite:///{var_dir / 'prizes.sqlite'}"
        if redis_url:
            env["REDIS_URL"] = redis_url
        yield env
    finally:
        if engine == "postgres":
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if claimed:
            import redis

            client, index = claimed
            redis.Redis.from_url(f"{REDIS_BASE}/{index}").flushdb()
            client.delete(f"prizes:test-run-lock:{index}")
        shutil.rmtree(var_dir, ignore_errors=True)


def _claim_redis_db():
    """A Redis DB index no test run holds (the test runner's lock keys on DB 0)."""
    import redis

    client = redis.Redis.from_url(f"{REDIS_BASE}/0", socket_timeout=3)
    for index in range(15, 0, -1):
        if client.set(f"prizes:test-run-lock:{index}", os.getpid(), nx=True, ex=3600):
            redis.Redis.from_url(f"{REDIS_BASE}/{index}").flushdb()
            return client, index
    raise SystemExit("every Redis DB index is held by a test run")


def _env_for_python(env: dict[str, str]):
    """Make this process read the same settings as the server."""
    os.environ.update(env)
    for key in ("DATABASE_URL", "REDIS_URL"):
        if key not in env:
            os.environ.pop(key, None)


# --- preparing the contest ---------------------------------------------------------------------


async def prepare(env: dict[str, str], voters: int, projects: int) -> list[tuple[str, str, list[str]]]:
    """The edition in voting, nominated projects, verified voters. Returns, per voter, its
    address, its forwarded-for address and the project it votes for in each category."""
    import random
    from datetime import datetime, timezone

    from accounts.passwords import Passwords
    from accounts.tables import User
    from core.audit import Actor
    from core.db import close_pool, start_pool, use_database
    from prizes.editions.queries import current_year
    from core.clock import utcnow
    from prizes.editions.services import move_phase
    from prizes.editions.tables import Category, Edition
    from prizes.nominations.tables import Nomination

    engine = use_database(env["DATABASE_URL"])
    await start_pool(engine)
    try:
        year = await current_year(utcnow())
        await move_phase(year, "voting", "benchmark", Actor.system(), utcnow())
        edition = await Edition.select(Edition.id).where(Edition.year == year).first()
        categories = await Category.select(Category.id, Category.code).where(Category.edition == edition["id"]).order_by(
            Category.position)
        owner_hash = await Passwords(1, 1024, 1).hash(PASSWORD)
        owner = User(email="owner@bench.example", email_key="owner@bench.example", display_name="owner",
                     password_hash=owner_hash, email_verified=True)
        await User.insert(owner)
        by_category: dict[str, list[str]] = {}
        rows = []
        for category in categories:
            for i in range(projects):
                nomination = Nomination(edition=edition["id"], category=category["id"], owner=owner.id, status="nominated",
                                        title=f"{category['code']} project {i}", entity_name=f"Entity {category['code']} {i}",
                                        entity_key=f"entity {category['code']} {i}", country="KE", region="africa",
                                        submitted_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
                rows.append(nomination)
                by_category.setdefault(category["code"], []).append(str(nomination.id))
        await Nomination.insert(*rows)
        plan = []
        users = []
        rng = random.Random(7)
        for i in range(voters):
            email = f"voter{i}@bench.example"
            users.append(User(email=email, email_key=email, display_name=f"voter {i}", password_hash=owner_hash,
                              email_verified=True, language="en"))  # as sign-up records it
            address = f"10.{(i >> 8) & 255}.{i & 255}.{7 + (i >> 16)}"
            plan.append((email, address, [rng.choice(by_category[c["code"]]) for c in categories]))
        for start in range(0, len(users), 1000):
            await User.insert(*users[start : start + 1000])
        return plan
    finally:
        await close_pool(engine)


# --- the server and the load ----------------------------------------------------------------------


@contextmanager
def server(env: dict[str, str], workers: int):
    with serving("--workers", str(workers), "--no-migrate", env=env) as (base, _process):
        yield base


def sign_in(base: str, email: str, address: str) -> tuple[str, str]:
    with httpx.Client(base_url=base, timeout=60, headers={"x-forwarded-for": address}) as http:
        http.get("/api/editions/current")
        token = http.cookies["csrftoken"]
        response = http.post("/api/session", json={"email": email, "password": PASSWORD}, headers={"x-csrftoken": token})
        response.raise_for_status()
        cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
        return cookie, token


def wrk(url: str, script: str, args: list[str], connections: int, threads: int, seconds: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="prizes-wrk-"))
    try:
        (workdir / "script.lua").write_text(script)
        out = workdir / "out.json"
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                   "-s", str(workdir / "script.lua"), url]
        if args:
            command += ["--", *args]
        subprocess.run(command, check=True, capture_output=True, text=True, env={**os.environ, "BENCH_OUT": str(out)})
        return json.loads(out.read_text())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def figures(result: dict) -> tuple[float, float, float]:
    per_second = result["requests"] / (result["duration_us"] / 1e6)
    return per_second, result["p50_us"] / 1000, result["p99_us"] / 1000


# --- the agreement check -------------------------------------------------------------------------------


async def agreement(env: dict[str, str], votes: dict) -> dict:
    from core.db import close_pool, start_pool, use_database
    from core.clock import utcnow
    from core.redis import EmbeddedRedis, close_client, make_client
    from prizes.editions.queries import current_year
    from voting.queries import edition_by_year
    from voting.tables import Vote
    from voting.tallies import TallyStore

    engine = use_database(env["DATABASE_URL"])
    await start_pool(engine)
    redis_url = env.get("REDIS_URL") or EmbeddedRedis(Path(env["PRIZES_VAR_DIR"])).url
    redis = make_client(redis_url)
    try:
        receipts = {r["receipt"] for r in await Vote.select(Vote.receipt)}
        acknowledged = set(votes["receipts"])
        abandoned = votes["sent"] - votes["received"]
        store = TallyStore(redis)
        edition = await edition_by_year(await current_year(utcnow()))
        differences = await store.differences(edition)
        deadline = time.monotonic() + 45
        while differences and time.monotonic() < deadline:  # votes cut off mid-request: the sweeper's
            await asyncio.sleep(1)
            differences = await store.differences(edition)
        unrecorded = len(acknowledged - receipts)
        unacknowledged = len(receipts - acknowledged)
        return {
            "acknowledged": len(acknowledged),
            "recorded": len(receipts),
            "acknowledged_but_not_recorded": unrecorded,
            "recorded_not_acknowledged": unacknowledged,
            "abandoned_by_wrk": abandoned,
            "redis_differences": differences,
            "discrepancies": unrecorded + len(differences) + (1 if unacknowledged > abandoned else 0),
        }
    finally:
        await close_client(redis)
        await close_pool(engine)


def run(args, engine: str, redis_url: str | None = None) -> dict:
    """One whole bench (fresh database, server, both loads, the agreement check)."""
    with environment(engine, redis_url) as env:
        _env_for_python(env)
        subprocess.run([sys.executable, "main.py", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
        log(f"preparing {args.voters} verified voters and {args.projects * 18} nominated projects ({engine})")
        plan = asyncio.run(prepare(env, args.voters, args.projects))
        with server(env, args.workers) as base:
            log("signing every voter in")
            with ThreadPoolExecutor(max_workers=16) as pool:
                sessions = list(pool.map(lambda p: sign_in(base, p[0], p[1]), plan))
            voter_file = Path(env["PRIZES_VAR_DIR"]) / "voters.tsv"
            voter_file.write_text("".join(
                f"{cookie}\t{token}\t{address}\t{','.join(nids)}\n"
                for (cookie, token), (_email, address, nids) in zip(sessions, plan)
            ))
            log(f"wrk: {args.connections} connections, {args.seconds} s, GET /api/editions/current")
            trivial = wrk(f"{base}/api/editions/current", TRIVIAL_LUA, [], args.connections, args.threads, args.seconds)
            log(f"wrk: {args.connections} connections, {args.seconds} s, POST /api/votes")
            votes = wrk(f"{base}/api/votes", VOTES_LUA, [str(voter_file), str(args.threads)], args.connections,
                        args.threads, args.seconds)
            check = asyncio.run(agreement(env, votes))
    return {"trivial": trivial, "votes": votes, "check": check}


def report(args, engine: str, redis_label: str, result: dict) -> None:
    trivial, votes, check = result["trivial"], result["votes"], result["check"]
    t_rate, t_p50, t_p99 = figures(trivial)
    v_rate, v_p50, v_p99 = figures(votes)
    database = "PostgreSQL" if engine == "postgres" else "SQLite"
    print(f"server: granian, {args.workers} workers, {database} and {redis_label}; wrk {args.threads} threads, "
          f"{args.connections} connections, {args.seconds} s each, on the same machine")
    print(f"GET /api/editions/current  {t_rate:9.0f} requests/s   p50 {t_p50:6.1f} ms   p99 {t_p99:6.1f} ms"
          f"   (non-200: {trivial['others'] or 0}, socket errors: {trivial['errors']})")
    print(f"POST /api/votes            {v_rate:9.0f} votes/s      p50 {v_p50:6.1f} ms   p99 {v_p99:6.1f} ms"
          f"   (non-201: {votes['others'] or 0}, socket errors: {votes['errors']})")
    print(f"ratio votes/trivial        {v_rate / t_rate:9.2f}")
    print(f"agreement: {check['acknowledged']} votes acknowledged, {check['recorded']} recorded "
          f"({check['recorded_not_acknowledged']} recorded but cut off unanswered, of {check['abandoned_by_wrk']} "
          f"requests wrk abandoned at the end), {check['acknowledged_but_not_recorded']} acknowledged but not recorded, "
          f"{len(check['redis_differences'])} Redis/database differences")
    for line in check["redis_differences"][:20]:
        print(f"  {line}")
    print(f"discrepancies: {check['discrepancies']}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.votes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["postgres", "embedded", "auto"], default="auto")
    parser.add_argument("--voters", type=int, default=6000)
    parser.add_argument("--projects", type=int, default=3, help="nominated projects per category")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="granian workers")
    parser.add_argument("--redis-cluster", action="store_true",
                        help="run the bench on one Redis, then on a local Redis Cluster (3 masters, 3 replicas), "
                             "and compare")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    engine = args.engine
    if engine == "auto":
        engine = "postgres" if asyncio.run(_pg("SELECT 1")) else "embedded"

    single = run(args, engine)
    report(args, engine, "Redis" if engine == "postgres" else "the private Redis", single)
    if not args.redis_cluster:
        return 0 if single["check"]["discrepancies"] == 0 else 1

    from tests.cluster import LocalCluster

    folder = Path(tempfile.mkdtemp(prefix="prizes-bench-cluster-"))
    try:
        cluster = LocalCluster(folder / "cluster").start()
    except FileNotFoundError as error:
        raise SystemExit(f"--redis-cluster: {error}") from None
    try:
        log(f"Redis Cluster: {cluster.url} (3 masters, 3 replicas)")
        clustered = run(args, engine, cluster.url)
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print()
    report(args, engine, "a Redis Cluster of 3 masters and 3 replicas", clustered)
    print()
    single_rate, clustered_rate = figures(single["votes"])[0], figures(clustered["votes"])[0]
    single_trivial, clustered_trivial = figures(single["trivial"])[0], figures(clustered["trivial"])[0]
    print(f"cluster/single Redis: votes/s {clustered_rate / single_rate:.2f}, "
          f"trivial requests/s {clustered_trivial / single_trivial:.2f}")
    failed = single["check"]["discrepancies"] + clustered["check"]["discrepancies"]
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
