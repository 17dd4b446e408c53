#!/usr/bin/env bash
# Install (if needed) and run the whole test suite plus the linter.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
ruff check pixelsvc tests bench models
python -m pytest "$@"
