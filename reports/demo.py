"""A sample edition for `python main.py demo [--phase P]`: about 120 projects in the 18
categories (some linked to the Global Digital Compact objectives, a second goal framework), judges with sheets, voters and votes, the edition at the phase asked — built
through every domain's own services, so it holds only what the site itself could write."""

from __future__ import annotations

import asyncio

from accounts.passwords import Passwords
from core.clock import utcnow
from core.redis import EmbeddedRedis, close_client, make_client
from core.settings import Settings
from voting.tallies import TallyStore


_WORDS = ("community health mobile records rural clinics women girls farmers schools teachers learning "
          "broadband access open data registry land digital identity payments markets radio solar energy water "
          "sanitation weather alerts disaster response elections transparency budget citizens services portal "
          "language local content libraries museums heritage cybersecurity training youth jobs skills startups "
          "innovation hubs accessibility disability sign captions elderly care telemedicine maternal vaccines "
          "nutrition agriculture extension fisheries forests climate monitoring sensors satellite maps transport "
          "logistics postal network spectrum policy regulation privacy trust ethics artificial intelligence "
          "cloud platform volunteers partners ministry university cooperative villages districts provinces").split()
# A second goal framework of the demo edition (SPEC §11): the Global Digital Compact's objectives.
GDC_TITLE = "Global Digital Compact objectives"
GDC_OBJECTIVES = (
    (1, "Close all digital divides and accelerate progress across the SDGs"),
    (2, "Expand inclusion in and benefits from the digital economy for all"),
    (3, "Foster an inclusive, open, safe and secure digital space that respects, protects and promotes human rights"),
    (4, "Advance responsible, equitable and interoperable data governance approaches"),
    (5, "Enhance international governance of AI for the benefit of humanity"),
)
_TITLES = ("Village {0} network", "Open {0} registry", "{0} for every school", "Mobile {0} alerts",
           "Community {0} hub", "{0} in local languages", "Digital {0} service", "Rural {0} programme")


def _text(rng, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n))


async def build_demo(phase: str, password: str, out) -> int:
    """Fills an empty embedded database with a sample edition at `phase`, through every
    domain's own services; `out` prints progress. Answers the command's exit status."""
    import random
    from datetime import date

    from accounts import services as accounts
    from accounts.tables import User
    from core.audit import Actor
    from judging import services as judging
    from judging.rules import DEFAULT_CRITERIA
    from prizes.editions import frameworks
    from prizes.editions import queries as editions
    from prizes.editions.rules import PHASES
    from prizes.editions.services import move_phase
    from prizes.nominations import services as nominations
    from prizes.nominations.labels import REGION_LABELS, STAKEHOLDER_LABELS
    from prizes.nominations.tables import Nomination
    from prizes.results import services as results
    from voting import services as voting

    if await User.count() or await Nomination.count():
        out("the database already holds accounts or projects: the demo fills only an empty one")
        return 2
    rng = random.Random(2026)
    cheap = Passwords(1, 1024, 1)  # re-made with the site's parameters at each first sign-in
    now = utcnow()
    year = await editions.current_year(now)
    system = Actor.system()
    staff = await accounts.create_user(cheap, "staff@demo.example.org", password, "Demo Staff", verified=True,
                                       roles=("staff",))
    await frameworks.add_framework(year, "GDC", GDC_TITLE, [{"number": n, "title": t} for n, t in GDC_OBJECTIVES],
                                   staff.as_actor(), reason="demo")
    edition = await editions.get_edition(year)
    codes = [code for code, _title in edition.categories]
    # judges at addresses of their own (a shared mail domain with an owner is a conflict of interest)
    judges = [await accounts.create_user(cheap, f"judge{i}@experts{i}.example.net", password, f"Judge {i}",
                                         verified=True, roles=("judge",)) for i in range(1, 7)]
    for i, judge in enumerate(judges):
        for code in codes[i * 3:(i + 1) * 3]:
            await judging.assign_judge(judge.email, code, year, staff.as_actor(), now)
    owners = [await accounts.create_user(cheap, f"owner{i}@demo.example.org", password, f"Owner {i}", verified=True)
              for i in range(1, 41)]
    out(f"accounts: staff@demo.example.org, judge1@experts1.example.net .. judge6@experts6.example.net, owner1..40@demo.example.org (password as given)")
    target = PHASES.index(phase)
    await move_phase(year, "submission", "demo", system, utcnow())
    ids: list[str] = []
    for n in range(120):
        owner = owners[n % len(owners)]
        fields = {"category": codes[n % len(codes)], "title": rng.choice(_TITLES).format(_WORDS[n % len(_WORDS)]).capitalize()
                  + f" {n + 1}", "entity_name": f"Entity {n + 1}", "stakeholder_type": rng.choice(list(STAKEHOLDER_LABELS)),
                  "country": rng.choice(["KE", "BR", "IN", "FR", "EG", "PH", "GH", "PE", "UZ", "CH"]),
                  "region": rng.choice(list(REGION_LABELS)), "contact_name": owner.display_name,
                  "contact_email": owner.email, "website": f"https://project{n + 1}.example.org",
                  "short_description": _text(rng, 170), "sdgs": sorted(rng.sample(range(1, 18), 2)),
                  "sdg_linkages": _text(rng, 60), "impact": _text(rng, 60), "partnerships": _text(rng, 60),
                  "challenges": _text(rng, 60), "project_status": "completed", "started_on": date(2022, 1, 10),
                  "owned_by_submitter": n % 9 != 0,
                  "declarations": {"english": True, "accurate": True, "consent": True},
                  # every third project also serves one or two GDC objectives
                  "goals": {"GDC": sorted({n % 5 + 1, (n // 3) % 5 + 1})} if n % 3 == 0 else {}}
        draft = await nominations.create_draft(owner, fields, utcnow())
        if n < 116:  # four stay drafts
            await nominations.submit(owner, draft["id"], utcnow())
            ids.append(draft["id"])
    out(f"projects: {len(ids)} submitted in {len(codes)} categories, 4 drafts")
    if target >= 1:
        await move_phase(year, "nomination", "demo", system, utcnow())
        for n, nid in enumerate(ids):
            await nominations.decide_eligibility(staff, nid, n % 12 != 5, "Outside the action line" if n % 12 == 5 else "",
                                                 utcnow(), judging.NOMINATION_ACCESS)
        for judge in judges:  # the judges' first sheets of the nomination round
            for nid in (await judging_queue(judge))[::2]:
                await judging.save_sheet(judge, nid, {c.key: rng.randint(3, 10) for c in DEFAULT_CRITERIA}, "", True,
                                         utcnow())
        if target >= 2:
            await nominations.confirm_nominated(staff.as_actor(), year, utcnow())
    if target >= 2:
        await move_phase(year, "voting", "demo", system, utcnow())
        nominated = [r for r in await Nomination.select(Nomination.id, Nomination.category.code.as_alias("code")).where(
            Nomination.status == "nominated")]
        by_code: dict[str, list[str]] = {}
        for r in nominated:
            by_code.setdefault(r["code"], []).append(str(r["id"]))
        embedded = None if Settings.from_env().redis_url else EmbeddedRedis(Settings.from_env().var_dir)
        if embedded is not None:
            await asyncio.to_thread(embedded.start)
        redis = make_client(Settings.from_env().redis_url or embedded.url)
        store, votes = TallyStore(redis), 0
        try:
            for v in range(150):
                voter = await accounts.create_user(cheap, f"voter{v}@demo.example.org", password, f"Voter {v}",
                                                   verified=True)
                for code in rng.sample(sorted(by_code), 6):
                    choice = rng.choices(by_code[code], weights=range(len(by_code[code]), 0, -1))[0]
                    await voting.cast_vote(store, voter, choice, voting.Origin(f"10.{v % 7}.{v}.1"), utcnow())
                    votes += 1
            out(f"votes: {votes} from 150 voters")
            if target >= 3:
                await move_phase(year, "selection", "demo", system, utcnow())
                await voting.compute_finalists(staff.as_actor(), year, utcnow())
                for judge in judges:
                    for item in (await judging_queue(judge)):
                        scores = {c.key: rng.randint(4, 10) for c in DEFAULT_CRITERIA}
                        await judging.save_sheet(judge, item, scores, "", True, utcnow())
            if target >= 4:
                await move_phase(year, "announcement", "demo", system, utcnow())
                finalists = await Nomination.select(Nomination.id, Nomination.category.code.as_alias("code")).where(
                    Nomination.status == "finalist").order_by(Nomination.submitted_at)
                choice: dict[str, list[str]] = {}
                for r in finalists:
                    choice.setdefault(r["code"], [str(r["id"])])
                await results.set_winners(staff.as_actor(), year, choice, utcnow())
        finally:
            await close_client(redis)
            if embedded is not None:
                await asyncio.to_thread(embedded.stop)
    out(f"the {year} edition is in its {phase} phase; sign in at /login as staff@demo.example.org")
    return 0


async def judging_queue(judge) -> list[str]:
    from judging import queries

    _round, items = await queries.queue(judge, utcnow())
    return [i["nomination_id"] for i in items]
