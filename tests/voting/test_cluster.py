"""The app on a real Redis Cluster (tests/cluster.py: three masters, one replica each, on
loopback): sessions, a storm of votes with duplicates, rate limits exact across two app
processes, a master emptied (only its slots are rebuilt) and a master killed in the middle
of a storm (its replica takes over; the failed-over slots are rebuilt; nothing lost, nothing
counted twice). The two tests that run the real server (granian, two workers) run in the
PostgreSQL pass; the others in both."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time

import httpx
import pytest
import redis.cluster
from redis.crc import key_slot

from accounts.sessions import SESSION_COOKIE
from tests.cluster import redis_cluster  # noqa: F401 - the fixture
from tests.servers import _env, _main, serving
from tests.voting.conftest import voting_settings
from tests.voting.factories import accounts, nominated, open_voting, vote, voter
from tests.voting.test_servers import HIGH, cast, sign_in
from voting import queries
from voting.keys import redis_id, tally_keys
from voting.rules import counting_mode
from voting.tables import Vote
from voting.tallies import tallies_command

SENTINEL = "untouched-since-built"


@pytest.fixture
def settings(redis_cluster):  # noqa: F811
    return voting_settings(redis_url=redis_cluster.url)


def sync_client(cluster) -> redis.cluster.RedisCluster:
    first = cluster.live()[0]
    return redis.cluster.RedisCluster(host="127.0.0.1", port=first.port)


def slot_of(year: int, code: str) -> int:
    return key_slot(tally_keys(year, code).epoch.encode())


def mark_built(cluster, year: int, codes) -> None:
    """A field the app never writes, in each category's raw tally: a rebuild (which empties
    the slot first) removes it, so whether it is still there says whether the slot was rebuilt."""
    client = sync_client(cluster)
    try:
        for code in codes:
            client.hset(tally_keys(year, code).raw, SENTINEL, 0)
    finally:
        client.close()


def rebuilt(cluster, year: int, codes) -> set[str]:
    client = sync_client(cluster)
    try:
        return {code for code in codes if not client.hexists(tally_keys(year, code).raw, SENTINEL)}
    finally:
        client.close()


def cluster_env(cluster, **extra) -> dict[str, str]:
    return _env(REDIS_URL=cluster.url, **extra)


async def staff_tallies(staff, year: int) -> dict[str, int]:
    response = await staff.get(f"/api/editions/{year}/tallies")
    assert response.status_code == 200, response.text
    return {item["nomination_id"]: item["votes"] for item in response.json()["items"]}


async def recorded(year: int) -> dict[str, dict[str, int]]:
    edition = await queries.edition_by_year(year)
    return (await queries.recorded_counts(edition, counting_mode(edition.state.settings))).raw


async def test_sessions_live_on_every_node_and_end_everywhere(app, client, redis_cluster):  # noqa: F811
    """Sign-ins whose session keys land on every master; each session works, signing out
    ends it, and the store's delete_all (a SCAN on one server) reaches every node."""
    browsers = []
    for i in range(40):
        browsers.append(await voter(app, f"s{i}@example.org", client_ip=f"198.51.{i}.1"))
    for api in browsers:
        assert (await api.get("/api/me")).json()["email"].startswith("s")
    masters = {redis_cluster.master_of(key_slot(f"prizes:session:{api.http.cookies[SESSION_COOKIE]}".encode()))
               for api in browsers}
    assert len(masters) == 3, masters  # 40 random ids on 3 masters: all of them (3·(2/3)^40, 1 in 3·10^6, not)
    assert (await browsers[0].delete("/api/session")).status_code == 204
    assert (await browsers[0].get("/api/me")).status_code == 401
    assert (await browsers[1].get("/api/me")).status_code == 200
    await app.stores.get("sessions").delete_all()
    for api in browsers[1:]:
        assert (await api.get("/api/me")).status_code == 401
        await api.http.aclose()
    await browsers[0].http.aclose()


async def test_the_book_build_lock_and_progress_work_on_the_cluster(app, client, redis_cluster):  # noqa: F811
    """reports/jobs.py on the cluster: the build's lock (SET NX), its progress hash and the
    lock's release (a script) — a build of an edition that does not exist fails at once, and
    releases its lock, so the next one may start."""
    books = app.state["books"]
    assert await books.start(1999, "staff@example.org")
    await books.wait(1999)
    status = await books.status(1999)
    assert status["state"] == "failed" and status["requested_by"] == "staff@example.org", status
    assert await books.start(1999, "staff@example.org")  # the lock was released
    await books.wait(1999)


@pytest.mark.postgres_only
async def test_a_storm_of_votes_with_duplicates_counts_each_vote_once(app, client, staff, redis_cluster):  # noqa: F811
    codes = ["C1", "C3", "C5", "C7.2", "C7.8", "C10"]
    projects = {code: [await nominated(app, category=code, title=f"{code} project {i}") for i in range(3)]
                for code in codes}
    year = await open_voting(app)
    assert len({redis_cluster.master_of(slot_of(year, code)) for code in codes}) >= 2
    voters = [await voter(app, f"v{i}@example.org", client_ip=f"198.51.{i}.1") for i in range(16)]
    attempts = []
    for i, api in enumerate(voters):
        for n, code in enumerate(codes):
            chosen = projects[code][(i + n) % 3]
            other = projects[code][(i + n + 1) % 3]
            attempts += [(api, chosen), (api, chosen), (api, other)]  # the same vote twice, and a change of mind
    responses = await asyncio.gather(*(vote(api, nomination) for api, nomination in attempts))
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 16 * len(codes) and statuses.count(409) == 2 * 16 * len(codes), sorted(set(statuses))
    assert await Vote.count() == 16 * len(codes)
    counts = await recorded(year)
    assert sum(sum(c.values()) for c in counts.values()) == 16 * len(codes)
    expected = {nid: counts[code].get(redis_id(nid), 0) for code in codes for nid in projects[code]}
    assert await staff_tallies(staff, year) == expected
    check = _main("tallies", "--check", env=cluster_env(redis_cluster))
    assert check.returncode == 0, check.stdout + check.stderr
    for api in voters:
        await api.http.aclose()


async def test_a_master_emptied_has_only_its_slots_rebuilt(app, client, staff, redis_cluster):  # noqa: F811
    year = await open_voting(app)
    edition = await queries.edition_by_year(year)
    codes = edition.categories.codes
    projects = {code: await nominated(app, category=code, title=f"Project {code}") for code in codes}
    voters = [await voter(app, f"v{i}@example.org", client_ip=f"198.51.{i}.1") for i in range(3)]
    for api in voters:
        for code in codes:
            assert (await vote(api, projects[code])).status_code == 201
    mark_built(redis_cluster, year, codes)
    on = {code: redis_cluster.master_of(slot_of(year, code)) for code in codes}
    emptied = max(set(on.values()), key=lambda port: sum(1 for p in on.values() if p == port))
    lost = {code for code, port in on.items() if port == emptied}
    assert 0 < len(lost) < 18
    redis_cluster.flushall(emptied)
    lines: list[str] = []
    assert await tallies_command(app.state["tallies"], rebuild=False, year=year, out=lines.append) == 1
    assert {line.split(":")[0].split()[1] for line in lines if "no tallies in Redis" in line} == lost
    # the next read rebuilds what the node lost, and nothing else (staff sign in again: their
    # session may have been on that node)
    await staff.sign_in("staff@example.org")
    assert await staff_tallies(staff, year) == {projects[code]: 3 for code in codes}
    assert rebuilt(redis_cluster, year, codes) == lost
    check = _main("tallies", "--check", env=cluster_env(redis_cluster))
    assert check.returncode == 0, check.stdout + check.stderr
    for api in voters:
        await api.http.aclose()


async def test_a_slot_failed_over_to_its_replica_is_rebuilt_and_no_other(app, client, staff, redis_cluster):  # noqa: F811
    """A replica promoted (here gracefully, CLUSTER FAILOVER) may lack writes its master
    acknowledged: the slots it took over are rebuilt from the database, the others left alone."""
    year = await open_voting(app)
    codes = (await queries.edition_by_year(year)).categories.codes
    projects = {code: await nominated(app, category=code, title=f"Project {code}") for code in codes}
    voters = [await voter(app, f"v{i}@example.org", client_ip=f"198.51.{i}.1") for i in range(2)]
    for api in voters:
        for code in codes:
            assert (await vote(api, projects[code])).status_code == 201
    mark_built(redis_cluster, year, codes)
    on = {code: redis_cluster.master_of(slot_of(year, code)) for code in codes}
    master = on["C1"]
    moved = {code for code, port in on.items() if port == master}
    replica = redis_cluster.replica_of(master)
    redis_cluster.cli(replica, "cluster", "failover")
    assert redis_cluster.wait_for_new_master(slot_of(year, "C1"), master) == replica
    lines: list[str] = []
    assert await tallies_command(app.state["tallies"], rebuild=False, year=year, out=lines.append) == 1
    assert {line.split(":")[0].split()[1] for line in lines if "built on another Redis node" in line} == moved
    assert await staff_tallies(staff, year) == {projects[code]: 2 for code in codes}
    assert rebuilt(redis_cluster, year, codes) == moved
    check = _main("tallies", "--check", env=cluster_env(redis_cluster))
    assert check.returncode == 0, check.stdout + check.stderr
    for api in voters:
        await api.http.aclose()


@pytest.mark.postgres_only
async def test_two_app_processes_on_a_cluster_never_let_more_votes_through_than_the_limit(app, client, redis_cluster):  # noqa: F811
    """As in test_servers, with the windows on the cluster: 200 concurrent attempts by one
    account through two workers, a limit of 50 an hour (a window no slow machine outlasts):
    exactly 50 let through."""
    projects = [await nominated(app, category="C1", title=f"Project {i}") for i in range(2)]
    await accounts(app, 1, prefix="ada")
    await open_voting(app)
    env = cluster_env(redis_cluster, **{**HIGH, "RATE_LIMIT_VOTES_PER_ACCOUNT": "50/hour"})
    with serving("--workers", "2", "--no-migrate", env=env) as (base, _process):
        cookies = sign_in(base, "ada0@example.org")
        with concurrent.futures.ThreadPoolExecutor(max_workers=24) as pool:
            responses = list(pool.map(lambda i: cast(base, cookies, projects[i % 2]), range(200)))
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 1 and codes.count(409) == 49 and codes.count(429) == 150, sorted(set(codes))
    assert await Vote.count() == 1


@pytest.mark.postgres_only
@pytest.mark.timeout(900)
async def test_a_master_killed_mid_storm_fails_over_and_the_tallies_stay_exact(app, client, redis_cluster):  # noqa: F811
    """Two app workers, 30 voters voting in six categories (each vote sent twice at once);
    after 40 acknowledgements the master serving most of those categories is killed. Its
    replica takes over; the app rides the failover out, rebuilds the failed-over slots (and
    only those) from the database, and then Redis equals the database: every acknowledged
    vote counted once."""
    year = await open_voting(app)
    codes = ["C1", "C2", "C4", "C7.3", "C7.6", "C9"]
    projects = {code: [await nominated(app, category=code, title=f"{code} project {i}") for i in range(2)] for code in codes}
    await accounts(app, 30, prefix="storm")
    env = cluster_env(redis_cluster, PRIZES_TALLY_SWEEP_SECONDS="0.5", PRIZES_TALLY_SWEEP_GRACE_SECONDS="1", **HIGH)
    acknowledged: list[tuple[str, str, str]] = []
    statuses: list[int] = []
    lock = threading.Lock()
    with serving("--workers", "2", "--no-migrate", env=env) as (base, _process):
        sessions = {i: sign_in(base, f"storm{i}@example.org") for i in range(30)}
        # the tallies exist (built once) before the storm, so a later rebuild is visible
        with httpx.Client(base_url=base, timeout=30, cookies=sessions[0]) as http:
            first = http.post("/api/votes", json={"nomination_id": projects["C1"][0]},
                              headers={"x-csrftoken": sessions[0]["csrftoken"]})
            assert first.status_code == 201
            acknowledged.append(("storm0@example.org", "C1", first.json()["receipt"]))
        mark_built(redis_cluster, year, codes)
        on = {code: redis_cluster.master_of(slot_of(year, code)) for code in codes}
        victim = max(set(on.values()), key=lambda port: sum(1 for p in on.values() if p == port))
        failed_over = {code for code, port in on.items() if port == victim}

        def ballot(i: int) -> None:
            http = httpx.Client(base_url=base, timeout=60, cookies=sessions[i])
            for n, code in enumerate(codes):
                nomination = projects[code][(i + n) % 2]
                with concurrent.futures.ThreadPoolExecutor(max_workers=2) as twice:
                    answers = list(twice.map(lambda _: _try(http, sessions[i], nomination), range(2)))
                with lock:
                    for answer in answers:
                        statuses.append(answer.status_code if answer is not None else 0)
                        if answer is not None and answer.status_code == 201:
                            acknowledged.append((f"storm{i}@example.org", code, answer.json()["receipt"]))
            http.close()

        def killer() -> None:
            while True:
                with lock:
                    if len(acknowledged) >= 40:
                        break
                time.sleep(0.005)
            redis_cluster.kill(victim)

        kill = threading.Thread(target=killer)
        kill.start()
        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
            list(pool.map(ballot, range(30)))
        kill.join(timeout=60)
        new_master = redis_cluster.wait_for_new_master(slot_of(year, next(iter(failed_over))), victim)
        assert new_master != victim
        # the app's sweeper notices the failed-over slots and rebuilds them
        deadline = time.monotonic() + 60
        while True:
            check = _main("tallies", "--check", "--year", str(year), env=env)
            if check.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert check.returncode == 0, check.stdout + check.stderr
    assert len(acknowledged) > 40 and statuses.count(201) + 1 == len(acknowledged)
    # every request rode the failover out: a vote or "already voted", never an error
    assert set(statuses) <= {201, 409}, sorted(statuses)
    rows = await Vote.select(Vote.receipt, Vote.voter.email, Vote.category.code)
    in_record = {(r["voter.email"], r["category.code"], r["receipt"]) for r in rows}
    assert set(acknowledged) <= in_record  # nothing acknowledged is lost...
    counts = await recorded(year)
    assert sum(sum(c.values()) for c in counts.values()) == len(in_record)  # ...and Redis (checked) equals it
    assert rebuilt(redis_cluster, year, codes) == failed_over


def _try(http: httpx.Client, cookies: dict[str, str], nomination: str) -> httpx.Response | None:
    try:
        return http.post("/api/votes", json={"nomination_id": nomination}, headers={"x-csrftoken": cookies["csrftoken"]})
    except httpx.HTTPError:
        return None
