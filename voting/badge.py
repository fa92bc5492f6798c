"""The campaign badge: an accessible SVG naming the project, every text escaped."""

from __future__ import annotations

import re
from html import escape


_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
BADGE_WIDTH, BADGE_HEIGHT = 360, 64


def _xml_text(text: str) -> str:
    return escape(_XML_UNSAFE.sub("", text), quote=True)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def badge_svg(title: str, label: str, call: str, brand: str) -> str:
    """An accessible SVG badge: `label` ("Vote for <title> — WSIS Prizes <year>") is its
    accessible name; `call` ("Vote for"), the title and `brand` ("WSIS Prizes 2026") are its
    three lines. Every text is escaped, so a hostile title stays text."""
    name = _xml_text(label)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{BADGE_WIDTH}" height="{BADGE_HEIGHT}" '
        f'viewBox="0 0 {BADGE_WIDTH} {BADGE_HEIGHT}" role="img" aria-labelledby="badge-title">'
        f'<title id="badge-title">{name}</title>'
        f'<rect width="{BADGE_WIDTH}" height="{BADGE_HEIGHT}" rx="6" fill="#00539b"/>'
        f'<rect x="0" y="0" width="8" height="{BADGE_HEIGHT}" rx="3" fill="#f2a900"/>'
        '<g font-family="DejaVu Sans, Verdana, Arial, sans-serif" fill="#ffffff" aria-hidden="true">'
        f'<text x="20" y="20" font-size="12" font-weight="bold">{_xml_text(call)}</text>'
        f'<text x="20" y="38" font-size="13">{_xml_text(_shorten(title, 46))}</text>'
        f'<text x="20" y="55" font-size="11">{_xml_text(brand)}</text>'
        "</g></svg>"
    )
