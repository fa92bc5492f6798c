"""Project photos: uploads checked by their content (JPEG, PNG or WebP), bounded in size and
number, stored under the media folder; served only to whoever may see the project."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from uuid import UUID

from accounts.services import CurrentUser
from core.db import transaction
from core.errors import Conflict, DomainError, FieldError, FieldErrors, NotFound
from core.i18n import gettext as _
from core.validation import clean_text
from prizes.editions import queries as editions
from prizes.nominations import queries
from prizes.nominations.queries import NominationAccess
from prizes.nominations.rules import FINALIST_STATUSES
from prizes.nominations.tables import NominationImage

MAX_IMAGES = 6
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class TooLarge(DomainError):
    status_code = 413


def sniff(data: bytes) -> str | None:
    """The image type the bytes really are (whatever the file is called), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def path_of(media_dir: Path, image_id: UUID | str, content_type: str) -> Path:
    return media_dir / "nominations" / f"{image_id}.{EXTENSIONS[content_type]}"


def _may_attach(item: dict, phase: str) -> bool:
    """Photos while the project can be edited, and for finalists while the book is prepared."""
    return (phase == "submission" and item["status"] in ("draft", "submitted")) or (
        phase in ("selection", "announcement") and item["status"] in FINALIST_STATUSES)


async def attach(owner: CurrentUser, nomination_id: str, data: bytes, credit: str | None, caption: str | None,
                 media_dir: Path, max_bytes: int, now: datetime) -> dict:
    item = await queries.get_for_owner(owner, nomination_id)
    edition = await editions.get_edition(item["year"])
    if not _may_attach(item, edition.phase_at(now)):
        raise Conflict(_("Photos cannot be added to this project now."), [FieldError("file", _("Not now."))])
    if len(data) > max_bytes:
        raise TooLarge(_("The image is larger than %(mb)s MB.", mb=round(max_bytes / 1_000_000, 1)),
                       [FieldError("file", _("Too large."))])
    errors = FieldErrors()
    kind = sniff(data)
    if not data:
        errors.add("file", _("Choose an image file."))
    elif kind is None:
        errors.add("file", _("Use a JPEG, PNG or WebP image."))
    credit = clean_text(errors, "credit", credit, max_length=300, required=True)
    caption = clean_text(errors, "caption", caption, max_length=500, required=False)
    errors.raise_if_any()
    key = UUID(item["id"])
    if await NominationImage.count().where(NominationImage.nomination == key) >= MAX_IMAGES:
        raise Conflict(_("A project has at most %(n)d photos.", n=MAX_IMAGES), [FieldError("file", _("Too many photos."))])
    image = NominationImage(nomination=key, content_type=kind, size=len(data), credit=credit, caption=caption,
                            uploaded_at=now)
    target = path_of(media_dir, image.id, kind)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".part")
    temporary.write_bytes(data)
    temporary.replace(target)
    try:
        async with transaction(public=True):  # the project page and the book show its photos
            await NominationImage.insert(image)
    except Exception:
        target.unlink(missing_ok=True)
        raise
    return _shape(await NominationImage.select().where(NominationImage.id == image.id).first())


def _shape(row: dict) -> dict:
    return {"id": str(row["id"]), "url": f"/media/images/{row['id']}", "content_type": row["content_type"],
            "size": row["size"], "credit": row["credit"], "caption": row["caption"]}


async def list_images(nomination_id: str) -> list[dict]:
    rows = await NominationImage.select().where(NominationImage.nomination == UUID(str(nomination_id))).order_by(
        NominationImage.uploaded_at)
    return [_shape(r) for r in rows]


async def remove(owner: CurrentUser, nomination_id: str, image_id: str, media_dir: Path, now: datetime) -> None:
    item = await queries.get_for_owner(owner, nomination_id)
    edition = await editions.get_edition(item["year"])
    if not _may_attach(item, edition.phase_at(now)):
        raise Conflict(_("Photos cannot be changed now."), [FieldError("file", _("Not now."))])
    try:
        key = UUID(image_id)
    except ValueError:
        raise NotFound(_("There is no such image.")) from None
    async with transaction(public=True):
        rows = await NominationImage.delete().where(
            (NominationImage.id == key) & (NominationImage.nomination == UUID(item["id"]))).returning(
            NominationImage.content_type)
    if not rows:
        raise NotFound(_("There is no such image."))
    path_of(media_dir, key, rows[0]["content_type"]).unlink(missing_ok=True)


async def image_file(viewer: CurrentUser | None, image_id: str, media_dir: Path, now: datetime,
                     access: NominationAccess) -> tuple[Path, str]:
    """The file of an image the viewer may see (the project's visibility decides)."""
    try:
        key = UUID(image_id)
    except ValueError:
        raise NotFound(_("There is no such image.")) from None
    row = await NominationImage.select(NominationImage.nomination, NominationImage.content_type).where(
        NominationImage.id == key).first()
    if row is None:
        raise NotFound(_("There is no such image."))
    await queries.get_visible(viewer, row["nomination"], now, access)  # 404 unless visible
    path = path_of(media_dir, key, row["content_type"])
    if not path.is_file():
        raise NotFound(_("There is no such image."))
    return path, row["content_type"]


async def images_of(nomination_ids: list[UUID]) -> dict[str, list[dict]]:
    if not nomination_ids:
        return {}
    rows = await NominationImage.select().where(NominationImage.nomination.is_in(nomination_ids)).order_by(
        NominationImage.uploaded_at)
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(str(row["nomination"]), []).append(_shape(row))
    return out

