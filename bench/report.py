"""The Success Stories book at full size: 18 categories, 18 winners and 72 champions, each
with an extended description of about 600 words and two or three photos (made here, JPEG and
PNG). Prints the seconds for each stage of the pipeline — the builder, the HTML, the PDF —
next to a baseline rendered in the same run (a one-page certificate through the same
WeasyPrint), and the targets (HTML ≤ 1 s, PDF ≤ 60 s).

    .venv/bin/python bench/report.py [--out DIR] [--photos N]

The queries are left out (they read about a hundred rows); the data is made in memory, so the
bench needs no database. With --out, the book is kept there (book.html, book.pdf).
Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the project's root first on the path, not bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)


from prizes.editions.rules import DEFAULT_CATEGORIES  # noqa: E402
from prizes.nominations.rules import REGIONS, STAKEHOLDER_TYPES  # noqa: E402
from reports.book import book_html, prepare_photos  # noqa: E402
from reports.builder import BookSource, FiguresIn, LaureateIn, PhotoIn, build_book  # noqa: E402
from reports.exporters import CertificateData, file_image_src, render_certificate_html, render_pdf  # noqa: E402

WORDS = (
    "community health workers district clinics mobile records women children vaccines referrals dashboards "
    "teachers schools broadband villages farmers prices weather markets cooperatives training youth jobs "
    "platform open data government services identity payments rural connectivity solar radios libraries "
    "languages content women entrepreneurs cybersecurity awareness partners ministries universities"
).split()
COUNTRIES = ["KE", "GH", "IN", "BR", "FR", "EG", "JP", "RU", "MX", "ZA", "ID", "CH", "AE", "KZ", "PE", "SN"]


def prose(rng: random.Random, n: int) -> str:
    sentences, words = [], 0
    while words < n:
        length = rng.randint(9, 22)
        sentence = " ".join(rng.choice(WORDS) for _ in range(length))
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        words += length
    paragraphs, size = [], 5
    for i in range(0, len(sentences), size):
        paragraphs.append(" ".join(sentences[i:i + size]))
    return "\n".join(paragraphs)


def make_photo(path: Path, rng: random.Random, kind: str) -> None:
    from PIL import Image, ImageDraw

    width, height = 1024, 683
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top = (rng.randint(0, 120), rng.randint(60, 160), rng.randint(120, 220))
    bottom = (rng.randint(120, 240), rng.randint(100, 200), rng.randint(40, 140))
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    for _ in range(14):
        x, y, r = rng.randint(0, width), rng.randint(0, height), rng.randint(20, 140)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)))
    if kind == "image/jpeg":
        image.save(path, "JPEG", quality=82)
    else:
        image.save(path, "PNG", optimize=False)


def sample_source(media_dir: Path, photos: int = 3, seed: int = 7, year: int = 2026) -> BookSource:
    """A full edition's book data: one winner and four champions in each of the 18 categories."""
    rng = random.Random(seed)
    folder = media_dir / "nominations"
    folder.mkdir(parents=True, exist_ok=True)
    laureates = []
    serial = 0
    for code, _title in DEFAULT_CATEGORIES:
        for rank in range(5):
            serial += 1
            pictures = []
            for p in range(photos if rank == 0 else max(1, photos - 1)):
                kind = "image/jpeg" if p % 2 == 0 else "image/png"
                image_id = f"00000000-0000-4000-8000-{serial:06d}{p:06d}"
                path = folder / f"{image_id}.{'jpg' if kind == 'image/jpeg' else 'png'}"
                make_photo(path, rng, kind)
                pictures.append(PhotoIn(image_id, kind, f"Photographer {serial}.{p}", f"Field work, site {p + 1}", str(path)))
            laureates.append(LaureateIn(
                id=f"10000000-0000-4000-8000-{serial:012d}",
                status="winner" if rank == 0 else "champion",
                category=code,
                title=f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} for {rng.choice(WORDS)}: project {serial}",
                entity_name=f"{rng.choice(['Ministry of', 'Foundation for', 'Institute of', 'Alliance for'])} "
                            f"{rng.choice(WORDS).title()} {serial}",
                stakeholder_type=rng.choice(STAKEHOLDER_TYPES),
                country=rng.choice(COUNTRIES),
                region=rng.choice(REGIONS),
                website=f"https://project{serial}.example.org/",
                short_description=prose(rng, 170),
                extended_description=prose(rng, 600),
                sdgs=tuple(sorted(rng.sample(range(1, 18), rng.randint(1, 5)))),
                impact=prose(rng, 120),
                partnerships=prose(rng, 60),
                photos=tuple(pictures),
            ))
    figures = FiguresIn(
        submitted=1187, nominated=912, countries=131,
        by_region={r: rng.randint(40, 300) for r in REGIONS},
        by_stakeholder={s: rng.randint(30, 400) for s in STAKEHOLDER_TYPES},
        submitted_by_category={code: rng.randint(20, 140) for code, _t in DEFAULT_CATEGORIES},
        valid_votes=2_013_554, voters=684_310,
        votes_by_category={code: rng.randint(40_000, 190_000) for code, _t in DEFAULT_CATEGORIES},
    )
    foreword = prose(rng, 350)
    return BookSource(year, datetime(year, 6, 30, 12, tzinfo=timezone.utc), foreword, DEFAULT_CATEGORIES,
                      tuple(laureates), figures)


CPU: dict[str, float] = {}


def timed(label: str, action):
    """Wall-clock seconds (what a reader waits); the CPU seconds go to CPU[label] (what the
    work costs, whatever else the machine is doing)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    seconds = time.perf_counter() - started
    CPU[label] = time.process_time() - cpu
    return result, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None, help="keep book.html and book.pdf there")
    parser.add_argument("--photos", type=int, default=3, help="photos of each winner (champions: one fewer)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        media = Path(tmp) / "media"
        source, made = timed("data", lambda: sample_source(media, args.photos))
        print(f"data: {len(source.laureates)} laureates, "
              f"{sum(len(i.photos) for i in source.laureates)} photos ({made:.1f} s to make)", flush=True)

        # Baseline: WeasyPrint warmed up, then a one-page certificate.
        certificate = render_certificate_html(CertificateData(2026, "winner", "A project", "An entity", "C7.4",
                                                              "ICT applications: e-health", "30 June 2026"))
        render_pdf(certificate)  # warm-up: fonts, imports
        _pdf, baseline = timed("certificate", lambda: render_pdf(certificate))

        book, build_seconds = timed("builder", lambda: build_book(source))
        html, html_seconds = timed("html", lambda: book_html(book))
        cache = Path(tmp) / "print-photos"
        printable, photo_seconds = timed("photos", lambda: book_html(prepare_photos(book, cache), file_image_src))
        pdf, pdf_seconds = timed("pdf", lambda: render_pdf(printable, cache))
        # What tagging (PDF/UA-1, the default) costs: the same book without a structure tree.
        untagged, untagged_seconds = timed("untagged", lambda: render_pdf(printable, cache, tagged=False))
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "book.html").write_text(printable, encoding="utf-8")
            (args.out / "book.pdf").write_bytes(pdf.data)

    rows = [
        ("baseline: one-page certificate PDF", "certificate", baseline, None),
        ("builder (plain data)", "builder", build_seconds, None),
        ("book HTML (Jinja)", "html", html_seconds, 1.0),
        ("photos prepared for print (first build only)", "photos", photo_seconds, None),
        (f"book PDF (WeasyPrint, {pdf.pages} pages, {len(pdf.data) / 1e6:.1f} MB)", "pdf", pdf_seconds, 60.0),
        (f"  same, untagged (comparison only, {len(untagged.data) / 1e6:.1f} MB)", "untagged", untagged_seconds, None),
    ]
    print(f"\n{'stage':<52} {'seconds':>8} {'cpu s':>7} {'target':>8} {'× baseline':>11}")
    for label, key, seconds, target in rows:
        print(f"{label:<52} {seconds:>8.2f} {CPU[key]:>7.2f} {('≤ %g' % target) if target else '':>8} "
              f"{seconds / baseline:>11.1f}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"(load average {load:.1f} on {os.cpu_count()} cores: wall-clock figures grow with it, CPU seconds do not)")
    print(f"\nPDF: {pdf_seconds / pdf.pages:.2f} s a page ({CPU['pdf'] / pdf.pages:.2f} s of CPU); "
          f"HTML {len(html) / 1e6:.2f} MB; first PDF build {photo_seconds + pdf_seconds:.1f} s")
    print(f"tagging (PDF/UA-1) costs {pdf_seconds - untagged_seconds:+.1f} s "
          f"({(pdf_seconds / untagged_seconds - 1) * 100:+.0f} %, CPU {CPU['pdf'] - CPU['untagged']:+.1f} s) "
          f"and {(len(pdf.data) - len(untagged.data)) / 1e6:+.2f} MB")
    ok = html_seconds <= 1.0 and pdf_seconds <= 60.0
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
