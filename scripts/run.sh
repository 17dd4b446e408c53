#!/usr/bin/env bash
# Install (first run only) and run the pixelsvc command line with the given arguments.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$ROOT/.venv/bin/pixelsvc" ]; then
    bash "$ROOT/scripts/setup.sh"
fi
exec "$ROOT/.venv/bin/pixelsvc" "$@"
