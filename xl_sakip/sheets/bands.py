"""The colours of the capaian categories: one table for the unit sheets (conditional formats of the
template) and the pohon kinerja's chips.

A band's colour is chosen by its ROW in Ref_Kategori (first row, second row ...), as the template's
conditional formats compare the Kategori cell with the label in that row (`_xlsakip_kategori<i>`): an
office that reorders or renames its bands sees the same colour for the same row in the sheets and in the
tree. The default bands are listed from low to high, so the colours run red to green. More bands than
colours reuse the last colour.
"""

from __future__ import annotations

from collections.abc import Sequence

BAND_FILLS = ("F8696B", "FFB268", "FFEB84", "C6E0B4", "63BE7B")  # rows 1..5 of Ref_Kategori
ABOVE_FILL = "9BC2E6"  # "above target" (Pengaturan)
NO_VALUE_FILL = "D9D9D9"  # no capaian: not computable, or no realisasi yet


def band_fill(row: int) -> str:
    """The colour of the band in 0-based row `row` of Ref_Kategori."""
    return BAND_FILLS[min(row, len(BAND_FILLS) - 1)]


def fill_of(label: str | None, band_labels: Sequence[str], above_label: str) -> str:
    """The colour of a category label: a band's by its row, "above target", else the no-value grey."""
    if label is None:
        return NO_VALUE_FILL
    if label == above_label:
        return ABOVE_FILL
    if label in band_labels:
        return band_fill(list(band_labels).index(label))
    return NO_VALUE_FILL
