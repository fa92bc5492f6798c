"""The PDF renderer as a child process, so that WeasyPrint's minutes of CPU never stall the
event loop (nor hold its interpreter lock) of the app that serves requests:

    python -m reports.render BOOK.html OUT.pdf MEDIA_DIR

Prints one line per stage (`layout`, `pages N`, `written`) for the parent's progress, and
writes OUT.pdf atomically. Exit status 0 on success.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reports.book import write_atomically
from reports.exporters import render_pdf


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    html_path, pdf_path, media_dir = Path(argv[0]), Path(argv[1]), Path(argv[2])
    pdf = render_pdf(html_path.read_text(encoding="utf-8"), media_dir, lambda stage: print(stage, flush=True))
    write_atomically(pdf_path, pdf.data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
