"""The seed importer: the cascading text document -> Cascade (docs/importer.md).

The document is a sequence of tab-separated tables ``No | Sasaran Strategis | Indikator Kinerja | Target``,
each followed by the title of its position. Page breaks split tables, cells and titles; the rules for
putting them back together are in docs/importer.md. Texts are kept exactly as written (outer spaces
trimmed); every number is parsed by xl_sakip.core.numbers and every IPK link by xl_sakip.core.linking.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel

from xl_sakip.core.aggregate import default_aggregation
from xl_sakip.core.linking import link_ipk
from xl_sakip.core.models import Cascade, Indicator, Polarity, Position, Settings
from xl_sakip.core.numbers import parse_target
from xl_sakip.errors import SeedError, refuse_special_file

HEADER_HINT = "No<TAB>Sasaran Strategis<TAB>Indikator Kinerja<TAB>Target"
#: The most characters an Excel cell holds; a longer text would be cut in the workbook, so it is refused.
MAX_CELL_TEXT = 32_767
_EMPTY_FIX = "Pilih berkas dokumen cascading yang berisi tabel, lalu impor lagi."


class Severity(StrEnum):
    ERROR = "galat"  # the row is kept but something in it must be fixed by hand
    WARNING = "peringatan"  # read, but a person should check how
    INFO = "info"  # how a quirk of the document was resolved


class ImportProblem(BaseModel):
    line: int  # 1-based line of the source file; 0 for the whole file
    message: str  # Bahasa Indonesia
    severity: Severity = Severity.WARNING
    indicator_id: str | None = None


class ImportResult(BaseModel):
    cascade: Cascade
    problems: list[ImportProblem]

    def of_severity(self, severity: Severity) -> list[ImportProblem]:
        return [p for p in self.problems if p.severity is severity]


# --- reading the lines --------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    indikator: str
    target: str


@dataclass
class _Sasaran:
    no: int
    texts: list[str]
    line: int
    rows: list[_Row] = field(default_factory=list)


@dataclass
class _Table:
    header_line: int
    title_parts: list[str] = field(default_factory=list)
    title_line: int | None = None
    sasaran: list[_Sasaran] = field(default_factory=list)


_ARROWS = "➔→►▶➜➤➝⇒>"
_NUMBER_CELL = re.compile(r"([0-9]+)\s*[.)]?")
_SEPARATOR_CELL = re.compile(r":?-*:?")
_DOC_TITLE = re.compile(r"CASCADING\s+(?P<office>.*?)\s+TAHUN\s+(?P<year>[0-9]{4})\b", re.I)


def _clean_title(line: str) -> str:
    """Title text without arrows, bold marks and outer spaces: "➔ **SEKRETARIS**" -> "SEKRETARIS"."""
    s = line.replace("**", "").strip()
    return s.lstrip(_ARROWS + " \t").strip()


def _is_header(cells: list[str]) -> bool:
    low = [c.strip().lower().rstrip(".") for c in cells]
    return (len(low) >= 4 and low[0] == "no" and low[1].startswith("sasaran")
            and low[2].startswith("indikator") and low[3].startswith("target"))


def _is_separator(cells: list[str]) -> bool:
    return all(_SEPARATOR_CELL.fullmatch(c.strip()) for c in cells) and any("-" in c for c in cells)


def _split_lines(text: str) -> list[str]:
    # Not str.splitlines(): it also breaks at \x0b, \x1c, U+2028 ...; line numbers would drift.
    return re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff"))


class _Reader:
    """One pass over the lines: tables, their titles, their rows; problems noted on the way."""

    def __init__(self) -> None:
        self.tables: list[_Table] = []
        self.problems: list[ImportProblem] = []
        self.preamble: list[tuple[int, str]] = []

    def problem(self, line: int, message: str, severity: Severity = Severity.WARNING) -> None:
        self.problems.append(ImportProblem(line=line, message=message, severity=severity))

    def read(self, lines: list[str]) -> None:
        after_title = False  # the previous line was (part of) a title: a next text line continues it
        for no, line in enumerate(lines, start=1):
            if not line.strip():
                after_title = False
                continue
            if "\t" not in line:
                after_title = self._text_line(no, line, after_title)
                continue
            after_title = False
            cells = [c.strip() for c in line.split("\t")]
            if any(len(c) > MAX_CELL_TEXT for c in cells):
                raise SeedError(
                    f"Baris {no}: satu kolom berisi lebih dari {MAX_CELL_TEXT:,} karakter (batas satu sel "
                    "Excel), sehingga akan terpotong. Periksa apakah pemisah TAB atau baris baru hilang di "
                    "baris ini, lalu impor lagi.".replace(",", ".")
                )
            while len(cells) > 4 and not cells[-1]:
                cells.pop()  # trailing empty cells of a wider table
            if not any(cells):
                continue
            if _is_header(cells):
                self.tables.append(_Table(header_line=no))
            elif _is_separator(cells):
                continue
            elif not self.tables:
                raise SeedError(
                    f"Baris {no}: baris tabel tanpa baris judul tabel di atasnya. Tambahkan baris judul "
                    f"({HEADER_HINT}) sebelum baris ini, lalu impor lagi."
                )
            else:
                self._row(no, cells)

    def _text_line(self, no: int, line: str, after_title: bool) -> bool:
        text = _clean_title(line)
        if not text:
            return False
        if not self.tables:
            self.preamble.append((no, text))
            return False
        table = self.tables[-1]
        if table.title_line is None:
            table.title_line = no
            table.title_parts.append(text)
            return True
        if after_title:
            table.title_parts.append(text)  # a title split over lines: "KABID PENGAWASAN" / "KETENAGAKERJAAN"
            return True
        self.problem(no, f"Teks «{text}» di luar tabel dan bukan judul jabatan; diabaikan.")
        return False

    def _row(self, no: int, cells: list[str]) -> None:
        table = self.tables[-1]
        if len(cells) > 4:
            self.problem(no, f"Baris punya {len(cells)} kolom, seharusnya 4; kolom ke-5 dst. digabung ke "
                         "Target. Periksa baris ini.", Severity.ERROR)
            cells = cells[:3] + [" ".join(c for c in cells[3:] if c)]
        if len(cells) == 4:
            number, sasaran, indikator, target = cells
        elif len(cells) == 3:
            # A cell split by a page break: the rest of the sasaran text, then indicator and target.
            number, (sasaran, indikator, target) = "", cells
        else:
            number, sasaran = "", ""
            indikator, target = cells
            self.problem(no, "Baris hanya punya 2 kolom; dibaca sebagai Indikator Kinerja dan Target.")
        m = _NUMBER_CELL.fullmatch(number)
        if m:
            n = int(m[1])
            if any(s.no == n for s in table.sasaran):
                self.problem(no, f"Nomor sasaran {n} muncul lagi pada tabel yang sama; nomor urut "
                             "indikatornya melanjutkan sasaran itu. Periksa penomoran.", Severity.ERROR)
            table.sasaran.append(_Sasaran(no=n, texts=[sasaran] if sasaran else [], line=no))
        else:
            if number:
                self.problem(no, f"Kolom No «{number}» bukan nomor sasaran; baris dianggap lanjutan "
                             "sasaran sebelumnya.", Severity.ERROR)
            if not table.sasaran:
                self.problem(no, "Baris indikator sebelum sasaran bernomor; dimasukkan ke sasaran 0.",
                             Severity.ERROR)
                table.sasaran.append(_Sasaran(no=0, texts=[], line=no))
            if sasaran:
                table.sasaran[-1].texts.append(sasaran)
                joined = " ".join(table.sasaran[-1].texts)
                self.problem(no, f"Teks sasaran terpotong halaman disambung: «{joined}».", Severity.INFO)
        if indikator or target:
            table.sasaran[-1].rows.append(_Row(no, indikator, target))


def _note(problems: list[ImportProblem], line: int, message: str, severity: Severity = Severity.WARNING,
          indicator_id: str | None = None) -> None:
    problems.append(ImportProblem(line=line, message=message, severity=severity, indicator_id=indicator_id))


# --- the tree -----------------------------------------------------------------------------------------

_ESELON3 = re.compile(r"^(sekretaris|kabid|kepala\s+bidang|kepala\s+uptd?|kepala\s+balai)\b", re.I)
_ESELON4 = re.compile(
    r"^(kasi|kasie|kepala\s+seksi|kasubag|kasubbag|kasubid|kepala\s+sub\s*bagian|kepala\s+sub\s*bidang)\b",
    re.I,
)


def _positions(tables: list[_Table], problems: list[ImportProblem]) -> list[Position]:
    """Root = first position; eselon III -> root; eselon IV -> the eselon-III position before it."""
    positions: list[Position] = []
    last_e3: str | None = None
    for k, t in enumerate(tables, start=1):
        code = f"P{k:02d}"
        title = " ".join(t.title_parts)
        line = t.title_line or t.header_line
        if not title:
            title = f"Tanpa judul (tabel baris {t.header_line})"
            _note(problems, t.header_line, f"Tabel di baris {t.header_line} tidak diikuti judul jabatan; "
                  f"diberi judul «{title}». Isi judul yang benar di lembar Jabatan.", Severity.ERROR)
        if k == 1:
            parent, eselon = None, 2
        elif _ESELON3.match(title):
            parent, eselon = positions[0].code, 3
            last_e3 = code
        elif _ESELON4.match(title):
            eselon = 4
            parent = last_e3 or positions[0].code
            if last_e3 is None:
                _note(problems, line, f"Jabatan {code} «{title}» (eselon IV) tanpa jabatan eselon III "
                      f"sebelumnya; atasan diisi {positions[0].code}. Periksa lembar Jabatan.")
        else:
            parent, eselon = positions[0].code, None
            _note(problems, line, f"Jenis jabatan {code} «{title}» tidak dikenali; atasan diisi "
                  f"{positions[0].code}. Periksa lembar Jabatan.")
        positions.append(Position(code=code, title=title, parent=parent, eselon=eselon, order=k,
                                  source_line=line))
        if not any(s.rows for s in t.sasaran):
            _note(problems, line, f"Jabatan {code} «{title}» tidak punya indikator.")
    return positions


# --- indicators ---------------------------------------------------------------------------------------


def _indicators(tables: list[_Table], positions: list[Position], grade_codes: list[str],
                problems: list[ImportProblem]) -> list[Indicator]:
    out: list[Indicator] = []
    for table, pos in zip(tables, positions, strict=True):
        count: dict[int, int] = {}
        for sas in table.sasaran:
            text = " ".join(sas.texts)
            for row in sas.rows:
                count[sas.no] = count.get(sas.no, 0) + 1
                iid = f"{pos.code}-{sas.no}.{count[sas.no]}"
                pt = parse_target(row.target, grade_codes)
                ind = Indicator(
                    id=iid, position=pos.code, sasaran_no=sas.no, sasaran=text, indikator=row.indikator,
                    target=pt.value, target_upper=pt.upper, target_text=row.target, satuan=pt.satuan,
                    kind=pt.kind, source_line=row.line,
                    polarity=Polarity.RANGE if pt.upper is not None else Polarity.HIGHER_IS_BETTER,
                    aggregation=default_aggregation(pt.kind),
                )
                if not row.indikator:
                    _note(problems, row.line, f"Indikator {iid}: teks Indikator Kinerja kosong.",
                          Severity.ERROR, iid)
                if pt.problem:
                    _note(problems, row.line, f"Indikator {iid}: {pt.problem} Baris tetap diimpor tanpa "
                          "nilai target; isi kolom Target.", Severity.ERROR, iid)
                elif pt.ambiguous:
                    _note(problems, row.line, f"Indikator {iid}: target «{row.target}» bermakna ganda: "
                          f"{pt.note}. Periksa kolom Target.", Severity.WARNING, iid)
                out.append(ind)
    return out


def _settings(preamble: list[tuple[int, str]], problems: list[ImportProblem]) -> Settings:
    """Office and year from the title "**CASCADING <office> TAHUN <year>**" before the first table."""
    for no, text in preamble:
        m = _DOC_TITLE.search(text)
        if m:
            _refuse_year(int(m["year"]), m["year"], no)
            return Settings(office=m["office"].strip(), year=int(m["year"]))
    problems.append(ImportProblem(line=preamble[0][0] if preamble else 0, message=(
        "Judul dokumen «CASCADING <nama dinas> TAHUN <tahun>» tidak ditemukan sebelum tabel pertama; "
        "nama dinas dan tahun diisi di lembar Pengaturan.")))
    return Settings()


def _refuse_year(year: int, written: str, line: int) -> None:
    """"TAHUN 0000" made a workbook that later crashed demo and import (issue 12, item 5): refuse it."""
    from xl_sakip.core.validation import YEAR_MAX, YEAR_MIN, year_problem

    if year_problem(year):
        raise SeedError(f"baris {line}: tahun «{written}» pada judul dokumen tidak wajar; tulis tahun "
                        f"cascading (antara {YEAR_MIN} dan {YEAR_MAX}), misalnya «TAHUN 2024».")


def parse_seed(text: str) -> ImportResult:
    """Read the cascading text format. Raises SeedError when there is nothing to import."""
    lines = _split_lines(text)
    if not any(line.strip() for line in lines):
        raise SeedError(f"Dokumen kosong: tidak ada teks untuk diimpor. {_EMPTY_FIX}")
    reader = _Reader()
    reader.read(lines)
    if not reader.tables:
        raise SeedError(f"Tidak ada baris judul tabel ({HEADER_HINT}) di dokumen. Dokumen cascading harus "
                        "berisi tabel dengan baris judul itu (kolom dipisah TAB); salin tabel dari dokumen "
                        "asli sebagai teks, lalu impor lagi.")
    problems = reader.problems
    settings = _settings(reader.preamble, problems)
    positions = _positions(reader.tables, problems)
    cascade = Cascade(settings=settings, positions=positions)
    codes = [g.code for g in cascade.reference.grades]
    cascade.indicators = _indicators(reader.tables, positions, codes, problems)
    if not cascade.indicators:
        raise SeedError("Dokumen punya baris judul tabel tetapi tidak ada baris indikator untuk diimpor. "
                        "Tambahkan baris indikator (No, Sasaran Strategis, Indikator Kinerja, Target, "
                        "dipisah TAB) di bawah baris judul tabel, lalu impor lagi.")
    for n in link_ipk(cascade):
        _note(problems, n.source_line or 0, n.message, Severity.WARNING, n.indicator_id)
    problems.sort(key=lambda p: p.line)  # stable: same-line problems keep their order
    return ImportResult(cascade=cascade, problems=problems)


# --- the file -----------------------------------------------------------------------------------------


def _binary(text: str) -> bool:
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    return controls > max(2, len(text) // 100)


def decode_seed(data: bytes, name: str = "berkas") -> tuple[str, list[ImportProblem]]:
    """Bytes -> text: UTF-8 (BOM allowed), UTF-16 with BOM, else Windows-1252 with a problem noted."""
    binary = SeedError(f"{name} adalah berkas biner (misalnya .docx, .xlsx atau .pdf), bukan teks. Simpan "
                       "dokumen cascading sebagai teks (.txt, UTF-8), lalu impor lagi.")
    if not data.strip():
        raise SeedError(f"{name} kosong: tidak ada teks untuk diimpor. {_EMPTY_FIX}")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise binary from None
        problems: list[ImportProblem] = []
    elif b"\x00" in data or data.startswith((b"%PDF", b"PK\x03\x04")):
        raise binary
    else:
        problems = []
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise binary from None
            line = data[: e.start].count(b"\n") + 1
            problems.append(ImportProblem(line=line, message=(
                f"{name} bukan UTF-8 (byte pertama yang salah di baris {line}); dibaca sebagai Windows-1252. "
                "Periksa huruf khusus, atau simpan dokumen sebagai UTF-8.")))
    if _binary(text):
        raise binary
    if not text.strip("\ufeff \t\r\n\f"):
        raise SeedError(f"{name} kosong: tidak ada teks untuk diimpor. {_EMPTY_FIX}")
    return text, problems


def read_seed(path: str | Path) -> ImportResult:
    """Read a seed file. Raises SeedError (exit code 2, message in Bahasa Indonesia) when it cannot."""
    p = Path(path)
    name = f"Berkas {p}"
    refuse_special_file(p, SeedError)  # a FIFO or /dev/zero would hang the reading below
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise SeedError(f"{name} tidak ditemukan. Periksa nama dan foldernya.") from None
    except IsADirectoryError:
        raise SeedError(f"{name} adalah folder, bukan berkas teks.") from None
    except OSError as e:
        raise SeedError(f"{name} tidak dapat dibaca: {e.strerror or e}.") from None
    text, problems = decode_seed(data, name)
    try:
        result = parse_seed(text)
    except SeedError as e:
        raise SeedError(f"{name}: {e.message}") from None
    result.problems[:0] = problems
    result.problems.sort(key=lambda q: q.line)
    return result
