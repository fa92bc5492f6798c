"""Factories for the end of an edition: projects inserted straight into the database with the
status a test needs (finalist, winner, champion), their photos, and real small images.
Explicit defaults; the API's own rules are tested elsewhere."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID

from prizes.nominations.images import path_of
from prizes.nominations.rules import fold
from prizes.editions.queries import current_year
from core.clock import utcnow
from prizes.editions.tables import Category, Edition
from prizes.nominations.tables import Nomination, NominationImage
from tests.factories import make_user, project


def image_bytes(kind: str = "png", size: tuple[int, int] = (120, 80), colour: tuple[int, int, int] = (30, 110, 160)) -> bytes:
    """A real, small image (the book's renderer decodes it)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG" if kind == "png" else "JPEG")
    return buffer.getvalue()


async def year_now() -> int:
    return await current_year(utcnow())


async def owner_id(app, email: str) -> UUID:
    from accounts.tables import User

    row = await User.select(User.id).where(User.email_key == email.lower()).first()
    if row is None:
        return (await make_user(app, email)).id
    return row["id"]


async def add_project(app, category: str = "C7.4", status: str = "finalist", owner: str = "owner@example.org",
                      year: int | None = None, **fields) -> str:
    """A complete project (the defaults of `tests.factories.project`) with this status."""
    year = year or await year_now()
    edition = await Edition.select(Edition.id).where(Edition.year == year).first()
    category_row = await Category.select(Category.id).where(
        (Category.edition == edition["id"]) & (Category.code == category)).first()
    body = project(category=category, **fields)
    now = datetime.now(timezone.utc)
    nomination = Nomination(
        edition=edition["id"], category=category_row["id"], owner=await owner_id(app, owner), status=status,
        title=body["title"], entity_name=body["entity_name"],
        stakeholder_type=body["stakeholder_type"], country=body["country"], region=body["region"],
        contact_name=body["contact_name"], contact_email=body["contact_email"], website=body["website"],
        short_description=body["short_description"], sdgs=json.dumps(body["sdgs"]),
        sdg_linkages=body["sdg_linkages"], impact=body["impact"], partnerships=body["partnerships"],
        challenges=body["challenges"], project_status=body["project_status"],
        declarations=json.dumps(body["declarations"]), submitted_at=now, nominated_at=now, created_at=now,
        updated_at=now,
    )
    # the one-project-per-entity index is not what these fixtures are about
    nomination.entity_key = f"{fold(body['entity_name'])} {str(nomination.id)[:8]}"
    await Nomination.insert(nomination)
    return str(nomination.id)


async def add_photo(settings, nomination_id: str, data: bytes | None = None, credit: str = "Photo: A. Photographer",
                    caption: str = "At work") -> str:
    data = data or image_bytes()
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    image = NominationImage(nomination=UUID(nomination_id), content_type=kind, size=len(data), credit=credit,
                            caption=caption)
    target = path_of(settings.media_dir, image.id, kind)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    await NominationImage.insert(image)
    return str(image.id)


async def statuses() -> dict[str, str]:
    return {str(r["id"]): r["status"] for r in await Nomination.select(Nomination.id, Nomination.status)}


def pdf_text(data: bytes, folder: Path) -> str:
    """The PDF's text as pdftotext reads it when installed (poppler-utils), else pypdf."""
    import shutil
    import subprocess

    path = folder / "book.pdf"
    path.write_bytes(data)
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True).stdout.decode()
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def pdf_outline(data: bytes) -> list[tuple[int, str]]:
    """The PDF's bookmarks as (level, title), in order."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    out: list[tuple[int, str]] = []

    def walk(items, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                out.append((level, item.title))

    walk(reader.outline, 1)
    return out
