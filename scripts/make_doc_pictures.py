"""Remake the pictures in docs/img with the tool itself (needs LibreOffice and pdftoppm from poppler-utils).

    python scripts/make_doc_pictures.py

docs/img/pk-p05.png       `xl-sakip pk --position P05` on the demo workbook, pages side by side
docs/img/pohon-kinerja.png `xl-sakip tree` on the demo workbook
docs/img/dasbor.png        the Dasbor page of the demo workbook, printed by LibreOffice
docs/img/unit-p05.png      the unit sheet of P05, printed by LibreOffice
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xl_sakip.build import SHIPPED_WORKBOOK, make_demo  # noqa: E402
from xl_sakip.pk import pk  # noqa: E402
from xl_sakip.tree import tree  # noqa: E402

IMG = ROOT / "docs" / "img"


def pdf_pages_to_png(pdf: Path, out: Path, dpi: int, pages: list[int] | None = None) -> None:
    """Pages of `pdf` (1-based; all by default), side by side, as one PNG."""
    prefix = pdf.parent / f"{pdf.stem}-{out.stem}"
    numbers = pages or [0]
    for n in numbers:
        span = ["-f", str(n), "-l", str(n)] if n else []
        subprocess.run(["pdftoppm", "-r", str(dpi), *span, "-png", str(pdf), f"{prefix}-{n:03d}"], check=True)
    images = [Image.open(p) for p in sorted(pdf.parent.glob(prefix.name + "-*.png"))]
    sheet = Image.new("RGB", (sum(p.width for p in images), max(p.height for p in images)), "white")
    x = 0
    for image in images:
        sheet.paste(image, (x, 0))
        x += image.width
    sheet.save(out)


def workbook_pdf(book: Path, tmp: Path) -> Path:
    """The whole workbook printed by LibreOffice, as a planner would print it."""
    profile = (tmp / "lo-profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp), str(book)], check=True, capture_output=True)
    return tmp / f"{book.stem}.pdf"


def pages_starting_with(pdf: Path, *words: str) -> list[int]:
    """1-based numbers of the pages whose text starts with all of `words` in its first lines."""
    count = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("Pages:")))
    found = []
    for n in range(1, count + 1):
        head = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout[:400]
        if all(w in head for w in words):
            found.append(n)
    return found


def main() -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        demo = make_demo(SHIPPED_WORKBOOK, tmp / "Contoh_2023.xlsm")
        tree(demo, IMG / "pohon-kinerja.png", dpi=110)
        (pdf,) = pk(demo, "P05", tmp / "pk")
        pdf_pages_to_png(pdf, IMG / "pk-p05.png", 60)
        book_pdf = workbook_pdf(demo, tmp)
        dasbor = pages_starting_with(book_pdf, "DASBOR KINERJA")
        pdf_pages_to_png(book_pdf, IMG / "dasbor.png", 80, dasbor[:1])
        unit = pages_starting_with(book_pdf, "CAPAIAN KINERJA", "Kepala Seksi Pelatihan dan Produktivitas")
        pdf_pages_to_png(book_pdf, IMG / "unit-p05.png", 80, unit[:1])
    for p in sorted(IMG.glob("*.png")):
        print(p.relative_to(ROOT))


if __name__ == "__main__":
    if not shutil.which("soffice") or not shutil.which("pdftoppm"):
        sys.exit("needs soffice (LibreOffice) and pdftoppm (poppler-utils)")
    main()
