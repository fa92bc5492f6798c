"""The Success Stories book from the database: the command line's HTML and PDF (hostile text
escaped in one, literal in the other; every laureate's title; an outline with the 18
categories), the figures read from the voting record, and the certificates."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime, timezone
from uuid import uuid4

import pytest
from markupsafe import escape

from core.settings import PROJECT_ROOT
from prizes.editions.rules import DEFAULT_CATEGORIES
from prizes.editions.tables import Edition
from reports.queries import figures, table_named
from tests.factories import make_user, signed_in
from tests.reports.factories import add_photo, add_project, image_bytes, pdf_outline, pdf_text, year_now

HOSTILE = '<script>alert("x")</script> & <i>it</i> {{ 7*7 }}'


def flat(text: str) -> str:
    return " ".join(text.split())


async def run_cli(*args: str) -> tuple[int, str, str]:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "main.py", *args, cwd=str(PROJECT_ROOT), env=dict(os.environ),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await child.communicate()
    return child.returncode, out.decode(), err.decode()


async def test_the_command_line_writes_the_book_hostile_text_escaped_in_html_and_literal_in_pdf(app, client, settings,
                                                                                               tmp_path):
    year = await year_now()
    fields = dict(title=f"Title {HOSTILE}", entity_name=f"Entity {HOSTILE}", short_description=f"Short {HOSTILE}",
                  impact=f"Impact {HOSTILE}\n</p><h1>Injected heading</h1>", partnerships=f"Partners {HOSTILE}",
                  website='javascript:alert("site")')
    winner = await add_project(app, "C5", status="winner", **fields)
    champion = await add_project(app, "C5", status="champion", title=f"Champion {HOSTILE}", entity_name="Plain entity")
    titles = [f"Title {HOSTILE}", f"Champion {HOSTILE}"]
    for index, (code, _title) in enumerate(DEFAULT_CATEGORIES[:4]):
        titles.append(f"Winner of {code}")
        await add_project(app, code, status="winner", title=f"Winner of {code}", entity_name=f"Entity {index}")
    await add_photo(settings, winner, image_bytes("jpeg"), credit=f"Credit {HOSTILE}", caption=f"Caption {HOSTILE}")
    await add_photo(settings, champion, image_bytes("png"))
    await Edition.update({Edition.foreword: f"Foreword {HOSTILE}"}).where(Edition.year == year)

    code, out, err = await run_cli("report", "--year", str(year), "--out", str(tmp_path))
    assert code == 0, err
    html_path, pdf_path = tmp_path / f"success-stories-{year}.html", tmp_path / f"success-stories-{year}.pdf"
    assert out.split() == [str(html_path), str(pdf_path)]
    assert "HTML written" in err and "PDF written" in err and "layout" in err

    page = html_path.read_text(encoding="utf-8")
    assert "<script" not in page and "<i>it</i>" not in page and "<h1>Injected heading</h1>" not in page
    assert page.count("{{ 7*7 }}") >= 8  # no template ran the text
    for value in (fields["title"], fields["entity_name"], f"Short {HOSTILE}", f"Partners {HOSTILE}",
                  f"Credit {HOSTILE}", f"Caption {HOSTILE}", f"Foreword {HOSTILE}", f"Champion {HOSTILE}"):
        assert str(escape(value)) in page, value
    assert 'href="javascript' not in page and str(escape('javascript:alert("site")')) in page
    # the photos are copied beside the HTML, which points at them
    copied = sorted(p.name for p in (tmp_path / f"success-stories-{year}-photos").iterdir())
    assert len(copied) == 2 and all(f'src="success-stories-{year}-photos/{name}"' in page for name in copied)

    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF-")
    text = flat(pdf_text(data, tmp_path))
    for title in titles:
        assert flat(title) in text, title
    assert flat(f"Entity {HOSTILE}") in text and 'javascript:alert("site")' in text
    outline = pdf_outline(data)
    chapters = [title for level, title in outline if level == 1 and title[:1] == "C" and title[1:2].isdigit()]
    assert [flat(t) for t in chapters] == [f"{code} {title}" for code, title in DEFAULT_CATEGORIES]
    assert (2, flat(f"Title {HOSTILE}")) in [(level, flat(t)) for level, t in outline]


async def test_the_command_line_says_which_edition_does_not_exist(client, tmp_path):
    code, _out, err = await run_cli("report", "--year", "1999", "--out", str(tmp_path))
    assert code == 2 and "There is no 1999 edition." in err


async def test_the_figures_count_valid_votes_and_voters_from_the_voting_record(app, client):
    vote = table_named("vote")
    if vote is None:
        pytest.skip("no voting domain installed: the book says so instead of counting")
    year = await year_now()
    edition = await Edition.select(Edition.id).where(Edition.year == year).first()
    ids = [await add_project(app, "C1", status="finalist", title=f"P{i}", entity_name=f"E{i}") for i in range(2)]
    nominations = {r["id"]: r for r in await table_named("nomination").select().where(
        table_named("nomination").id.is_in(ids))}
    voters = [(await make_user(app, f"voter{i}@example.org")).id for i in range(3)]
    rows = [(voters[0], ids[0], True), (voters[1], ids[0], True), (voters[2], ids[1], False)]
    for voter, nid, valid in rows:
        nomination = next(n for key, n in nominations.items() if str(key) == nid)
        await vote.insert(vote(edition=edition["id"], category=nomination["category"], nomination=nomination["id"],
                               voter=voter, cast_at=datetime.now(timezone.utc), receipt=uuid4().hex[:24], valid=valid))
    counted = await figures(edition["id"])
    assert (counted.valid_votes, counted.voters, counted.votes_by_category) == (2, 2, {"C1": 2})
    assert (counted.submitted, counted.nominated, counted.countries) == (2, 2, 1)
    assert counted.by_region == {"africa": 2} and counted.submitted_by_category == {"C1": 2}


async def test_certificates_for_the_owner_once_published_and_for_staff(app, client, tmp_path):
    year = await year_now()
    async with await signed_in(app, "owner@example.org") as owner, \
            await signed_in(app, "staff@example.org", roles=("staff",)) as staff, \
            await signed_in(app, "stranger@example.org") as stranger:
        winner = await add_project(app, "C7.4", status="winner", title="Clinics on wheels", entity_name="Health Corps")
        champion = await add_project(app, "C7.4", status="champion", title="Rural records", entity_name="Data Aid")
        finalist = await add_project(app, "C4", status="finalist", title="Still a finalist", entity_name="Other")
        url = f"/api/nominations/{winner}/certificate.pdf"
        assert (await owner.get(url)).status_code == 404  # not published
        preview = await staff.get(url)
        assert preview.status_code == 200 and preview.headers["content-type"] == "application/pdf"
        assert "Preview — not published" in flat(pdf_text(preview.content, tmp_path))
        await Edition.update({Edition.published_at: datetime(year, 6, 30, 12, tzinfo=timezone.utc)}).where(
            Edition.year == year)
        mine = await owner.get(url)
        assert mine.status_code == 200 and "attachment" in mine.headers["content-disposition"]
        text = flat(pdf_text(mine.content, tmp_path))
        assert "WINNER" in text.replace(" ", "")  # (set in spaced capitals)
        for words in (f"WSIS Prizes {year}", "Clinics on wheels", "Health Corps", "C7.4",
                      "ICT applications: e-health", f"June 30, {year}"):
            assert words in text, words
        from pypdf import PdfReader

        assert len(PdfReader(tmp_path / "book.pdf").pages) == 1
        champion_pdf = await owner.get(f"/api/nominations/{champion}/certificate.pdf")
        assert "CHAMPION" in pdf_text(champion_pdf.content, tmp_path).replace(" ", "")
        assert (await stranger.get(url)).status_code == 404
        assert (await owner.get(f"/api/nominations/{finalist}/certificate.pdf")).status_code == 404
        assert (await client.get(url)).status_code == 401
