"""The PDF renderer as a child process, so that WeasyPrint's minutes of CPU never stall the
event loop (nor hold its interpreter lock) of the app that serves requests, and so that the
photos are decoded (to make their print versions) here, never in the app's process: a
decompression bomb that slipped past the upload checks would exhaust this child only.

    python -m reports.render BOOK.json OUT.pdf PHOTO_CACHE

BOOK.json is the book as `reports.book.book_json` writes it. Makes the print versions of its
photos in PHOTO_CACHE (`reports.book.print_photo`, kept between builds), prints one line per
stage (`photos`, `layout`, `pages N`, `written`) for the parent's progress, and writes OUT.pdf
atomically. Exit status 0 on success.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reports.book import book_from_json, print_html, write_atomically
from reports.exporters import render_pdf


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    book_path, pdf_path, photo_cache = Path(argv[0]), Path(argv[1]), Path(argv[2])
    printable = print_html(book_from_json(book_path.read_bytes()), photo_cache)
    print("photos", flush=True)
    pdf = render_pdf(printable, photo_cache, lambda stage: print(stage, flush=True))
    write_atomically(pdf_path, pdf.data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
