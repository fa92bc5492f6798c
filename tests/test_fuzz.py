"""A property-based run over the service's own OpenAPI schema (schemathesis), against the
served app (granian, as in production): every operation, a bounded number of generated
requests each, anonymously, as a verified voter and as staff. No answer is a server error, and
every answer has a status code and body the schema documents.

The staff run keeps a second staff account, so that whatever the generated requests do to
roles, the service always has a staff member (and the run is not locked out)."""

from __future__ import annotations

import os
import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from core.settings import Settings
from tests.servers import free_port, serving

EXAMPLES = int(os.environ.get("PRIZES_FUZZ_EXAMPLES", "3"))
PASSWORD = "fuzz password long enough"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# A generous ceiling: the run must stay within a couple of minutes on a shared machine.
BUDGET_SECONDS = 240


@pytest.fixture
async def accounts(clean):
    from accounts.passwords import Passwords
    from accounts.services import create_user
    from core.clock import utcnow
    from prizes.editions.services import ensure_current_edition

    await ensure_current_edition(utcnow())
    hashing = Passwords(1, 1024, 1)
    for email, roles in (("fuzz-staff@example.org", ("staff",)), ("fuzz-staff-2@example.org", ("staff",)),
                         ("fuzz-voter@example.org", ())):
        await create_user(hashing, email, PASSWORD, "Fuzz", verified=True, roles=roles)


@pytest.fixture
def server(accounts, redis_url):
    settings = Settings.from_env()
    port = free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url, REDIS_URL=redis_url, PRIZES_VAR_DIR=str(settings.var_dir),
        BASE_URL=f"http://127.0.0.1:{port}", ARGON2_TIME_COST="1", ARGON2_MEMORY_COST="1024",
        ARGON2_PARALLELISM="1", PHASE_TICK_SECONDS="0", EDITION_CACHE_SECONDS="0", MAIL_POLL_SECONDS="0",
        SMTP_URL="", PRIZES_TALLY_SWEEP_SECONDS="0",
        # The run signs in again before each operation: limits would answer 429 long before.
        RATE_LIMIT_LOGINS_PER_IP="100000/minute", RATE_LIMIT_LOGINS_PER_ACCOUNT="100000/minute",
        RATE_LIMIT_LOGINS_PER_NETWORK="100000/minute", RATE_LIMIT_REGISTRATIONS_PER_IP="100000/minute",
        RATE_LIMIT_REGISTRATIONS_PER_NETWORK="100000/minute", RATE_LIMIT_MAILS_PER_ACCOUNT="100000/minute",
        RATE_LIMIT_VOTES_PER_IP="100000/minute", RATE_LIMIT_VOTES_PER_ACCOUNT="100000/minute",
        RATE_LIMIT_VOTES_PER_NETWORK="100000/minute",
    )
    with serving("--no-migrate", "--workers", "1", env=env, port=port) as (base, _process):
        yield base


def _session(base: str, email: str | None) -> tuple[requests.Session, dict[str, str]]:
    session = requests.Session()
    session.get(f"{base}/api/editions/current", timeout=30)
    headers = {"x-csrftoken": session.cookies.get("csrftoken", "")}
    if email:
        answer = session.post(f"{base}/api/session", json={"email": email, "password": PASSWORD}, headers=headers,
                              timeout=30)
        assert answer.status_code == 200, answer.text
    return session, headers


@pytest.mark.parametrize("who", [None, "fuzz-voter@example.org", "fuzz-staff@example.org"],
                         ids=["anonymous", "voter", "staff"])
def test_generated_requests_get_documented_answers_and_no_server_error(server, who):
    schema = schemathesis.openapi.from_url(f"{server}/schema/openapi.json")
    failures: list[str] = []
    calls = [0]
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        # A fresh session for each operation: one that signs out or changes the password
        # must not turn the rest of the run anonymous.
        session, headers = _session(server, who)

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(base_url=server, session=session, headers=headers, timeout=60)
            calls[0] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as error:  # schemathesis' failures (a FailureGroup of them)
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                f"{str(error).strip()[:600]}")

        run()
        session.close()
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures[:40])
    assert calls[0] >= len(operations)  # every operation was called at least once
    print(f"{who or 'anonymous'}: {calls[0]} requests over {len(operations)} operations "
          f"in {time.monotonic() - started:.0f} s")
    assert time.monotonic() - started < BUDGET_SECONDS
