"""The command line: create-user, migrate, and serve (the embedded default, several workers)."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import timedelta

import httpx
import pytest

from accounts.tables import User, UserRole
from core.tables import AuditEntry
from core.clock import utcnow
from prizes.editions.tables import Edition, EditionPhase
from tests.servers import ROOT, _env, _main, serving



async def test_create_user_makes_a_verified_staff_account_that_signs_in_and_moves_the_phase(client):
    result = _main("create-user", "--email", "Chief@Example.org", "--role", "staff",
                   env=_env(PRIZES_PASSWORD="a long staff password"))
    assert result.returncode == 0, result.stderr
    assert "a long staff password" not in result.stdout + result.stderr
    user = await User.select().where(User.email_key == "chief@example.org").first()
    assert user["email_verified"] is True
    assert [r["role"] for r in await UserRole.select(UserRole.role).where(UserRole.user == user["id"])] == ["staff"]
    await client.sign_in("chief@example.org", "a long staff password")
    year = (await client.get("/api/editions/current")).json()["year"]
    response = await client.put(f"/api/editions/{year}/phase", json={"phase": "voting", "reason": "from the CLI"})
    assert response.status_code == 200
    assert response.json()["phase"] == "voting"


async def test_create_user_reads_the_password_from_standard_input(client):
    env = _env()
    env.pop("PRIZES_PASSWORD", None)
    result = _main("create-user", "--email", "judge@example.org", "--role", "judge", env=env,
                   stdin="a judge's password\n")
    assert result.returncode == 0, result.stderr
    await client.sign_in("judge@example.org", "a judge's password")
    assert (await client.get("/api/me")).json()["roles"] == ["judge"]


async def test_create_user_refuses_a_short_password_and_a_bad_address(client):
    result = _main("create-user", "--email", "x@example.org", "--role", "staff", env=_env(PRIZES_PASSWORD="short"))
    assert result.returncode == 2
    assert "password" in result.stderr
    result = _main("create-user", "--email", "not an address", "--role", "staff",
                   env=_env(PRIZES_PASSWORD="long enough password"))
    assert result.returncode == 2
    assert "email" in result.stderr
    assert await User.count() == 0


async def test_create_user_on_an_existing_address_grants_the_role(client):
    for role in ("judge", "staff"):
        result = _main("create-user", "--email", "both@example.org", "--role", role,
                       env=_env(PRIZES_PASSWORD="a long password here"))
        assert result.returncode == 0, result.stderr
    await client.sign_in("both@example.org", "a long password here")
    assert (await client.get("/api/me")).json()["roles"] == ["judge", "staff"]


def test_migrate_is_idempotent(database):
    for _ in range(2):
        result = _main("migrate")
        assert result.returncode == 0, result.stderr


def test_the_default_command_serves_a_fresh_installation_on_the_embedded_default(tmp_path):
    """`python main.py` with no settings: a SQLite file and a private Redis under var/,
    migrated and seeded; the private Redis stops when the server stops."""
    env = {k: v for k, v in _env().items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["PRIZES_VAR_DIR"] = str(tmp_path / "var")
    with serving(env=env) as (base, process):
        page = httpx.get(f"{base}/").text
        for code in ("C1", "C4", "C7.1", "C7.8", "C11"):
            assert f'<span class="code">{code}</span>' in page
        assert page.count('<span class="code">') == 18
        edition = httpx.get(f"{base}/api/editions/current").json()
        assert len(edition["categories"]) == 18
        assert (tmp_path / "var" / "prizes.sqlite").is_file()
        assert (tmp_path / "var" / "redis" / "redis.sock").exists()
    assert process.returncode == 0
    assert not (tmp_path / "var" / "redis" / "redis.sock").exists()


def test_a_served_worker_freezes_what_start_up_made_and_spaces_out_the_collections(database):
    """`main.py serve` runs main:served_app in each worker; once started, its objects are out of
    the collector's sight (gc.freeze) and generation 0 waits for 50,000 allocations."""
    import json
    import subprocess
    import sys

    from core.runtime import SERVING_THRESHOLDS

    script = ("import gc, json, main\n"
              "from litestar.testing import TestClient\n"
              "app = main.served_app()\n"
              "before = [gc.get_freeze_count(), gc.get_threshold()]\n"
              "with TestClient(app) as client:\n"
              "    assert client.get('/api/editions/current').status_code == 200\n"
              "    print(json.dumps([before, [gc.get_freeze_count(), gc.get_threshold()]]))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=_env(), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    (frozen_before, thresholds_before), (frozen_after, thresholds_after) = json.loads(result.stdout.splitlines()[-1])
    assert frozen_before == 0 and tuple(thresholds_before) != SERVING_THRESHOLDS
    assert frozen_after > 10_000  # the app's routes, models, templates...
    assert tuple(thresholds_after) == SERVING_THRESHOLDS
    assert "main:served_app" in (ROOT / "cli.py").read_text()  # what granian is told to run


async def test_several_workers_move_the_phase_exactly_once(client, redis_url):
    """Two granian workers on the same database and Redis; the closing instant passes
    while both tick: one move, one audit entry."""
    env = _env(PHASE_TICK_SECONDS="0.1", REDIS_URL=redis_url)
    await client.get("/api/editions/current")  # the edition exists
    instant = utcnow() + timedelta(seconds=4)
    await Edition.update({Edition.phase_changed_at: instant - timedelta(days=30)}).where(Edition.phase == "submission")
    await EditionPhase.update({EditionPhase.closes_at: instant}).where(EditionPhase.name == "submission")
    await EditionPhase.update({EditionPhase.opens_at: instant}).where(EditionPhase.name == "nomination")
    with serving("--workers", "2", "--no-migrate", env=env) as (base, _process):
        while utcnow() < instant + timedelta(seconds=1.5):
            await asyncio.sleep(0.2)
        assert httpx.get(f"{base}/api/editions/current").json()["phase"] == "nomination"
    assert (await Edition.select(Edition.phase).first())["phase"] == "nomination"
    assert await AuditEntry.count().where(AuditEntry.action == "edition.phase") == 1


def test_serving_the_embedded_default_installs_missing_pdf_fonts_in_the_background(tmp_path, monkeypatch):
    import shutil

    from cli import install_pdf_fonts

    assert install_pdf_fonts(tmp_path, missing={}) is None  # nothing missing: nothing run
    monkeypatch.setenv("PRIZES_INSTALL_FONTS", "0")
    assert install_pdf_fonts(tmp_path, missing={"Noto Sans": "fontconfig"}) is None  # turned off
    monkeypatch.setenv("PRIZES_INSTALL_FONTS", "1")
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("needs Debian's apt-get as root")
    # a package every machine with WeasyPrint has: apt-get really runs, and finds it installed
    command = install_pdf_fonts(tmp_path, missing={"Noto Sans": "fontconfig"})
    assert command == ["apt-get", "install", "-y", "-q", "fontconfig"]
    log = tmp_path / "fonts-install.log"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "fontconfig" not in (log.read_text(errors="replace") if log.exists() else ""):
        time.sleep(0.5)
    assert "fontconfig" in log.read_text(errors="replace")
    from cli import _BACKGROUND

    for process in _BACKGROUND:
        process.wait(timeout=120)
