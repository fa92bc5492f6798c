"""Any script in the PDFs: a certificate and the book whose entity names and titles are Arabic,
Chinese, Cyrillic, Devanagari or Thai draw every character from a font that has it (no
`.notdef` box), give the same characters back to text extraction, and are tagged PDFs
(PDF/UA-1: structure tree, language, headings, figures with a text alternative).

Needs the fonts and tools the set-up installs (`fonts-noto-core fonts-noto-cjk poppler-utils`,
see README "Languages"): without them these tests fail and say so."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata

import pytest
from pypdf import PdfReader

from reports.builder import build_book
from reports.exporters import CertificateData, file_image_src, render_book_html, render_certificate_html, render_pdf
from tests.reports.test_builder import laureate, source

ARABIC = "وزارة التربية والتعليم"
CHINESE = "中华人民共和国教育部"
NAMES = {
    "arabic": ARABIC,
    "chinese": CHINESE,
    "cyrillic": "Министерство просвещения",
    "devanagari": "शिक्षा मंत्रालय",
    "thai": "กระทรวงศึกษาธิการ",
}
_STYLE_WORDS = {"Bold", "Italic", "Oblique", "Light", "Medium", "Semi-Bold", "SemiBold", "Semi", "Condensed", "Book",
                "Regular", "Heavy", "Black", "Thin", "Ultra-Light", "Extra-Bold", "Ultra-Bold"}


def _require_tools():
    missing = [tool for tool in ("fc-list", "pdfinfo") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: install poppler-utils and fontconfig (README, Languages)")
    for family in ("Noto Sans Arabic", "Noto Sans CJK SC"):
        if not subprocess.run(["fc-list", f":family={family}", "family"], capture_output=True, text=True).stdout.strip():
            pytest.fail(f"font {family!r} missing: apt-get install fonts-noto-core fonts-noto-cjk (README, Languages)")


def _family(base_font: str) -> str:
    """`/ABCDEF+Liberation-Sans-Bold` → `Liberation Sans` (WeasyPrint names a font after
    Pango's description: family, then style words)."""
    words = base_font.lstrip("/").split("+", 1)[-1].split("-")
    while len(words) > 1 and (words[-1] in _STYLE_WORDS or words[-1].isdigit()):
        words.pop()
    return " ".join(words)


def drawn_characters(data: bytes) -> dict[str, set[str]]:
    """For each font family used by the PDF, the characters its glyphs stand for (from the
    fonts' ToUnicode maps)."""
    found: dict[str, set[str]] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            chars = found.setdefault(_family(font["/BaseFont"]), set())
            for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                for _code, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                    chars.update(bytes.fromhex(text).decode("utf-16-be", errors="replace"))
            for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
                for low, high, start in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                    first = ord(bytes.fromhex(start).decode("utf-16-be", errors="replace")[0])
                    chars.update(chr(first + i) for i in range(int(high, 16) - int(low, 16) + 1))
    return found


def characters_without_a_glyph(data: bytes) -> dict[str, list[str]]:
    """Characters the PDF draws with a font that has no glyph for them (what would print as
    `.notdef`, an empty box): asked of fontconfig, which knows each font's coverage."""
    wrong: dict[str, list[str]] = {}
    for family, chars in drawn_characters(data).items():
        wanted = sorted(c for c in chars if c.isprintable() and not c.isspace() and c != "\uffff")
        if not wanted:
            continue
        for char in wanted:
            query = f":family={family}:charset={ord(char):x}"
            if not subprocess.run(["fc-list", query, "family"], capture_output=True, text=True).stdout.strip():
                wrong.setdefault(family, []).append(f"U+{ord(char):04X} {unicodedata.name(char, '?')}")
    return wrong


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _structure_types(data: bytes) -> tuple[list[str], list[tuple[str, str | None]]]:
    """The structure tree's element types in document order, and each Figure with its /Alt."""
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    types, figures = [], []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid)
            return
        if not hasattr(node, "get"):
            return
        kind = node.get("/S")
        if kind is not None:
            types.append(str(kind))
            if str(kind) == "/Figure":
                alt = node.get("/Alt")
                figures.append((str(kind), str(alt) if alt is not None else None))
        kids = node.get("/K")
        if kids is not None:
            walk(kids)

    walk(root)
    return types, figures


def pdfinfo(data: bytes, tmp_path) -> dict[str, str]:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    output = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {key.strip(): value.strip() for key, _sep, value in (line.partition(":") for line in output.splitlines())}


def certificate(title: str, entity: str) -> bytes:
    data = CertificateData(2026, "winner", title, entity, "C7.3", "ICT applications: e-learning", "June 30, 2026")
    return render_pdf(render_certificate_html(data)).data


# --- the tests --------------------------------------------------------------------------------


def notdef_warnings(caplog) -> list[str]:
    """WeasyPrint's own word when Pango found no font for a character (it draws `.notdef`)."""
    return [record.getMessage() for record in caplog.records if ".notdef" in record.getMessage()]


def test_the_notdef_check_catches_a_character_no_font_has(caplog):
    _require_tools()
    certificate("Solar radios", "Plane sixteen \U0010fffd")
    assert notdef_warnings(caplog), "a private-use character of plane 16 has no glyph in any font"


@pytest.mark.parametrize("script", sorted(NAMES))
def test_a_certificate_draws_every_character_of_an_entity_in_any_script(script, caplog):
    _require_tools()
    name = NAMES[script]
    pdf = certificate(f"{CHINESE} · Solar radios" if script == "arabic" else "Solar radios", name)
    assert characters_without_a_glyph(pdf) == {}
    assert notdef_warnings(caplog) == []
    text = text_of(pdf)
    if script in ("arabic", "chinese", "cyrillic"):  # extraction gives these back as typed
        assert name in text
    else:  # reordered vowel signs in Indic scripts: compare the characters, not the order
        assert set(name) - {" "} <= set(text)
    if script == "arabic":
        assert CHINESE in text


def test_the_book_draws_arabic_and_chinese_entity_names_and_titles(caplog):
    _require_tools()
    book = build_book(source(
        laureate("1", "winner", title=f"{CHINESE} 项目", entity_name=ARABIC),
        laureate("2", title="Radios solaires", entity_name=CHINESE),
        laureate("3", title="مشروع الإذاعة الشمسية", entity_name="Министерство просвещения"),
    ))
    pdf = render_pdf(render_book_html(book, file_image_src)).data
    assert characters_without_a_glyph(pdf) == {}
    assert notdef_warnings(caplog) == []
    text = text_of(pdf)
    for expected in (ARABIC, CHINESE, f"{CHINESE} 项目", "مشروع الإذاعة الشمسية", "Министерство просвещения"):
        assert expected in text, expected


def test_certificates_are_tagged_pdfs_with_their_language(tmp_path):
    _require_tools()
    pdf = certificate("Solar radios", ARABIC)
    info = pdfinfo(pdf, tmp_path)
    assert info["Tagged"] == "yes"
    assert info["Pages"] == "1"
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == "en"
    assert root["/MarkInfo"]["/Marked"]
    types, _figures = _structure_types(pdf)
    assert "/H1" in types


def test_the_book_is_a_tagged_pdf_with_headings_and_text_alternatives(tmp_path):
    _require_tools()
    book = build_book(source(laureate("1", "winner", title="Water for all", entity_name=ARABIC)))
    pdf = render_pdf(render_book_html(book, file_image_src)).data
    info = pdfinfo(pdf, tmp_path)
    assert info["Tagged"] == "yes"
    assert info["Title"]
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root["/Lang"] == "en"
    types, figures = _structure_types(pdf)
    assert types.count("/H1") >= 18  # every chapter
    assert "/H2" in types  # the entries
    assert len(figures) == 4 and all(alt for _kind, alt in figures), figures  # the charts, titled
    assert all(re.search(r" — .+: \d", str(alt)) for _kind, alt in figures), figures  # with their figures in words
    # reading order: the cover's heading comes before the first chapter's
    assert types.index("/H1") < types.index("/H2")
