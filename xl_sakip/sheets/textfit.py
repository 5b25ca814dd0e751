"""Row heights of wrapped text: the one estimate of how many lines a text takes in a cell.

Neither Excel nor LibreOffice fits row heights when it opens a file, so every writer sets heights from
`wrapped_lines` (unit sheets, Ringkasan, Dasbor, PK). The pohon kinerja picture measures real font widths
(tree.wrap): it draws the lines, it does not estimate a cell.
"""

from __future__ import annotations

from xl_sakip.sheets.plan import STYLES, Content, StyleSpan

LINE_HEIGHT = 15.0  # points per line of 11 pt text, with the cell's padding

def wrapped_lines(text: object, width: float, bold: bool = False) -> int:
    """Lines a text takes when Excel or LibreOffice wraps it at word boundaries in a column `width`
    characters wide (a greedy estimate; bold text is wider). Neither engine fits row heights of a file it
    opens, so the writers set heights from this."""
    cap = max(1, int(width - (2 if bold else 1)))
    lines = 0
    for para in str(text or "").split("\n"):
        n, used = 1, 0
        for word in para.split():
            while len(word) > cap:  # a word longer than the column is broken
                if used:
                    n, used = n + 1, 0
                word = word[cap:]
                n += 1
            if used and used + 1 + len(word) > cap:
                n, used = n + 1, len(word)
            else:
                used += len(word) + (1 if used else 0)
        lines += n
    return max(1, lines)


def height(lines: int) -> float:
    return LINE_HEIGHT * lines + (3 if lines > 1 else 0)


def header_height(headers: dict[int, object], widths: dict[int, float]) -> float:
    """Height of a bold, wrapped header row: the tallest of its labels."""
    return height(max((wrapped_lines(h, widths[c], bold=True) for c, h in headers.items()
                       if c in widths and isinstance(h, str)), default=1))


def wrapped_heights(cells: list[list[Content]], styles: list[StyleSpan], widths: dict[int, float],
                    text_of: dict[tuple[int, int], str] | None = None) -> dict[int, float]:
    """Row heights for every cell of a wrapping style (header rows included), from the column widths.

    `text_of[(row, col)]` is what a formula cell will show (a title read from a unit sheet, a band label),
    as far as the master tells; other cells count by their text.
    """
    text_of = text_of or {}
    out: dict[int, float] = {}
    for span in styles:
        st = STYLES[span.style]
        if not st.wrap:
            continue
        for r in range(span.first_row, span.last_row + 1):
            for c in range(span.first_col, span.last_col + 1):
                v = cells[r - 1][c - 1] if r <= len(cells) and c <= len(cells[r - 1]) else None
                t = text_of.get((r, c), v if isinstance(v, str) else "")
                lines = wrapped_lines(t, widths.get(c, 8.43), bold=st.bold)
                if lines > 1:
                    out[r] = max(out.get(r, 0.0), height(lines))
    return out


