"""The exporters without a database: the PDF renderer reads nothing but the photo folder, and
a certificate is one page whatever the lengths of its texts."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from reports.exporters import CertificateData, media_fetcher, render_certificate_html, render_pdf
from tests.reports.factories import image_bytes


def test_the_pdf_renderer_fetches_only_files_under_the_photo_folder(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "a.png").write_bytes(image_bytes())
    (tmp_path / "secret.txt").write_text("secret")
    fetcher = media_fetcher(photos)
    assert fetcher.fetch((photos / "a.png").as_uri()).read().startswith(b"\x89PNG")
    for url in ((tmp_path / "secret.txt").as_uri(), (photos / ".." / "secret.txt").as_uri(), "file:///etc/passwd",
                "http://127.0.0.1:9/x.png", "https://example.org/x.png"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    # and a page that asks for more renders without it
    pdf = render_pdf(f'<meta charset="utf-8"><img src="{(tmp_path / "secret.txt").as_uri()}"><p>ok</p>', photos)
    assert pdf.pages == 1


@pytest.mark.parametrize("length", [20, 300])
def test_a_certificate_is_one_page_whatever_the_lengths(length):
    data = CertificateData(2026, "winner", ("Solar radios " * 30)[:length], ("Ministry of Education " * 20)[:length],
                           "C7.3", "ICT applications: e-learning", "June 30, 2026")
    pdf = render_pdf(render_certificate_html(data))
    assert pdf.pages == 1 and len(PdfReader(io.BytesIO(pdf.data)).pages) == 1
