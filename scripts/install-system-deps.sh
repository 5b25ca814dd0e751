#!/bin/sh
# System packages, installed only when missing (Debian/Ubuntu; as root, or with sudo):
#   python3-venv            for `python3 -m venv`
#   libreoffice-calc-nogui  with the argument `libreoffice`: the second spreadsheet engine of the tests
#   poppler-utils           with the argument `libreoffice` too: `pdftotext` reads back the PDFs the tests
#                           print through LibreOffice (without it those tests are skipped)
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
need=""
python3 -c "import ensurepip" 2>/dev/null || need="$need python3-venv"
if [ "${1:-}" = "libreoffice" ] && ! command -v soffice >/dev/null 2>&1; then
  need="$need libreoffice-calc-nogui"
fi
if [ "${1:-}" = "libreoffice" ] && ! command -v pdftotext >/dev/null 2>&1; then
  need="$need poppler-utils"
fi
if [ -n "$need" ]; then
  echo "Memasang paket sistem:$need"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
