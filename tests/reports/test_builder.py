"""The book's builder and charts: pure functions over plain values, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from prizes.editions.rules import DEFAULT_CATEGORIES
from reports.builder import BookSource, FiguresIn, LaureateIn, PhotoIn, bar_chart_svg, build_book, fingerprint, web_link


def laureate(id: str, status: str = "champion", category: str = "C1", title: str = "A project", **changes) -> LaureateIn:
    base = LaureateIn(id=id, status=status, category=category, title=title, entity_name="An entity",
                      stakeholder_type="civil_society", country="SN", region="africa", website="https://a.example.org",
                      short_description="Short text.", extended_description="", sdgs=(4, 1, 4), impact="One.\n\nTwo.",
                      partnerships="Partners.", photos=())
    return replace(base, **changes)


def source(*laureates: LaureateIn, votes: bool = True) -> BookSource:
    figures = FiguresIn(submitted=10, nominated=7, countries=4, by_region={"africa": 6, "europe": 4},
                        by_stakeholder={"government": 10}, submitted_by_category={"C1": 10},
                        valid_votes=120 if votes else None, voters=80 if votes else None,
                        votes_by_category={"C1": 120} if votes else {})
    return BookSource(2026, datetime(2026, 6, 30, tzinfo=timezone.utc), "First line.\nSecond line.", DEFAULT_CATEGORIES,
                      tuple(laureates), figures)


def test_one_chapter_per_category_in_order_winner_first_then_champions_by_title():
    book = build_book(source(
        laureate("3", title="Zebra crossing"), laureate("1", title="Apples"), laureate("2", "winner", title="Water"),
        laureate("4", "winner", "C7.4", title="Clinics"),
    ))
    assert [c.code for c in book.chapters] == [code for code, _title in DEFAULT_CATEGORIES]
    first = book.chapters[0]
    assert [(e.kind, e.title) for e in first.entries] == [("winner", "Water"), ("champion", "Apples"),
                                                          ("champion", "Zebra crossing")]
    assert [e.title for e in book.chapters[9].entries] == ["Clinics"]
    assert all(not c.entries for c in book.chapters if c.code not in ("C1", "C7.4"))
    assert (book.winners, book.champions) == (2, 2)
    assert book.foreword == ("First line.", "Second line.")
    assert book.date_line == "June 30, 2026"


def test_an_entry_shows_the_extended_description_when_there_is_one():
    short, extended = build_book(source(
        laureate("1"), laureate("2", extended_description="Long story.\n\nSecond paragraph."))).chapters[0].entries
    assert short.description == ("Short text.",) and not short.description_is_extended
    assert extended.description == ("Long story.", "Second paragraph.") and extended.description_is_extended
    assert extended.impact == ("One.", "Two.")
    assert [g.number for g in extended.goals] == [1, 4] and extended.goals[0].name == "No poverty"
    assert (extended.country, extended.region, extended.stakeholder) == ("Senegal", "Africa", "Civil society")


def test_only_web_addresses_become_links():
    assert web_link("https://a.example.org/x?y=1") == "https://a.example.org/x?y=1"
    for address in ("javascript:alert(1)", "data:text/html,<b>", "//evil.example", "https://a.example.org/\"onmouseover=x",
                    "ftp://a.example.org"):
        assert web_link(address) == ""
    entry = build_book(source(laureate("1", website="javascript:alert(1)"))).chapters[0].entries[0]
    assert entry.website == "javascript:alert(1)" and entry.website_href == ""


def test_photos_keep_their_credits_in_order():
    photos = (PhotoIn("p1", "image/png", "Credit one", "Caption one", "/m/p1.png"),
              PhotoIn("p2", "image/jpeg", "Credit two", "", "/m/p2.jpg"))
    entry = build_book(source(laureate("1", photos=photos))).chapters[0].entries[0]
    assert [(p.id, p.credit, p.caption) for p in entry.photos] == [("p1", "Credit one", "Caption one"), ("p2", "Credit two", "")]


def test_the_figures_with_and_without_the_voting_record():
    book = build_book(source(laureate("1")))
    assert [(s.label, s.value) for s in book.stats] == [
        ("projects submitted", "10"), ("projects nominated", "7"), ("countries", "4"), ("valid votes", "120"),
        ("voters", "80"), ("winners and champions", "1")]
    assert [c.anchor for c in book.charts] == ["chart-region", "chart-stakeholder", "chart-category", "chart-votes"]
    assert book.figures_note == ""
    without = build_book(source(laureate("1"), votes=False))
    assert [c.anchor for c in without.charts] == ["chart-region", "chart-stakeholder", "chart-category"]
    assert "valid votes" not in [s.label for s in without.stats]
    assert without.figures_note == "Vote figures are not available for this edition."


def test_bar_charts_scale_the_bars_and_escape_every_text():
    svg = bar_chart_svg([("<b>Africa</b> & co", 50), ("Europe", 100), ("Empty", 0)], title='Votes "by" <region>')
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and svg.endswith("</svg>")
    assert "<b>" not in svg and "&lt;b&gt;Africa&lt;/b&gt; &amp; co" in svg
    # the text alternative is the chart's table in words
    assert ('aria-label="Votes &quot;by&quot; &lt;region&gt; — &lt;b&gt;Africa&lt;/b&gt; &amp; co: 50; Europe: 100; '
            'Empty: 0"') in svg
    # the longest bar fills the room; half the value, half the bar
    assert 'width="374.0" height="18" fill="#00467f"' in svg and 'width="187.0" height="18" fill="#00467f"' in svg
    assert svg.count('fill="#00467f"') == 2  # no bar for zero


def test_the_fingerprint_follows_the_content():
    one = build_book(source(laureate("1")))
    same = build_book(source(laureate("1")))
    other = build_book(source(laureate("1", title="Renamed")))
    assert fingerprint(one) == fingerprint(same) != fingerprint(other)
    assert fingerprint(one, "templates v1") != fingerprint(one, "templates v2")


def test_the_book_shows_each_frameworks_goals_from_the_editions_data():
    from prizes.editions.framework_rules import Goal, GoalFramework, sdg_default

    gdc = GoalFramework("GDC", "Global Digital Compact objectives", {"en": "Global Digital Compact objectives"},
                        (Goal(1, "Close all digital divides", {"en": "Close all digital divides"}),
                         Goal(3, "Foster a safe digital space", {"en": "Foster a safe digital space"})))
    sdg = sdg_default()
    # a title corrected in the edition's data is the one the book shows
    sdg = replace(sdg, goals=tuple(replace(g, title="Education for all", titles={"en": "Education for all"})
                                   if g.number == 4 else g for g in sdg.goals))
    entry = build_book(source(laureate("1", goals={"GDC": [3, 1]}, frameworks=(sdg, gdc)))).chapters[0].entries[0]
    assert [(g.number, g.name) for g in entry.goals] == [(1, "No poverty"), (4, "Education for all")]
    assert entry.other_goals == (("Global Digital Compact objectives", "GDC",
                                  ((1, "Close all digital divides"), (3, "Foster a safe digital space"))),)
    plain = build_book(source(laureate("2"))).chapters[0].entries[0]  # no data: the built-in names
    assert [g.name for g in plain.goals] == ["No poverty", "Quality education"] and plain.other_goals == ()


def test_the_books_page_lists_the_other_frameworks_goals():
    from prizes.editions.framework_rules import Goal, GoalFramework, sdg_default
    from reports.exporters import render_book_html, web_image_src

    gdc = GoalFramework("GDC", "Global Digital Compact objectives", {}, (Goal(2, "Expand <inclusion>", {}),))
    book = build_book(source(laureate("1", goals={"GDC": [2]}, frameworks=(sdg_default(), gdc))))
    html = render_book_html(book, web_image_src)
    assert "Global Digital Compact objectives" in html and "GDC 2" in html
    assert "Expand &lt;inclusion&gt;" in html and "Quality education" in html
