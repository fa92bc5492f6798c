"""Security headers (item 9): a CSP on HTML pages, nosniff, a referrer policy and a
permissions policy on every answer; the badge and the book keep their own CSP; HSTS only
when BASE_URL is https."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.factories import ApiClient

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


async def test_html_pages_get_a_content_security_policy(client):
    for url in ("/", "/login", "/signup", "/no-such-page"):
        response = await client.get(url)
        assert response.headers["content-security-policy"].startswith("default-src 'self'; frame-ancestors 'none'"), url
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in response.headers["permissions-policy"]
        assert "strict-transport-security" not in response.headers


async def test_json_answers_get_nosniff_but_no_page_policy(client):
    response = await client.get("/api/editions/current")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers


async def test_https_base_url_adds_hsts(redis_url):
    from main import create_app

    app = create_app(make_settings(base_url="https://prizes.example.org"))
    async with ApiClient.for_app(app, base_url="https://prizes.example.org") as api:
        response = await api.get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


def test_no_template_has_inline_script_or_style_that_the_policy_would_block():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if path.parts[-2] == "reports":  # the book and certificate are rendered to PDF with their own styles
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=\"|\son[a-z]+=", text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []
