"""The real server (granian, two workers) on the test run's database and Redis: the vote
limits hold exactly across processes, and a server killed in the middle of a burst of votes
loses no vote it acknowledged."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import threading
import time

import httpx

from prizes.nominations.tables import Nomination
from tests.servers import _env, _main, serving
from tests.voting.factories import accounts, nominated, open_voting
from voting.queries import edition_by_year, recorded_counts
from voting.rules import counting_mode
from voting.tables import Vote

PASSWORD = "correct horse battery staple"
HIGH = {"RATE_LIMIT_VOTES_PER_IP": "100000/minute", "RATE_LIMIT_VOTES_PER_NETWORK": "100000/minute",
        "RATE_LIMIT_VOTES_PER_ACCOUNT": "100000/minute", "RATE_LIMIT_LOGINS_PER_IP": "100000/minute",
        "PHASE_TICK_SECONDS": "0"}


def sign_in(base: str, email: str) -> dict[str, str]:
    """The cookies of a new session, and the CSRF token to send with them."""
    with httpx.Client(base_url=base, timeout=30) as http:
        http.get("/api/editions/current")
        token = http.cookies["csrftoken"]
        response = http.post("/api/session", json={"email": email, "password": PASSWORD}, headers={"x-csrftoken": token})
        assert response.status_code == 200, response.text
        return dict(http.cookies)


def cast(base: str, cookies: dict[str, str], nomination_id: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=30, cookies=cookies) as http:
        return http.post("/api/votes", json={"nomination_id": nomination_id}, headers={"x-csrftoken": cookies["csrftoken"]})


async def test_two_app_processes_never_let_more_votes_through_than_the_limit(app, client, redis_url):
    """200 concurrent attempts by one account through two workers, against a limit of 50 a
    minute: exactly 50 are let through (one vote and 49 "already voted"), 150 get 429."""
    projects = [await nominated(app, category="C1", title=f"Project {i}") for i in range(2)]
    await accounts(app, 1, prefix="ada")
    await open_voting(app)
    env = _env(REDIS_URL=redis_url, **{**HIGH, "RATE_LIMIT_VOTES_PER_ACCOUNT": "50/minute"})
    with serving("--workers", "2", "--no-migrate", env=env) as (base, _process):
        cookies = sign_in(base, "ada0@example.org")
        with concurrent.futures.ThreadPoolExecutor(max_workers=24) as pool:
            responses = list(pool.map(lambda i: cast(base, cookies, projects[i % 2]), range(200)))
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 1 and codes.count(409) == 49 and codes.count(429) == 150, sorted(set(codes))
    assert all(1 <= int(r.headers["retry-after"]) <= 60 for r in responses if r.status_code == 429)
    assert await Vote.count() == 1


async def test_the_app_killed_during_a_burst_of_votes_loses_no_acknowledged_vote(app, client, redis_url):
    year = await open_voting(app)
    codes = ["C1", "C2", "C3"]
    projects = {code: [await nominated(app, category=code, title=f"{code} project {i}") for i in range(2)] for code in codes}
    await accounts(app, 40, prefix="burst")
    env = _env(REDIS_URL=redis_url, PRIZES_TALLY_SWEEP_SECONDS="0.5", PRIZES_TALLY_SWEEP_GRACE_SECONDS="1", **HIGH)

    acknowledged: list[tuple[str, str, str]] = []  # (voter, category, receipt)
    lock = threading.Lock()
    with serving("--workers", "2", "--no-migrate", env=env) as (base, process):  # its own process group
        sessions = {i: sign_in(base, f"burst{i}@example.org") for i in range(40)}

        def ballot(i: int) -> None:
            for n, code in enumerate(codes):
                try:
                    response = cast(base, sessions[i], projects[code][(i + n) % 2])
                except httpx.HTTPError:
                    return  # the server died under this request
                if response.status_code == 201:
                    with lock:
                        acknowledged.append((f"burst{i}@example.org", code, response.json()["receipt"]))

        def killer() -> None:
            while True:
                with lock:
                    if len(acknowledged) >= 30:
                        break
                time.sleep(0.005)
            os.killpg(process.pid, signal.SIGKILL)

        kill = threading.Thread(target=killer)
        kill.start()
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(ballot, range(40)))
        kill.join(timeout=60)
        process.wait(timeout=30)
    assert 30 <= len(acknowledged) < 120, len(acknowledged)

    # every acknowledged vote is in the record
    rows = await Vote.select(Vote.receipt, Vote.voter.email, Vote.category.code)
    recorded = {(r["voter.email"], r["category.code"], r["receipt"]) for r in rows}
    assert set(acknowledged) <= recorded

    # back up: the tallies come to agree with the record by themselves (the sweeper)
    with serving("--workers", "2", "--no-migrate", env=env) as (base, _process):
        deadline = time.monotonic() + 60
        while True:
            check = _main("tallies", "--check", env=env)
            if check.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert check.returncode == 0, check.stdout
    edition = await edition_by_year(year)
    counts = await recorded_counts(edition, counting_mode(edition.state.settings))
    assert sum(counts.ballots.values()) == len(recorded)
    assert await Nomination.count() == 6
