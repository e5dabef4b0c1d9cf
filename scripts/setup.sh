#!/usr/bin/env bash
# Installs everything policy-archive needs on a fresh Debian machine with Python 3.11:
# Debian's chromium (Playwright cannot download its own browser here), tesseract with the Kazakh and
# Russian language data and poppler's pdftoppm (OCR of scanned PDFs), and a venv with the package.
# Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
packages=(tesseract-ocr tesseract-ocr-kaz tesseract-ocr-rus poppler-utils)
# `setup.sh test`: also PostgreSQL, which the test suite's second pass starts a throwaway server of.
[ "${1:-}" = "test" ] && packages+=(postgresql)
for package in "${packages[@]}"; do
  installed "$package" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages into .venv"
  # pip and setuptools talk a lot; their output is kept in .venv/install.log and shown only on failure.
  if ! { .venv/bin/python -m pip install -q --upgrade pip && .venv/bin/python -m pip install -q -e '.[test]'; } \
      > .venv/install.log 2>&1; then
    cat .venv/install.log >&2
    echo "setup: installing the Python packages failed (log above, also in .venv/install.log)" >&2
    exit 1
  fi
  .venv/bin/python -c "import scrapy, trafilatura, sqlalchemy, pypdf, docx" # fail loudly if the install did not work
  rm -f .venv/.installed-*
  touch "$stamp"
fi
