"""The text of the Petunjuk (instructions) sheet, for planners, in Bahasa Indonesia.

Kept apart from the writer so that the words can be reviewed and changed without touching code. The text
is a small markup: "## " starts a heading, "* " an item, other lines a paragraph; an indented line
continues the line above it. {placeholders} are sheet and column names from schema.py.
"""

from __future__ import annotations

from xl_sakip.book import schema as s

TITLE = "title"
HEADING = "heading"
TEXT = "text"
ITEM = "item"

TEXT_ID = """\
Workbook ini adalah sumber data utama cascading kinerja: pohon jabatan, sasaran strategis, indikator
  kinerja, target dan realisasi per triwulan. Laporan dan lembar per unit dibuat dari data di sini, jadi
  perbaikan cukup dilakukan di workbook ini.
## Isi setiap sheet
* {positions}: daftar jabatan (pohon kinerja). Kolom Kode Atasan menunjuk jabatan atasan; Kepala Dinas
  tidak punya atasan. Nama Pejabat dan NIP boleh diisi (NIP ditulis sebagai teks agar angka nol di depan
  tidak hilang).
* {indicators}: satu baris untuk setiap indikator kinerja dari setiap sasaran strategis, dengan target
  tahunan, target dan realisasi per triwulan.
* {budget}: anggaran: Program, Kegiatan dan Sub Kegiatan (kode menurut nomenklatur daerah, misalnya
  2.07.02), jabatan penanggung jawab, indikator yang didukung, pagu, pagu perubahan dan realisasi anggaran
  per triwulan. Jumlah rupiah diisi pada baris Sub Kegiatan saja; pagu dan realisasi Kegiatan dan Program
  adalah jumlah Sub Kegiatan di bawahnya (kodenya diawali kode induk dan titik). Pagu Perubahan, bila
  diisi, menggantikan Pagu. Serapan anggaran dan efisiensi dihitung di sheet unit dan Dasbor.
* {settings}: pengaturan instansi (nama, tahun, tempat dan tanggal Perjanjian Kinerja, batas capaian,
  rumus polaritas turun).
* {renstra}: target Renstra setiap indikator per tahun (satu baris per ID dan Tahun); tahun terakhir
  periode Renstra memberi target akhir Renstra.
* {history}: target dan realisasi tahun-tahun sebelumnya (satu baris per ID dan Tahun), diketik atau
  dibawa otomatis oleh xl-sakip new-year.
* {narrative}: faktor pendukung, faktor penghambat, upaya / tindak lanjut dan bukti dukung (tautan atau
  lokasi berkas) setiap indikator per triwulan.
* {bands}: kategori capaian (misalnya Sangat Tinggi, Tinggi, ...) dan batas-batasnya.
* {grades}: skala predikat (AA ... D, WTP ... TMP) dan skor setiap kode, dipakai untuk menghitung capaian
  indikator berjenis predikat (skor realisasi / skor target x 100).
* {ipk}: sembilan komponen Indeks Pembangunan Ketenagakerjaan (IPK) dan nilai maksimum masing-masing.
* {ipk_sub}: nama sub-indikator yang dikenal untuk setiap komponen IPK.
* {ipk_status}: kategori status IPK (Rendah, Menengah Bawah, Menengah Atas, Tinggi).
* {lists}: isi pilihan drop-down. Jangan diubah.
* {xlwings}: pengaturan teknis untuk fungsi Excel dari Python. Jangan diubah.
## Mengisi realisasi per triwulan
* Buka sheet {indicators} dan cari baris indikator menurut ID atau Kode Jabatan (gunakan filter pada judul
  kolom).
* Isi kolom Realisasi TW1 sampai Realisasi TW4 (judul kolom berwarna hijau) dengan angka saja, tanpa satuan
  dan tanpa tanda %: 85,5 bukan 85,5%. Untuk indikator berjenis predikat, isi kodenya, misalnya BB.
* Kosongkan triwulan yang belum dilaporkan. Angka 0 berarti realisasinya memang nol; sel kosong berarti
  belum ada data.
* Kolom Target TW1 sampai TW4 diisi dengan target per triwulan (Rencana Aksi) bila ada.
* Untuk indikator dengan agregasi rasio, isi Pembilang dan Penyebut setiap triwulan; capaian dihitung dari
  jumlah pembilang dibagi jumlah penyebut, bukan dari rata-rata persentase.
* Ketik nilai, bukan rumus: sel berisi rumus di kolom data ditolak saat workbook dibaca.
## Satu tahun, triwulan demi triwulan
* Awal tahun: buat workbook tahun ini dari workbook tahun lalu dengan xl-sakip new-year (jabatan dan ID
  indikator tetap; realisasi tahun lalu pindah ke sheet {history}; target diambil dari sheet {renstra}).
  Periksa dan lengkapi Target dan Target TW1 sampai TW4 (Rencana Aksi), lalu cetak Perjanjian Kinerja.
* Setiap akhir triwulan: isi Realisasi triwulan itu di sheet {indicators}, ubah 'Laporan s.d. Triwulan'
  di sheet {settings} menjadi nomor triwulan itu, isi sheet {narrative} untuk triwulan itu, lalu klik Buat
  Ulang Sheet Unit (atau xl-sakip regenerate) dan jalankan xl-sakip check.
* Triwulan sesudah 'Laporan s.d. Triwulan' diabaikan walaupun sudah terisi; triwulan sebelumnya yang masih
  kosong membuat capaian 'belum lengkap' dan disebutkan namanya.
* Setiap indikator punya dua capaian: terhadap target tahunan (Permendagri 86/2017: realisasi s.d.
  triwulan ini dibagi target tahun ini) dan terhadap target s.d. triwulan ini (Rencana Aksi: jumlah
  atau target triwulan terakhir yang dilaporkan). Tanpa Target TW, capaian kedua tertulis 'tidak dapat
  dihitung' dan menyebut alasannya; angkanya tidak dikarang.
* Capaian berkategori yang perlu penjelasan (Pengaturan 'Kategori Perlu Penjelasan', bawaan Rendah dan
  Sangat Rendah) wajib diberi Faktor Penghambat di sheet {narrative}; xl-sakip check memberi peringatan.
* Untuk sistem lain (unggah e-SAKIP, konsolidasi provinsi): xl-sakip export menulis satu baris per
  indikator (csv, json atau xlsx).
* Akhir tahun: laporan s.d. TW4 adalah capaian tahunan; bahan LKjIP Bab III dibuat dari workbook ini.
## Kolom hitungan (judul abu-abu)
* Kolom paling kanan sheet {indicators} ({computed}; judul berwarna abu-abu) berisi rumus dengan fungsi
  Excel xl-sakip (SAKIP_...) yang dijalankan oleh Python. Kolom ini hanya berfungsi di Excel untuk
  Windows yang memasang Python dan xlwings; di komputer lain, dan sebelum makro diaktifkan, kolom ini
  menampilkan galat seperti #NAME?. Itu tidak apa-apa: semua angka yang sama juga dihitung dengan rumus
  Excel biasa di sheet setiap unit, dan sheet unit itulah yang dipakai untuk laporan. Untuk indikator
  yang punya pendukung roll-up (IPK dan komponennya), Capaian (%) di sini memakai realisasi baris itu
  sendiri, sedangkan sheet unit memakai jumlah realisasi pendukungnya.
* Kolom hitungan tidak perlu dan tidak boleh diisi; xl-sakip tidak membacanya.
## Arti pilihan drop-down
* Jenis: persen; jumlah (hitungan: perusahaan, orang, dokumen ...); indeks (misalnya IPK dan komponennya);
  predikat (kode pada skala predikat, misalnya BB).
* Polaritas: naik (makin tinggi makin baik); turun (makin rendah makin baik); rentang (target berupa
  rentang dari Target sampai Target Atas).
* Agregasi: cara realisasi triwulan digabung menjadi realisasi tahunan. jumlah = dijumlahkan (untuk
  hitungan); terakhir = triwulan terakhir yang dilaporkan (untuk persen, indeks, predikat); rasio =
  dihitung ulang dari pembilang dan penyebut.
* Kode Jabatan: jabatan pemilik indikator, dari kolom Kode di sheet {positions}.
* Mendukung ID: ID indikator atasan yang didukung oleh indikator ini.
* Roll-up: tidak = mendukung secara substansi saja; jumlah = nilainya ikut dijumlahkan ke nilai indikator
  yang didukung (misalnya sub-indikator IPK ke komponen IPK, komponen ke IPK).
## Kode dan ID jangan diubah
* Kode jabatan (P01, P02, ...) dan ID indikator (misalnya P05-3.2 = indikator ke-2 dari sasaran 3 jabatan
  P05) adalah pengenal tetap. Lembar lain mencari data menurut ID ini, jadi jangan mengubah ID yang sudah
  ada. Mengurutkan atau menyaring tabel aman dilakukan.
* Indikator baru: tambahkan baris tepat di bawah tabel dengan ID baru yang belum dipakai, mengikuti pola
  yang sama.
## Data referensi dapat diubah
* Kategori capaian, skala predikat, komponen IPK dan status IPK adalah data, bukan aturan tetap.
  Sesuaikan dengan ketentuan yang berlaku di instansi Anda; perhitungan membaca nilai dari sheet ini.
* Nilai maksimum komponen IPK yang bertanda 'ya' di kolom Sementara (sheet {ipk}) belum dipastikan dari
  Kepmenaker 206/2017; hanya Penduduk dan Tenaga Kerja serta Jaminan Sosial yang sudah dipastikan.
  Periksa dan ganti dengan nilai resmi bila tersedia, lalu ubah menjadi 'tidak'.
* Batas status IPK selain Menengah Atas (66,00) juga masih perkiraan.
## Tampilan angka
* Pemisah desimal dan ribuan mengikuti pengaturan bahasa Windows/Excel Anda: dengan pengaturan Indonesia,
  71,10 dan 14.000 tampil seperti pada dokumen.
"""


def instruction_lines(office: str = "", year: int | None = None) -> list[tuple[str, str]]:
    """The sheet's lines as (style, text), title first."""
    title = "Master Cascading Kinerja (SAKIP)" + (f" Tahun {year}" if year else "")
    lines: list[tuple[str, str]] = [(TITLE, title)]
    if office:
        lines.append((TEXT, office))
    text = TEXT_ID.format(
        positions=s.SHEET_POSITIONS, indicators=s.SHEET_INDICATORS, settings=s.SHEET_SETTINGS,
        bands=s.SHEET_BANDS, grades=s.SHEET_GRADES, ipk=s.SHEET_IPK, ipk_sub=s.SHEET_IPK_SUB,
        ipk_status=s.SHEET_IPK_STATUS, lists=s.SHEET_LISTS, budget=s.SHEET_BUDGET,
        xlwings=s.SHEET_XLWINGS_CONF,
        renstra=s.SHEET_RENSTRA, history=s.SHEET_HISTORY, narrative=s.SHEET_NARRATIVE,
        computed=", ".join(c.header for c in s.COMPUTED_COLUMNS),
    )
    for raw in text.splitlines():
        if raw.startswith("  ") and lines:
            style, previous = lines[-1]
            lines[-1] = (style, f"{previous} {raw.strip()}")
        elif raw.startswith("## "):
            lines.append((HEADING, raw[3:]))
        elif raw.startswith("* "):
            lines.append((ITEM, raw[2:]))
        elif raw.strip():
            lines.append((TEXT, raw))
    return lines
