"""The print versions of the book's photos (decoded, resized, re-encoded) are made in the child
process that renders the PDF, never in the app's process: a decompression bomb that slipped
past the upload checks would exhaust that child only.

Checked without mocks: a Python audit hook (PEP 578) in this process — the app's, as the tests
serve it in-process — sees every file it opens; while a book with a photo is built, it never
opens the photo (nor its print version), and the print version exists afterwards, so the
child made it."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from tests.factories import signed_in
from tests.reports.factories import add_photo, image_bytes
from tests.reports.test_book_files import published_edition

ROOT = Path(__file__).resolve().parents[2]
_WATCHED: list[str] = []  # path fragments a build must not open here
_OPENED: list[str] = []


def _hook(event: str, args: tuple) -> None:
    if event == "open" and _WATCHED and args and isinstance(args[0], (str, bytes, Path)):
        path = str(args[0] if not isinstance(args[0], bytes) else args[0].decode(errors="replace"))
        if any(fragment in path for fragment in _WATCHED):
            _OPENED.append(path)


sys.addaudithook(_hook)  # cannot be removed; inert while _WATCHED is empty


async def test_the_app_process_never_opens_a_photo_while_the_child_makes_its_print_version(app, client, settings):
    jobs = app.state["books"]
    async with await signed_in(app, "staff@example.org", roles=("staff",)) as staff:
        year, winner = await published_edition(app, staff)
        photo_id = await add_photo(settings, winner, image_bytes("png", size=(900, 600)))
        print_version = jobs.photo_cache / f"{photo_id}.jpg"
        assert not print_version.exists()
        _WATCHED[:] = [photo_id]
        try:
            assert await jobs.start(year, "staff@example.org")
            await jobs.wait(year)
        finally:
            _WATCHED.clear()
        status = await jobs.status(year)
        assert status["state"] == "done", status
        assert print_version.is_file() and print_version.read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG
        assert _OPENED == []
        # the check would see an open in this process
        _WATCHED[:] = [photo_id]
        try:
            print_version.read_bytes()
        finally:
            _WATCHED.clear()
        assert _OPENED == [str(print_version)]


def test_only_the_childs_entry_point_makes_print_versions():
    """`print_html` (which calls `prepare_photos` → `print_photo`) is called, in the app's
    code, only by `reports/render.py`, the child's entry point."""
    names = {"print_html", "prepare_photos", "print_photo"}
    callers = {}
    for package in ("core", "accounts", "prizes", "judging", "voting", "reports"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                    if name in names:
                        callers.setdefault(path.relative_to(ROOT).as_posix(), set()).add(name)
    # book.py defines the chain (print_html → prepare_photos → print_photo) and the command
    # line's build (a process of its own, not the app's)
    assert set(callers) == {"reports/render.py", "reports/book.py"}
    assert callers["reports/render.py"] == {"print_html"}
