"""Project photos: uploads checked by their content (JPEG, PNG or WebP), bounded in size and
number, stored under the media folder; served only to whoever may see the project."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from uuid import UUID

from PIL import Image, ImageOps

from accounts.services import CurrentUser
from core.db import transaction
from core.errors import Conflict, DomainError, FieldError, FieldErrors, InvalidInput, NotFound
from core.i18n import gettext as _
from core.validation import clean_text
from prizes.editions import queries as editions
from prizes.nominations import queries
from prizes.nominations.queries import NominationAccess
from prizes.nominations.rules import photo_change_refusal, photo_is_public
from prizes.nominations.tables import Edition, Nomination, NominationImage

MAX_IMAGES = 6
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
SAVE_OPTIONS: dict[str, dict] = {"image/jpeg": {"quality": 92}, "image/png": {"optimize": False},
                                 "image/webp": {"quality": 92}}
# 40 million pixels (an 8000 × 5000 photo) is more than any print in the book needs; a 13,000
# × 13,000 PNG of 5 MB would decode to some 680 MB in the process.
MAX_PIXELS = 40_000_000


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


async def _book_state(year: int) -> tuple[bool, datetime | None]:
    row = await Edition.select(Edition.published_at, Edition.extended_deadline).where(Edition.year == year).first()
    # approved (even if its release instant is still to come): the book's photos are fixed
    return row["published_at"] is not None, row["extended_deadline"]


async def _changeable(actor: CurrentUser, nomination_id: str, now: datetime, message: str) -> dict:
    """The project whose photos `actor` changes: its owner's, or any finalist's for staff
    (who change what the book shows after publication); 409 when `rules.photo_change_refusal`
    refuses, 404 for anyone else's project."""
    if actor.is_staff:
        item = await queries.get_full(nomination_id)
    else:
        item = await queries.get_for_owner(actor, nomination_id)
    edition = await editions.get_edition(item["year"])
    published, deadline = await _book_state(item["year"])
    if photo_change_refusal(item["status"], edition.phase_at(now), published, deadline, now, actor.is_staff):
        raise Conflict(message, [FieldError("file", _("Not now."))])
    return item


async def attach(owner: CurrentUser, nomination_id: str, data: bytes, credit: str | None, caption: str | None,
                 media_dir: Path, max_bytes: int, now: datetime) -> dict:
    item = await _changeable(owner, nomination_id, now, _("Photos cannot be added to this project now."))
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
    data = cleaned(data, kind)
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


def cleaned(data: bytes, kind: str) -> bytes:
    """The photo as it is kept: refused (422 naming `file`) over MAX_PIXELS before anything
    is decoded (a small file can decode to gigabytes), then re-encoded with its EXIF
    orientation applied and no metadata (GPS position, device, comments) left in it."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InvalidInput([FieldError("file", _("The image has more than %(n)d million pixels.",
                                                         n=MAX_PIXELS // 1_000_000))])
            upright = ImageOps.exif_transpose(image)
            if kind == "image/jpeg" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            out = io.BytesIO()
            upright.save(out, format=FORMATS[kind], **SAVE_OPTIONS[kind])
            return out.getvalue()
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise InvalidInput([FieldError("file", _("Use a JPEG, PNG or WebP image."))]) from None


def _shape(row: dict) -> dict:
    return {"id": str(row["id"]), "url": f"/media/images/{row['id']}", "content_type": row["content_type"],
            "size": row["size"], "credit": row["credit"], "caption": row["caption"]}


async def _public_photo(item: dict, uploaded_at: datetime) -> bool:
    published = await queries.is_published(item["year"])  # released, not only approved
    row = await Nomination.select(Nomination.nominated_at).where(Nomination.id == UUID(item["id"])).first()
    return photo_is_public(uploaded_at, row["nominated_at"] if row else None, published)


async def list_images(nomination_id: str, public: dict | None = None) -> list[dict]:
    """The photos of a project; with `public` (the project as the public sees it), only
    those the public may see (`rules.photo_is_public`)."""
    rows = await NominationImage.select().where(NominationImage.nomination == UUID(str(nomination_id))).order_by(
        NominationImage.uploaded_at)
    if public is not None:
        rows = [r for r in rows if await _public_photo(public, r["uploaded_at"])]
    return [_shape(r) for r in rows]


async def remove(owner: CurrentUser, nomination_id: str, image_id: str, media_dir: Path, now: datetime) -> None:
    item = await _changeable(owner, nomination_id, now, _("Photos cannot be changed now."))
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
    row = await NominationImage.select(NominationImage.nomination, NominationImage.content_type,
                                       NominationImage.uploaded_at).where(
        NominationImage.id == key).first()
    if row is None:
        raise NotFound(_("There is no such image."))
    item, full = await queries.get_visible(viewer, row["nomination"], now, access)  # 404 unless visible
    if not full and not await _public_photo(item, row["uploaded_at"]):
        raise NotFound(_("There is no such image."))
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

