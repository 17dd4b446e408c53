#!/usr/bin/env bash
# Bench-only environment for bench/presidio_compare.py (issue 12): Presidio's DICOM redactor in its own
# venv (never the project venv, never installed by CI) plus tesseract from apt.
#
#   bash bench/presidio_setup.sh            # venv at $PRESIDIO_VENV (default /work/presidio-venv)
#
# Presidio's analyzer needs a spaCy English model. Explosion publishes those as GitHub release
# downloads, not on PyPI (only unofficial re-uploads are there), and nothing may be fetched from
# anywhere else, so this saves spacy.blank("en") to $PRESIDIO_VENV/spacy-blank-en: Presidio then runs
# its pattern recognisers only, without NER (faster than its normal setup).
set -euo pipefail
VENV="${PRESIDIO_VENV:-/work/presidio-venv}"
PYTHON="${PYTHON:-python3}"

if ! command -v tesseract >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-eng >/dev/null
fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check \
  presidio-image-redactor==0.0.62 presidio-analyzer==2.2.366 spacy==3.8.18
"$VENV/bin/python" - "$VENV/spacy-blank-en" <<'PY'
import sys, spacy
spacy.blank("en").to_disk(sys.argv[1])
print("saved spacy.blank('en') to", sys.argv[1])
PY
tesseract --version | head -1
"$VENV/bin/pip" freeze | grep -iE '^(presidio|spacy|pytesseract|pydicom)' || true
